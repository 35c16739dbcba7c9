import net from 'node:net';

/**
 * A small TCP proxy for the failure drills, with the knobs a drill needs:
 * - `cut()` resets every piped connection at once (both sides), `refuse()`/`accept()` reset new
 *   connections for a while — Postgres "going away" under the backend;
 * - `holdMs`: while nothing listens upstream, keep retrying the connect instead of failing (a load
 *   balancer's connect retries while an instance restarts);
 * - `replay`: if the upstream dies after a request was sent but before one byte of the answer came
 *   back, send the request again on a new upstream connection (HAProxy's `retry-on
 *   empty-response`). Only safe in front of idempotent handlers — which the 46elks webhooks are.
 *   In this mode an upstream that closes a keep-alive connection between two requests does not
 *   close the client's: the next request opens a new upstream connection (HTTP/1.1 with
 *   Content-Length framing only).
 * - `onClientData` / `onUpstreamData`: hooks on every chunk each way, called before it is
 *   forwarded; a hook that calls `cut()` stops the chunk (a drill cuts as a given query passes,
 *   or as Postgres' answer to a COMMIT comes back — committed, but the client never learns).
 */

export type TcpProxyOptions = {
  target: { host?: string; port: number };
  holdMs?: number;
  replay?: boolean;
  onClientData?: (chunk: Buffer) => void;
  onUpstreamData?: (chunk: Buffer) => void;
};

export type TcpProxy = {
  port: number;
  options: TcpProxyOptions;
  /** Connections accepted in all, and those currently piped. */
  stats: () => { accepted: number; open: number; replayed: number; refused: number };
  /** Resets every piped connection; returns how many were cut. */
  cut: () => number;
  refuse: () => void;
  accept: () => void;
  close: () => Promise<void>;
};

type Pair = { client: net.Socket; upstream: net.Socket | null; cut: boolean };

export async function createTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let refusing = false;
  let accepted = 0;
  let replayed = 0;
  let refused = 0;
  const host = options.target.host ?? '127.0.0.1';

  const server = net.createServer((client) => {
    accepted++;
    client.on('error', () => {});
    if (refusing) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    client.setNoDelay(true);
    const pair: Pair = { client, upstream: null, cut: false };
    pairs.add(pair);
    /** Client bytes since the upstream last answered anything (what a replay resends). */
    let unanswered: Buffer[] = [];
    /** Client bytes not yet written to the current upstream (it is still connecting). */
    let backlog: Buffer[] = [];
    let connected = false;
    let clientEnded = false;
    /**
     * Replay mode speaks just enough HTTP/1.1 to know whether the connection is idle: a request
     * is open from its first byte until its response is complete (Content-Length framing, which
     * every answer of our backend has). An upstream that goes away while the connection is idle
     * (an instance killed between two keep-alive requests) is not passed on to the client — like
     * a load balancer, whose client connections outlive any one backend connection, the next
     * request simply opens a new upstream connection.
     */
    let requestOpen = false;
    let response: Buffer = Buffer.alloc(0);

    const responseComplete = (): boolean => {
      const head = response.indexOf('\r\n\r\n');
      if (head < 0) return false;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(response.subarray(0, head).toString('latin1'));
      return length !== null && response.length >= head + 4 + Number(length[1]);
    };

    const connect = (deadline: number) => {
      const up = net.connect(options.target.port, host);
      pair.upstream = up;
      connected = false;
      up.setNoDelay(true);
      up.on('connect', () => {
        if (pair.upstream !== up) return;
        connected = true;
        for (const chunk of backlog) up.write(chunk);
        backlog = [];
        if (clientEnded) up.end();
      });
      up.on('data', (chunk: Buffer) => {
        options.onUpstreamData?.(chunk);
        if (pair.cut) return;
        unanswered = [];
        if (options.replay && requestOpen) {
          response = Buffer.concat([response, chunk]);
          if (responseComplete()) {
            requestOpen = false;
            response = Buffer.alloc(0);
          }
        }
        client.write(chunk);
      });
      // A request still unanswered, or an idle connection, outlives the upstream in replay mode
      // (below); otherwise the client sees the end the upstream sent.
      up.on('end', () => {
        if (!options.replay) client.end();
      });
      up.on('error', () => {});
      up.on('close', () => {
        if (pair.upstream !== up || pair.cut || client.destroyed) return;
        if (!connected) {
          // Refused (nothing listens yet): retry while the hold lasts.
          if (Date.now() < deadline) setTimeout(() => !client.destroyed && connect(deadline), 25);
          else client.destroy();
          return;
        }
        if (options.replay && unanswered.length > 0 && !clientEnded) {
          replayed++;
          backlog = [...unanswered];
          connect(Date.now() + (options.holdMs ?? 0));
          return;
        }
        if (options.replay && !requestOpen && !clientEnded) {
          // Idle: the next request connects anew.
          pair.upstream = null;
          return;
        }
        client.destroy();
      });
    };

    client.on('data', (chunk: Buffer) => {
      options.onClientData?.(chunk);
      if (pair.cut) return;
      if (!requestOpen) {
        requestOpen = true;
        response = Buffer.alloc(0);
      }
      unanswered.push(chunk);
      if (pair.upstream && connected) pair.upstream.write(chunk);
      else {
        backlog.push(chunk);
        if (!pair.upstream) connect(Date.now() + (options.holdMs ?? 0));
      }
    });
    client.on('end', () => {
      clientEnded = true;
      if (pair.upstream && connected) pair.upstream.end();
      else if (!pair.upstream) client.end();
    });
    client.on('close', () => {
      pairs.delete(pair);
      pair.upstream?.destroy();
    });
    connect(Date.now() + (options.holdMs ?? 0));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });

  return {
    port: (server.address() as net.AddressInfo).port,
    options,
    stats: () => ({ accepted, open: pairs.size, replayed, refused }),
    cut: () => {
      const n = pairs.size;
      for (const pair of pairs) {
        pair.cut = true;
        pair.client.resetAndDestroy();
        pair.upstream?.resetAndDestroy();
      }
      pairs.clear();
      return n;
    },
    refuse: () => {
      refusing = true;
    },
    accept: () => {
      refusing = false;
    },
    close: async () => {
      for (const pair of pairs) {
        pair.cut = true;
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      pairs.clear();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

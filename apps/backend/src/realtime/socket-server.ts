import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { addressMatcher } from '../http/addresses';
import type { BridgeEndReason, ElksHello, ElksInbound, RealtimeLog } from './types';

/**
 * The 46elks Realtime Voice socket (REALTIME.md §1.5). 46elks signs nothing, so a connection is refused
 * BEFORE the upgrade (401, socket destroyed) unless its path carries the secret (constant-time compare)
 * and its address is on the allow-list; after the upgrade it must send `hello` within helloTimeoutMs,
 * and `onHello` (correlate + claim the call) must return a handler, else the socket is closed. Frames
 * before `hello` are ignored; frames are at most 64 KiB, uncompressed.
 */

/** What handles one accepted call; a Bridge satisfies it. */
export type RealtimeCallHandler = {
  onElks(msg: ElksInbound): void;
  end(reason: BridgeEndReason): void;
};

export type RealtimeServerOptions = {
  /** REALTIME_PATH_SECRET: the last path segment of `${pathPrefix}/<secret>`. */
  secret: string;
  /** ELKS_ALLOWED_IPS; empty = no address check. */
  allowedIps?: readonly string[];
  /** TRUST_PROXY: proxies whose X-Forwarded-For is believed (right-most untrusted hop is the client). */
  trustProxy?: readonly string[];
  /** Default '/realtime/46elks'. Upgrades elsewhere are left to other listeners. */
  pathPrefix?: string;
  /** Default 10 s. */
  helloTimeoutMs?: number;
  /** Default 10 s; a socket that missed the previous pong is terminated. */
  pingIntervalMs?: number;
  /** Default 64 KiB; a larger frame closes the socket (1009). */
  maxPayload?: number;
  /** Correlate and claim the call; null = unknown or late (the socket is closed and counted). */
  onHello(hello: ElksHello, socket: WebSocket): RealtimeCallHandler | null | Promise<RealtimeCallHandler | null>;
  /** Handling time of each caller audio frame (parse + bridge), ms: the bridge's overhead per frame toward OpenAI. */
  onFrame?: (dir: 'to_model', ms: number) => void;
  log: RealtimeLog;
};

export type RealtimeServerStats = {
  accepted: number;
  /** Refused before the upgrade: wrong secret or address. */
  refused: number;
  /** `hello` that onHello could not match (or that failed). */
  unmatched: number;
  helloTimeouts: number;
  /** Frames that are not JSON text with a `t`. */
  badFrames: number;
  /** Calls currently bridged. */
  active: number;
};

export type RealtimeServer = { stats: RealtimeServerStats; wss: WebSocketServer; close(): void };

const MAX_QUEUED = 200;

/** Constant-time equality (timingSafeEqual needs equal lengths: a length mismatch still does the work). */
export function secretMatches(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** The client's address: the socket's, or with trusted proxies the right-most X-Forwarded-For hop we do not trust. */
export function clientAddress(req: IncomingMessage, isTrustedProxy: (a: string) => boolean): string | undefined {
  let address = req.socket.remoteAddress;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  while (address && isTrustedProxy(address) && hops.length > 0) address = hops.pop();
  return address;
}

/**
 * 46elks frames: audio is almost every frame, so the common serialisation is sliced instead of parsed
 * (base64 needs no JSON escapes); anything else goes through JSON.parse.
 */
export function parseElksFrame(text: string): ElksInbound | null {
  const head = '{"t":"audio","data":"';
  if (text.startsWith(head) && text.endsWith('"}') && text.indexOf('"', head.length) === text.length - 2)
    return { t: 'audio', data: text.slice(head.length, -2) };
  try {
    const msg: unknown = JSON.parse(text);
    if (msg && typeof msg === 'object' && typeof (msg as { t?: unknown }).t === 'string') return msg as ElksInbound;
  } catch {
    // not JSON
  }
  return null;
}

const isHello = (m: ElksInbound): m is ElksHello =>
  m.t === 'hello' && typeof (m as ElksHello).callid === 'string';

export function attachRealtimeServer(server: Server, opts: RealtimeServerOptions): RealtimeServer {
  if (opts.secret.length < 16) throw new Error('realtime socket: the path secret must be at least 16 characters');
  const prefix = (opts.pathPrefix ?? '/realtime/46elks').replace(/\/+$/, '');
  const allowed = opts.allowedIps ?? [];
  const isAllowed = addressMatcher(allowed);
  const isTrustedProxy = addressMatcher(opts.trustProxy ?? []);
  const helloTimeoutMs = opts.helloTimeoutMs ?? 10_000;
  const { log } = opts;
  const stats: RealtimeServerStats = { accepted: 0, refused: 0, unmatched: 0, helloTimeouts: 0, badFrames: 0, active: 0 };
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayload ?? 64 * 1024, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();
  const bridged = new Set<RealtimeCallHandler>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (path !== prefix && !path.startsWith(`${prefix}/`)) return;
    const given = path.slice(prefix.length + 1);
    const address = clientAddress(req, isTrustedProxy);
    const addressOk = allowed.length === 0 || isAllowed(address);
    if (!secretMatches(given, opts.secret) || !addressOk) {
      stats.refused++;
      log.warn('realtime upgrade refused', { why: addressOk ? 'secret' : 'address' });
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  };

  function onConnection(ws: WebSocket) {
    let phase: 'hello' | 'pending' | 'bridged' | 'closed' = 'hello';
    let handler: RealtimeCallHandler | null = null;
    const queued: ElksInbound[] = [];
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', (err) => log.warn('realtime 46elks socket error', { err: err.message }));
    const helloTimer = setTimeout(() => {
      if (phase !== 'hello') return;
      stats.helloTimeouts++;
      log.warn('realtime no hello in time', { timeoutMs: helloTimeoutMs });
      ws.close(1008, 'no hello');
    }, helloTimeoutMs);

    const accept = (hello: ElksHello) => {
      phase = 'pending';
      clearTimeout(helloTimer);
      Promise.resolve()
        .then(() => opts.onHello(hello, ws))
        .then(
          (h) => {
            if (phase === 'closed') return h?.end('elks_closed');
            if (!h) {
              stats.unmatched++;
              log.warn('realtime hello not matched to a call', { callid: hello.callid });
              return ws.close(1008, 'unexpected call');
            }
            handler = h;
            bridged.add(h);
            phase = 'bridged';
            stats.accepted++;
            stats.active++;
            for (const m of queued.splice(0)) h.onElks(m);
          },
          (err: unknown) => {
            stats.unmatched++;
            log.error('realtime onHello failed', { callid: hello.callid, err: String(err) });
            ws.close(1011, 'internal error');
          },
        );
    };

    ws.on('message', (data, isBinary) => {
      const started = opts.onFrame ? performance.now() : 0;
      const msg = isBinary ? null : parseElksFrame(data.toString());
      if (!msg) {
        stats.badFrames++;
        return;
      }
      if (phase === 'bridged') {
        try {
          handler?.onElks(msg);
        } catch (err) {
          log.error('realtime handler failed on a 46elks message', { t: msg.t, err: String(err) });
        }
        if (opts.onFrame && msg.t === 'audio') opts.onFrame('to_model', performance.now() - started);
        return;
      }
      if (phase === 'hello') {
        if (isHello(msg)) accept(msg);
        return;
      }
      if (phase === 'pending' && queued.length < MAX_QUEUED) queued.push(msg);
    });

    ws.on('close', () => {
      const wasBridged = phase === 'bridged';
      phase = 'closed';
      clearTimeout(helloTimer);
      if (wasBridged) {
        stats.active--;
        if (handler) bridged.delete(handler);
        handler?.end('elks_closed');
      }
    });
  }

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, opts.pingIntervalMs ?? 10_000);
  pinger.unref();

  server.on('upgrade', onUpgrade);
  return {
    stats,
    wss,
    close() {
      clearInterval(pinger);
      server.off('upgrade', onUpgrade);
      // Each bridged call says `bye` (46elks then POSTs `next`: the record loop, on another instance,
      // continues the conversation), then the sockets go.
      for (const h of bridged) h.end('shutdown');
      bridged.clear();
      for (const ws of wss.clients) ws.close(1001, 'shutting down');
      wss.close();
    },
  };
}

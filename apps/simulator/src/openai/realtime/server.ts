import type { IncomingMessage, Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import express, { type Express } from 'express';
import { WebSocketServer } from 'ws';
import type { OpenAiContext } from '../state';
import { RealtimeSession } from './session';
import { createRealtimeContext, type RealtimeContext, type RealtimeFaults, RealtimeFaultsBody, type RealtimeFaultsInput, type RealtimeStats, realtimeStats } from './state';

export const REALTIME_PATH = '/v1/realtime';

/** `openai.realtime` on the object startSimulators returns. */
export interface RealtimeControl {
  /** Sets fault knobs (unset keys keep their value); returns all of them. */
  setFaults(faults: RealtimeFaultsInput): RealtimeFaults;
  stats(): RealtimeStats;
}

export interface RealtimeEndpoint {
  ctx: RealtimeContext;
  control: RealtimeControl;
  /** Routes the endpoint's upgrades on this server (http or https). */
  attach(server: Server | HttpsServer): void;
  /** `app` with `GET /sim/realtime/stats` and `POST /sim/realtime/faults` in front of it. */
  withControlRoutes(app: Express): Express;
  /** Closes every socket (1001) and cancels every session timer. */
  close(): void;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' };

/** Answers an upgrade request with a plain HTTP error (OpenAI's JSON error body) and drops the socket. */
const reject = (socket: Duplex, status: number, message: string, type = 'invalid_request_error', code: string | null = null, param: string | null = null): void => {
  const body = JSON.stringify({ error: { message, type, param, code } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.once('finish', () => socket.destroy());
};

export const createRealtimeEndpoint = (openai: OpenAiContext): RealtimeEndpoint => {
  const ctx = createRealtimeContext(openai);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
  const sessions = new Set<RealtimeSession>();

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== REALTIME_PATH) return reject(socket, 404, `Invalid URL (GET ${url.pathname})`);
    if (openai.scheduler.stopped()) return reject(socket, 503, 'The server is shutting down.', 'server_error');
    if (req.headers['openai-beta'] !== undefined) {
      return reject(socket, 400, 'The Realtime beta protocol is no longer supported. Remove the OpenAI-Beta header to use the GA interface.', 'invalid_request_error', 'beta_api_shape_deprecated', 'OpenAI-Beta');
    }
    const key = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    if (!key) {
      return reject(socket, 401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
    }
    const expected = openai.opts.openaiApiKey;
    if (expected && key !== expected) return reject(socket, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    const model = url.searchParams.get('model');
    if (!model) return reject(socket, 400, "Missing required parameter: 'model'.", 'invalid_request_error', 'missing_required_parameter', 'model');
    if (ctx.faults.refuseConnect > 0) {
      ctx.faults.refuseConnect--;
      ctx.counters.refused++;
      return reject(socket, 503, 'The server is overloaded or not ready yet.', 'server_error');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (openai.scheduler.stopped()) return ws.terminate();
      const session = new RealtimeSession(ctx, ws, model);
      sessions.add(session);
      ws.on('close', () => sessions.delete(session));
      ws.on('error', () => ws.terminate());
    });
  };

  const control: RealtimeControl = {
    setFaults: (faults) => {
      Object.assign(ctx.faults, RealtimeFaultsBody.parse(faults));
      return { ...ctx.faults };
    },
    stats: () => realtimeStats(ctx),
  };

  return {
    ctx,
    control,
    attach: (server) => {
      server.on('upgrade', onUpgrade);
    },
    withControlRoutes: (app) => {
      const outer = express();
      outer.disable('x-powered-by');
      outer.set('etag', false);
      const sim = express.Router();
      sim.use(express.json());
      sim.get('/stats', (_req, res) => {
        res.json(realtimeStats(ctx));
      });
      sim.post('/faults', (req, res) => {
        const body = RealtimeFaultsBody.safeParse(req.body ?? {});
        if (!body.success) return res.status(400).json({ error: 'validation_error', issues: body.error.issues });
        Object.assign(ctx.faults, body.data);
        res.json(ctx.faults);
      });
      outer.use('/sim/realtime', sim);
      outer.use(app);
      return outer;
    },
    close: () => {
      for (const s of sessions) s.dispose();
      for (const client of wss.clients) client.terminate();
      sessions.clear();
      wss.close();
    },
  };
};

/** An HTTPS server for `app` with the realtime endpoint's upgrades (the SDK's OpenAIRealtimeWS always uses wss://). */
export const createTlsServer = (app: Express, endpoint: RealtimeEndpoint, tls: { key: string; cert: string }): HttpsServer => {
  const server = createHttpsServer({ key: tls.key, cert: tls.cert }, app);
  endpoint.attach(server);
  return server;
};

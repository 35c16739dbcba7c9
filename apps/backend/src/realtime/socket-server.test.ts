import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { SILENT_LOG } from './bridge.harness';
import {
  attachRealtimeServer,
  clientAddress,
  parseElksFrame,
  type RealtimeCallHandler,
  type RealtimeServer,
  type RealtimeServerOptions,
  secretMatches,
} from './socket-server';
import type { BridgeEndReason, ElksHello, ElksInbound } from './types';

const SECRET = 'k3y-0123456789abcdef0123456789abcdef';
const HELLO: ElksHello = { t: 'hello', callid: 'c0ffee', from: '+46700000000', to: '+46766860000' };

type Started = { rt: RealtimeServer; url: (path: string) => string; hellos: ElksHello[]; seen: ElksInbound[]; ended: BridgeEndReason[] };
const servers: http.Server[] = [];
const cleanups: Array<() => void> = [];

async function start(opts: Partial<RealtimeServerOptions> = {}): Promise<Started> {
  const server = http.createServer((_req, res) => res.end());
  servers.push(server);
  const hellos: ElksHello[] = [];
  const seen: ElksInbound[] = [];
  const ended: BridgeEndReason[] = [];
  const handler: RealtimeCallHandler = { onElks: (m) => seen.push(m), end: (r) => ended.push(r) };
  const rt = attachRealtimeServer(server, {
    secret: SECRET,
    helloTimeoutMs: 150,
    log: SILENT_LOG,
    onHello: async (hello) => {
      hellos.push(hello);
      return hello.callid === 'unknown' ? null : handler;
    },
    ...opts,
  });
  cleanups.push(() => rt.close());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { rt, url: (path) => `ws://127.0.0.1:${port}${path}`, hellos, seen, ended };
}

afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const statusOf = (ws: WebSocket) =>
  new Promise<number>((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => reject(new Error('opened')));
    ws.on('error', () => {});
  });
const closeOf = async (ws: WebSocket) => {
  ws.on('error', () => {});
  const [code] = (await once(ws, 'close')) as [number];
  return code;
};
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('realtime socket server', () => {
  it('refuses a wrong secret with 401 before the upgrade', async () => {
    const s = await start();
    expect(await statusOf(new WebSocket(s.url('/realtime/46elks/nope')))).toBe(401);
    expect(await statusOf(new WebSocket(s.url(`/realtime/46elks/${SECRET}x`)))).toBe(401);
    expect(await statusOf(new WebSocket(s.url('/realtime/46elks')))).toBe(401);
    expect(s.rt.stats.refused).toBe(3);
  });

  it('refuses an address off the allow-list, believing X-Forwarded-For only from trusted proxies', async () => {
    const s = await start({ allowedIps: ['192.0.2.7'] });
    expect(await statusOf(new WebSocket(s.url(`/realtime/46elks/${SECRET}`)))).toBe(401);
    const forged = new WebSocket(s.url(`/realtime/46elks/${SECRET}`), { headers: { 'x-forwarded-for': '192.0.2.7' } });
    expect(await statusOf(forged)).toBe(401);
    const t = await start({ allowedIps: ['192.0.2.7'], trustProxy: ['127.0.0.1'] });
    const ws = new WebSocket(t.url(`/realtime/46elks/${SECRET}`), { headers: { 'x-forwarded-for': '192.0.2.7' } });
    await once(ws, 'open');
    ws.close();
  });

  it('leaves other paths to other upgrade listeners', async () => {
    const s = await start();
    servers[0]!.on('upgrade', (req, socket) => {
      if (!req.url?.startsWith('/realtime/46elks')) socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    });
    expect(await statusOf(new WebSocket(s.url('/elsewhere')))).toBe(404);
    expect(s.rt.stats.refused).toBe(0);
  });

  it('closes a socket that sends no hello in time; frames before hello are ignored', async () => {
    const s = await start();
    const ws = new WebSocket(s.url(`/realtime/46elks/${SECRET}`));
    await once(ws, 'open');
    ws.send(JSON.stringify({ t: 'audio', data: 'AAAA' }));
    expect(await closeOf(ws)).toBe(1008);
    expect(s.rt.stats.helloTimeouts).toBe(1);
    expect(s.hellos).toEqual([]);
    expect(s.seen).toEqual([]);
  });

  it('hands the hello to onHello and the later frames to its handler; the close ends it', async () => {
    const s = await start();
    const ws = new WebSocket(s.url(`/realtime/46elks/${SECRET}`));
    await once(ws, 'open');
    ws.send(JSON.stringify({ t: 'sync' })); // before hello: ignored
    ws.send(JSON.stringify(HELLO));
    ws.send('{"t":"audio","data":"AAECAw=="}');
    ws.send(JSON.stringify({ t: 'bye', reason: 'hangup' }));
    ws.send('not json');
    await until(() => s.seen.length === 2 && s.rt.stats.badFrames === 1);
    expect(s.hellos).toEqual([HELLO]);
    expect(s.seen).toEqual([{ t: 'audio', data: 'AAECAw==' }, { t: 'bye', reason: 'hangup' }]);
    expect(s.rt.stats).toMatchObject({ accepted: 1, active: 1 });
    ws.close();
    await until(() => s.ended.length === 1);
    expect(s.ended).toEqual(['elks_closed']);
    expect(s.rt.stats.active).toBe(0);
  });

  it('closes and counts a hello that matches no call', async () => {
    const s = await start();
    const ws = new WebSocket(s.url(`/realtime/46elks/${SECRET}`));
    await once(ws, 'open');
    ws.send(JSON.stringify({ ...HELLO, callid: 'unknown' }));
    expect(await closeOf(ws)).toBe(1008);
    expect(s.rt.stats.unmatched).toBe(1);
  });

  it('closes a socket that sends a frame over maxPayload', async () => {
    const s = await start({ helloTimeoutMs: 5_000 });
    const ws = new WebSocket(s.url(`/realtime/46elks/${SECRET}`));
    await once(ws, 'open');
    ws.send(JSON.stringify(HELLO));
    ws.send(JSON.stringify({ t: 'audio', data: 'A'.repeat(64 * 1024) }));
    expect(await closeOf(ws)).toBe(1009);
    await until(() => s.ended.length === 1);
  });

  it('offers no permessage-deflate', async () => {
    const s = await start();
    const ws = new WebSocket(s.url(`/realtime/46elks/${SECRET}`), { perMessageDeflate: true });
    const [res] = (await once(ws, 'upgrade')) as [http.IncomingMessage];
    expect(res.headers['sec-websocket-extensions']).toBeUndefined();
    ws.close();
  });
});

describe('realtime socket helpers', () => {
  it('compares secrets of any length', () => {
    expect(secretMatches(SECRET, SECRET)).toBe(true);
    expect(secretMatches(`${SECRET}0`, SECRET)).toBe(false);
    expect(secretMatches('', SECRET)).toBe(false);
  });

  it('walks X-Forwarded-For from the right past trusted proxies only', () => {
    const req = (remote: string, xff?: string) =>
      ({ socket: { remoteAddress: remote }, headers: xff ? { 'x-forwarded-for': xff } : {} }) as http.IncomingMessage;
    const trusted = (a: string) => a.startsWith('10.');
    expect(clientAddress(req('198.51.100.1', '192.0.2.7'), trusted)).toBe('198.51.100.1');
    expect(clientAddress(req('10.0.0.1', '203.0.113.9, 192.0.2.7, 10.0.0.2'), trusted)).toBe('192.0.2.7');
  });

  it('slices the common audio frame and parses the rest', () => {
    expect(parseElksFrame('{"t":"audio","data":"AAEC"}')).toEqual({ t: 'audio', data: 'AAEC' });
    expect(parseElksFrame('{"data":"AAEC","t":"audio"}')).toEqual({ t: 'audio', data: 'AAEC' });
    expect(parseElksFrame('{"t":"audio","data":"A","x":"y"}')).toEqual({ t: 'audio', data: 'A', x: 'y' });
    expect(parseElksFrame('{"t":1}')).toBeNull();
    expect(parseElksFrame('[')).toBeNull();
  });
});

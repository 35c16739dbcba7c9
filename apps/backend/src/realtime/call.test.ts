import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { pcm, SILENT_LOG } from './bridge.harness';
import { connectRealtimeCall } from './call';
import { buildSessionUpdate } from './session';
import { attachRealtimeServer } from './socket-server';
import type { BridgeEndInfo } from './types';

const SECRET = 'call-test-secret-0123456789abcdef';

const listen = async (server: http.Server) => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
};
const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

it('bridges a 46elks socket to an OpenAI socket and falls back with bye when OpenAI drops', async () => {
  // a minimal OpenAI: session.created, session.updated on session.update, records the rest
  const oaiServer = http.createServer();
  const oaiWss = new WebSocketServer({ server: oaiServer });
  const oaiFrames: Array<{ type: string; audio?: string }> = [];
  let oaiPeer: WebSocket | null = null;
  oaiWss.on('connection', (peer) => {
    oaiPeer = peer;
    peer.send(JSON.stringify({ type: 'session.created', event_id: 'e0', session: {} }));
    peer.on('message', (d) => {
      const ev = JSON.parse(d.toString()) as { type: string; audio?: string };
      oaiFrames.push(ev);
      if (ev.type === 'session.update') peer.send(JSON.stringify({ type: 'session.updated', event_id: 'e1', session: {} }));
    });
  });
  const oaiPort = await listen(oaiServer);

  const app = http.createServer();
  const ends: BridgeEndInfo[] = [];
  const rt = attachRealtimeServer(app, {
    secret: SECRET,
    log: SILENT_LOG,
    onHello: (_hello, elks) =>
      connectRealtimeCall({
        elks,
        openai: { baseUrl: `http://127.0.0.1:${oaiPort}/v1`, apiKey: 'sk-test', model: 'gpt-realtime' },
        bridge: { session: buildSessionUpdate({ instructions: 'x' }), greeting: 'Hej!', closing: 'Hej då!' },
        runTool: async () => ({}),
        onUtterance: () => {},
        onUsage: () => {},
        onEnd: (info) => ends.push(info),
        log: SILENT_LOG,
      }),
  });
  const port = await listen(app);

  const elks = new WebSocket(`ws://127.0.0.1:${port}/realtime/46elks/${SECRET}`);
  const fromUs: Array<{ t: string }> = [];
  elks.on('message', (d) => fromUs.push(JSON.parse(d.toString())));
  await once(elks, 'open');
  elks.send(JSON.stringify({ t: 'hello', callid: 'abc', from: '+46700000000', to: '+46766860000' }));
  await until(() => fromUs.length === 2);
  expect(fromUs).toEqual([
    { t: 'listening', format: 'pcm_24000' },
    { t: 'sending', format: 'pcm_24000' },
  ]);
  const frames = [pcm(20), 'AAECAwQFBgc=', pcm(20)];
  for (const data of frames) elks.send(JSON.stringify({ t: 'audio', data }));
  await until(() => oaiFrames.filter((f) => f.type === 'input_audio_buffer.append').length === 3);
  expect(oaiFrames[0]?.type).toBe('session.update');
  expect(oaiFrames.filter((f) => f.type === 'input_audio_buffer.append').map((f) => f.audio)).toEqual(frames);

  const closed = once(elks, 'close');
  oaiPeer!.close();
  await closed;
  expect(fromUs.at(-1)).toEqual({ t: 'bye' });
  expect(ends).toEqual([expect.objectContaining({ reason: 'openai_closed', fallback: true, talkMs: 40 })]);

  rt.close();
  oaiWss.close();
  await Promise.all([new Promise((r) => app.close(r)), new Promise((r) => oaiServer.close(r))]);
});

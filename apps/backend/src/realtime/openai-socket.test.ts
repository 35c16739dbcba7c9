import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { SILENT_LOG } from './bridge.harness';
import { attachOpenAI, encodeClientEvent, openAISender, openOpenAISocket, realtimeUrl } from './openai-socket';
import type { BridgeEndReason } from './types';

describe('realtime openai socket', () => {
  it('builds the GA URL from OPENAI_BASE_URL', () => {
    expect(realtimeUrl(undefined, 'gpt-realtime-2.1-mini')).toBe(
      'wss://api.openai.com/v1/realtime?model=gpt-realtime-2.1-mini',
    );
    expect(realtimeUrl('http://127.0.0.1:4010/v1/', 'gpt-realtime')).toBe('ws://127.0.0.1:4010/v1/realtime?model=gpt-realtime');
    expect(realtimeUrl('https://proxy.example/openai/v1', 'm')).toBe('wss://proxy.example/openai/v1/realtime?model=m');
  });

  it('writes the caller audio as the JSON JSON.stringify would, and anything unusual through JSON.stringify', () => {
    const cases = [
      { type: 'input_audio_buffer.append', audio: 'AQIDBA==' },
      { type: 'input_audio_buffer.append', audio: '' },
      { type: 'input_audio_buffer.append', audio: 'ab"},"type":"response.create' }, // not base64: escaped, not injected
      { type: 'input_audio_buffer.append', audio: 'AQID\\n' },
      { type: 'input_audio_buffer.append', audio: 'AQIDBA==', event_id: 'e7' },
      { type: 'response.cancel' },
    ] as const;
    for (const event of cases) {
      const json = encodeClientEvent(event);
      expect(JSON.parse(json)).toEqual(event);
      expect(json).toBe(JSON.stringify(event));
    }
  });

  it('connects with Bearer auth, no OpenAI-Beta, no compression, and feeds events into the bridge', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const seen: { url?: string; headers?: http.IncomingHttpHeaders; frames: string[]; peer?: WebSocket } = { frames: [] };
    wss.on('connection', (peer, req) => {
      seen.url = req.url;
      seen.headers = req.headers;
      seen.peer = peer;
      peer.on('message', (d) => seen.frames.push(d.toString()));
      peer.send(JSON.stringify({ type: 'session.created', event_id: 'e1', session: {} }));
      peer.send('not json');
    });

    const events: string[] = [];
    const ended: BridgeEndReason[] = [];
    const ws = openOpenAISocket({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-test', model: 'gpt-realtime' }, SILENT_LOG);
    const send = openAISender(ws, SILENT_LOG);
    send({ type: 'response.create' }); // not open yet: dropped
    attachOpenAI(ws, { onOpenAI: (e) => events.push(e.type), end: (r) => ended.push(r) }, SILENT_LOG);
    await once(ws, 'open');
    send({ type: 'input_audio_buffer.append', audio: 'AAEC' });
    for (let i = 0; i < 100 && (events.length === 0 || seen.frames.length === 0); i++)
      await new Promise((r) => setTimeout(r, 5));

    expect(seen.url).toBe('/v1/realtime?model=gpt-realtime');
    expect(seen.headers?.authorization).toBe('Bearer sk-test');
    expect(seen.headers?.['openai-beta']).toBeUndefined();
    expect(seen.headers?.['sec-websocket-extensions']).toBeUndefined();
    expect(events).toEqual(['session.created']);
    expect(seen.frames).toEqual(['{"type":"input_audio_buffer.append","audio":"AAEC"}']);

    seen.peer?.close();
    await once(ws, 'close');
    expect(ended).toEqual(['openai_closed']);
    wss.close();
    await new Promise((r) => server.close(r));
  });

  it('ends the bridge when the server refuses the upgrade', async () => {
    const server = http.createServer();
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const ended: BridgeEndReason[] = [];
    const ws = openOpenAISocket({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: 'k', model: 'm' }, SILENT_LOG);
    attachOpenAI(ws, { onOpenAI: () => {}, end: (r) => ended.push(r) }, SILENT_LOG);
    await new Promise((r) => ws.on('close', r)); // events.once would reject on the 'error' before it
    expect(ended).toEqual(['openai_closed']);
    await new Promise((r) => server.close(r));
  });
});

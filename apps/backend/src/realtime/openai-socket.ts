import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import WebSocket from 'ws';
import type { Bridge } from './bridge';
import type { RealtimeLog } from './types';

/**
 * The OpenAI leg on plain `ws` (REALTIME.md §2.1): the SDK's `OpenAIRealtimeWS` forces `wss:` and, in
 * its beta flavour, sends the `OpenAI-Beta` header the GA API (and our simulator) refuse. Only the
 * SDK's types are used.
 */

export type OpenAISocketOptions = {
  /** OPENAI_BASE_URL, e.g. https://api.openai.com/v1 or http://127.0.0.1:4010/v1. */
  baseUrl?: string;
  apiKey: string;
  model: string;
  /** TLS options for a local test server (e.g. `{ ca }`). */
  tls?: Pick<WebSocket.ClientOptions, 'ca' | 'rejectUnauthorized'>;
  /** Wall time for the WebSocket handshake. Default 10 s. */
  handshakeTimeoutMs?: number;
};

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** `${base with http→ws, https→wss}/realtime?model=<model>`. */
export function realtimeUrl(baseUrl: string | undefined, model: string): string {
  const url = new URL(baseUrl ?? DEFAULT_OPENAI_BASE_URL);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/realtime`;
  url.search = '';
  url.searchParams.set('model', model);
  return url.toString();
}

/** Opens the socket; the `error` listener is attached at once (an unlistened error would crash the process). */
export function openOpenAISocket(opts: OpenAISocketOptions, log: RealtimeLog): WebSocket {
  const ws = new WebSocket(realtimeUrl(opts.baseUrl, opts.model), {
    headers: { Authorization: `Bearer ${opts.apiKey}` },
    perMessageDeflate: false,
    handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
    ...opts.tls,
  });
  // a refused upgrade arrives here too ("Unexpected server response: 401"), followed by `close`
  ws.on('error', (err) => log.warn('realtime openai socket error', { err: err.message }));
  return ws;
}

/** A `sendOpenAI` port over the socket: drops (and counts) events while the socket is not open. */
export function openAISender(ws: WebSocket, log: RealtimeLog): (event: RealtimeClientEvent) => void {
  let dropped = 0;
  return (event) => {
    if (ws.readyState !== WebSocket.OPEN) {
      if (dropped++ === 0) log.warn('realtime openai event dropped: socket not open', { type: event.type });
      return;
    }
    ws.send(encodeClientEvent(event));
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * JSON for a client event. The caller's audio (an append every 20 ms per call, the most frequent
 * message we send) is written as a template when its payload is plain base64, which needs no
 * escaping — JSON.stringify of each append was ~7 % of the API's CPU with 150 live calls; anything
 * else, and any audio that is not plain base64, goes through JSON.stringify.
 */
export function encodeClientEvent(event: RealtimeClientEvent): string {
  if (event.type === 'input_audio_buffer.append' && event.event_id === undefined && BASE64.test(event.audio)) {
    return `{"type":"input_audio_buffer.append","audio":"${event.audio}"}`;
  }
  return JSON.stringify(event);
}

/**
 * Feeds the socket's events into the bridge; the socket closing (or never opening) ends the bridge
 * with fallback. Events that are not JSON objects with a `type` are logged and skipped.
 */
export function attachOpenAI(
  ws: WebSocket,
  bridge: Pick<Bridge, 'onOpenAI' | 'end'>,
  log: RealtimeLog,
  /** Handling time of each audio delta (parse + bridge), ms: the bridge's overhead per frame toward 46elks. */
  onFrame?: (dir: 'to_caller', ms: number) => void,
): void {
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const started = onFrame ? performance.now() : 0;
    let event: RealtimeServerEvent;
    try {
      event = JSON.parse(data.toString()) as RealtimeServerEvent;
    } catch {
      log.warn('realtime openai sent a frame that is not JSON');
      return;
    }
    if (!event || typeof event.type !== 'string') return;
    try {
      bridge.onOpenAI(event);
    } catch (err) {
      log.error('realtime bridge failed on an openai event', { type: event.type, err: String(err) });
    }
    if (onFrame && event.type === 'response.output_audio.delta') onFrame('to_caller', performance.now() - started);
  });
  ws.on('close', (code) => {
    log.info('realtime openai socket closed', { code });
    bridge.end('openai_closed');
  });
}

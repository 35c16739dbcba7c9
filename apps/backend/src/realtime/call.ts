import WebSocket from 'ws';
import { type Bridge, createBridge } from './bridge';
import type { BridgeDeps, BridgeOptions } from './bridge-options';
import { attachOpenAI, type OpenAISocketOptions, openAISender, openOpenAISocket } from './openai-socket';
import type { RealtimeCallHandler } from './socket-server';
import type { ElksOutbound, RealtimeLog } from './types';

/**
 * Wiring for one accepted call: opens the OpenAI leg, builds the bridge over both sockets and returns
 * the handler `attachRealtimeServer`'s onHello hands back. When the bridge ends, both sockets close.
 */

/** 46elks buffers what we send; past this much unsent on our side something is stuck: end the leg. */
export const ELKS_MAX_BUFFERED_BYTES = 1024 * 1024;

export type RealtimeCallParams = Pick<BridgeDeps, 'runTool' | 'onUtterance' | 'onUsage' | 'onEnd' | 'timers'> & {
  /** The accepted 46elks socket (from onHello). */
  elks: WebSocket;
  openai: OpenAISocketOptions;
  bridge: BridgeOptions;
  /** A child logger with the call's ids (never the phone numbers). */
  log: RealtimeLog;
  now?: () => number;
  /** Per-frame handling time of OpenAI's audio deltas (see attachOpenAI). */
  onFrame?: (dir: 'to_caller', ms: number) => void;
};

/** A `sendElks` port: audio frames are built by concatenation (base64 needs no escaping). */
export function elksSender(ws: WebSocket, onBackpressure: () => void): (msg: ElksOutbound) => void {
  return (msg) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(msg.t === 'audio' ? `{"t":"audio","data":"${msg.data}"}` : JSON.stringify(msg));
    if (ws.bufferedAmount > ELKS_MAX_BUFFERED_BYTES) onBackpressure();
  };
}

export function connectRealtimeCall(p: RealtimeCallParams): RealtimeCallHandler {
  const { log } = p;
  const openai = openOpenAISocket(p.openai, log);
  let bridge: Bridge | null = null;
  const sendElks = elksSender(p.elks, () => bridge?.end('elks_backpressure'));
  bridge = createBridge(
    {
      sendElks,
      sendOpenAI: openAISender(openai, log),
      runTool: p.runTool,
      onUtterance: p.onUtterance,
      onUsage: p.onUsage,
      onEnd(info) {
        try {
          p.onEnd(info);
        } finally {
          if (openai.readyState === WebSocket.OPEN) openai.close(1000);
          else openai.terminate();
          // after our `bye` (already queued): 46elks POSTs `next` when the leg ends
          p.elks.close(1000);
        }
      },
      now: p.now ?? Date.now,
      timers: p.timers,
      log,
    },
    p.bridge,
  );
  attachOpenAI(openai, bridge, log, p.onFrame);
  return bridge;
}

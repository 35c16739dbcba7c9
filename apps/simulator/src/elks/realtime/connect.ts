import type { Action, ActionRef } from '../actions';
import { DEFAULT_PERSONA_OPTIONS } from '../personas/realtime';
import { CalleeHangup, type Run, simWait } from '../run';
import { runLeg } from './leg';
import { createRealtimeRecord, type WebsocketNumber } from './types';

/** Simulated seconds of busy tone the caller hears when the WebSocket cannot be opened. */
const BUSY_TONE_SEC = 3;

export interface ConnectOutcome {
  result: 'success' | 'failed';
  /** What runs next (the outcome's branch, else `next`); undefined ends the call. */
  ref: ActionRef | undefined;
}

/**
 * A `connect` to a registered WebSocket number: the call's realtime leg. Our `bye` → success; a refused
 * or broken socket → failed (after a busy tone if it never opened); the callee hanging up ends the call
 * (CalleeHangup: no `next`, the hangup webhook as usual).
 */
export const connectRealtime = async (
  run: Run,
  a: Extract<Action, { type: 'connect' }>,
  target: WebsocketNumber,
): Promise<ConnectOutcome> => {
  const { ctx, call } = run;
  const rec = createRealtimeRecord(target);
  call.realtime = rec;
  const options = { ...DEFAULT_PERSONA_OPTIONS, ...ctx.personaOptions.get(call.to) };
  ctx.log(`${call.id} connect → WebSocket ${target.websocket_url}`);
  const leg = await runLeg(run, target, rec, options);
  ctx.log(`${call.id} realtime leg ${leg.outcome}: ${leg.reason}`);
  // Dialling passes 1:1 (as our server's latency does elsewhere); the leg itself in audio time.
  run.simMs += leg.connectMs + leg.durationMs;
  if (leg.outcome === 'hangup') {
    call.actions.push({ connect: a.value, result: 'success' });
    throw new CalleeHangup(leg.reason);
  }
  if (leg.outcome === 'failed') {
    call.actions.push({ connect: a.value, result: 'failed' });
    call.warnings.push(`realtime leg failed: ${leg.reason}`);
    if (rec.hello === null) {
      rec.busyTone = true;
      await simWait(run, BUSY_TONE_SEC * 1000);
    }
    return { result: 'failed', ref: a.branches.failed ?? a.next };
  }
  call.actions.push({ connect: a.value, result: 'success' });
  return { result: 'success', ref: a.branches.success ?? a.next };
};

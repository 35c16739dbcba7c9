import type { Rng } from '../shared/prng';
import type { PersonaMind } from './personas/behaviour';
import type { CallRecord, ElksContext, RecordingRecord } from './state';

/** The callee hung up (voicemail timing out, `hangs_up`, patience cap): the call ends as answered. */
export class CalleeHangup extends Error {
  constructor(reason = 'callee hung up') {
    super(reason);
    this.name = 'CalleeHangup';
  }
}

/** The action chain broke (webhook error, malformed action, unplayable audio): the call ends `failed`. */
export class CallFailure extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CallFailure';
  }
}

/** A live call's mutable state while the simulator drives it. */
export interface Run {
  ctx: ElksContext;
  call: CallRecord;
  rng: Rng;
  mind: PersonaMind;
  /** Simulated milliseconds since the call was answered. */
  simMs: number;
  /** Simulated ms after answering when the callee hangs up by itself. */
  deadlineMs: number;
  whenhangup: string | null;
  actionCount: number;
  locals: Map<string, RecordingRecord>;
  /** Recording/hangup deliveries still running; the call is settled when they are done. */
  background: Array<Promise<unknown>>;
}

/** Longest a callee stays on the line (simulated seconds), whatever the backend does. */
export const MAX_CALL_SEC = 600;
/** Most actions one call runs before the simulator ends it as a runaway loop. */
export const MAX_ACTIONS = 500;

/** Waits a simulated duration; throws CalleeHangup (after waiting up to the deadline) if the callee hangs up first. */
export const simWait = async (run: Run, ms: number): Promise<void> => {
  if (run.simMs + ms >= run.deadlineMs) {
    await run.ctx.scheduler.sleepSim(Math.max(0, run.deadlineMs - run.simMs));
    run.simMs = run.deadlineMs;
    throw new CalleeHangup();
  }
  await run.ctx.scheduler.sleepSim(ms);
  run.simMs += ms;
};

/** Real time spent waiting on our server (webhooks, audio fetches) passes 1:1 in simulated time. */
export const addElapsed = (run: Run, realMs: number): void => {
  run.simMs += realMs;
  if (run.simMs >= run.deadlineMs) {
    run.simMs = run.deadlineMs;
    throw new CalleeHangup();
  }
};

export const baseFields = (call: CallRecord): Record<string, string> => ({
  direction: call.direction,
  from: call.from,
  to: call.to,
});

import { randomBytes } from 'node:crypto';
import { StoppedError, elksTimestamp } from '../shared/clock';
import { deriveRng } from '../shared/prng';
import { type Action, isHttpUrl, parseAction, parseActionBody } from './actions';
import { executeAction, type Step } from './execute';
import { createMind, ringPlan, selfHangupAfterSec } from './personas/behaviour';
import { CalleeHangup, CallFailure, MAX_ACTIONS, MAX_CALL_SEC, type Run, addElapsed, baseFields } from './run';
import type { CallRecord, CallState, ElksContext } from './state';
import { deliver, postForm } from './webhooks';

/** 46elks call price used for `cost`: 0.60 SEK/min billed per second = 100 (1/10 000 SEK) per second. */
const COST_PER_SECOND = 100;

export interface NewCall {
  from: string;
  to: string;
  voiceStart: string;
  whenhangup: string | null;
  timeout: number;
}

export const newCallId = (): string => `c${randomBytes(16).toString('hex')}`;

/** Registers a call and starts driving it in the background (the POST /a1/calls reply is not delayed). */
export const startCall = (ctx: ElksContext, input: NewCall, state: CallState = 'ongoing'): CallRecord => {
  const call: CallRecord = {
    id: newCallId(),
    direction: 'outgoing',
    from: input.from,
    to: input.to,
    created: elksTimestamp(),
    timeout: input.timeout,
    voiceStart: input.voiceStart,
    whenhangup: input.whenhangup,
    persona: ctx.personas.get(input.to) ?? 'engaged',
    state,
    answered: false,
    actions: [],
    played: [],
    said: [],
    recordings: [],
    webhooks: [],
    warnings: [],
    hangupDeliveries: 0,
    settled: false,
  };
  const index = ctx.callCount++;
  ctx.calls.set(call.id, call);
  const rng = deriveRng(ctx.opts.seed, `call:${index}`);
  const run: Run = {
    ctx,
    call,
    rng,
    mind: createMind(call.persona, rng),
    simMs: 0,
    deadlineMs: MAX_CALL_SEC * 1000,
    whenhangup: input.whenhangup,
    actionCount: 0,
    locals: new Map(),
    background: [],
  };
  ctx.log(`${call.id} → ${call.to} (${call.persona})`);
  if (state === 'failed') void settle(run, 'failed', 'could not be started');
  else void drive(run);
  return call;
};

/** Fetches (URL) or parses (inline) the action a step refers to; null = no action, the call ends. */
const resolveStep = async (run: Run, step: Step): Promise<Action | null> => {
  if (typeof step.ref !== 'string') {
    const parsed = parseAction(step.ref);
    if ('error' in parsed) throw new CallFailure(`malformed inline action: ${parsed.error}`);
    return parsed.action;
  }
  if (!isHttpUrl(step.ref)) throw new CallFailure(`${step.kind} is not an http(s) URL: ${step.ref}`);
  const res = await postForm(run.ctx, run.call, step.kind, step.ref, step.fields);
  step.afterResponse?.();
  addElapsed(run, res.latencyMs);
  if (!res.ok) throw new CallFailure(`${step.kind} webhook answered ${res.status ?? res.error}: the call ends`);
  const parsed = parseActionBody(res.body);
  if ('error' in parsed) throw new CallFailure(`malformed action from ${step.kind}: ${parsed.error}`);
  if (parsed.action === null) run.call.warnings.push(`${step.kind} answered an empty body: the call ends`);
  return parsed.action;
};

/** The first step: the voice_start URL is POSTed on answer; an inline JSON action runs directly. */
const firstStep = (call: CallRecord): Step => {
  const trimmed = call.voiceStart.trim();
  if (trimmed.startsWith('{')) return { ref: JSON.parse(trimmed) as Record<string, unknown>, kind: 'voice_start', fields: {} };
  return {
    ref: call.voiceStart,
    kind: 'voice_start',
    fields: { callid: call.id, ...baseFields(call), result: 'newoutgoing', created: call.created },
  };
};

const drive = async (run: Run): Promise<void> => {
  const { ctx, call, rng } = run;
  try {
    const plan = ringPlan(call.persona, rng);
    if (plan.kind === 'no_answer' || (plan.kind === 'answer' && plan.ringSec >= call.timeout)) {
      await ctx.scheduler.sleepSim(call.timeout * 1000);
      return settle(run, 'failed', 'no answer');
    }
    await ctx.scheduler.sleepSim(plan.ringSec * 1000);
    if (plan.kind === 'busy') return settle(run, 'busy', 'busy');
    call.answered = true;
    call.start = elksTimestamp();
    const selfHangup = selfHangupAfterSec(call.persona, rng);
    run.deadlineMs = Math.min(MAX_CALL_SEC, selfHangup ?? MAX_CALL_SEC) * 1000;
    ctx.log(`${call.id} answered`);
    let step: Step | null = firstStep(call);
    while (step) {
      if (++run.actionCount > MAX_ACTIONS) throw new CallFailure(`more than ${MAX_ACTIONS} actions: ended as a runaway loop`);
      const action = await resolveStep(run, step);
      step = action ? await executeAction(run, action) : null;
    }
    return settle(run, 'success', 'action chain ended');
  } catch (err) {
    if (err instanceof StoppedError) return;
    if (err instanceof CalleeHangup) return settle(run, 'success', err.message);
    if (err instanceof CallFailure) {
      call.warnings.push(err.message);
      return settle(run, 'failed', err.message);
    }
    call.warnings.push(`simulator error: ${(err as Error).stack ?? err}`);
    return settle(run, 'failed', 'simulator error');
  }
};

/** Ends the call, sends the hangup webhook (maybe twice), waits for every delivery, then notifies waiters. */
const settle = async (run: Run, state: CallState, reason: string): Promise<void> => {
  const { ctx, call, rng } = run;
  call.state = state;
  call.endReason = reason;
  call.ended = elksTimestamp();
  if (call.answered) {
    call.duration = Math.round(run.simMs / 1000);
    call.cost = call.duration * COST_PER_SECOND;
    ctx.account.balance -= call.cost;
  }
  ctx.log(`${call.id} ended ${state} (${reason})${call.answered ? ` after ${call.duration} s` : ''}`);
  try {
    if (run.whenhangup) {
      const url = run.whenhangup;
      const fields: Record<string, string> = { id: call.id, ...baseFields(call), created: call.created, state };
      if (call.answered && call.start) {
        fields.start = call.start;
        fields.duration = String(call.duration ?? 0);
        fields.cost = String(call.cost ?? 0);
        fields.actions = JSON.stringify(call.actions);
      }
      const first = deliver(ctx, call, 'hangup', url, fields).done;
      const deliveries: Array<Promise<unknown>> = [
        first.then((ok) => {
          if (ok) call.hangupDeliveries++;
        }),
      ];
      if (rng.chance(ctx.opts.duplicateHangupRate)) {
        deliveries.push(
          (async () => {
            await first;
            await ctx.scheduler.sleepSim(rng.between(200, 1500));
            const ok = await deliver(ctx, call, 'hangup', url, fields).done;
            if (ok) call.hangupDeliveries++;
          })(),
        );
      }
      run.background.push(...deliveries);
    }
    await Promise.allSettled(run.background);
  } catch (err) {
    if (!(err instanceof StoppedError)) throw err;
  }
  if (ctx.scheduler.stopped()) return;
  call.settled = true;
  for (const listener of ctx.settleListeners) listener(call);
};

import { elksTimestamp } from '../shared/clock';
import type { Action, ActionRef } from './actions';
import { hangsUpAfterPrompt, hear, speak } from './personas/behaviour';
import { loadPlayAudio } from './play';
import { connectRealtime } from './realtime/connect';
import { deliverRecording, makeRecording } from './recording';
import { CalleeHangup, CallFailure, type Run, addElapsed, baseFields, simWait } from './run';

/** What runs after an action: an action reference plus the fields to POST if it is a URL. */
export interface Step {
  ref: ActionRef;
  kind: 'voice_start' | 'next';
  fields: Record<string, string>;
  /** Called once the step's webhook has been answered (used to send a recording after `next`). */
  afterResponse?: () => void;
}

const nextStep = (run: Run, ref: ActionRef | undefined, result: Record<string, string>): Step | null =>
  ref === undefined ? null : { ref, kind: 'next', fields: { callid: run.call.id, ...result, ...baseFields(run.call) } };

/** Plays a prompt (fetching it), lets the persona hear it; false if the audio could not be played. */
const playPrompt = async (run: Run, value: string): Promise<boolean> => {
  const { ctx, call } = run;
  if (ctx.faults.playFailures > 0) {
    ctx.faults.playFailures--;
    const error = `play failed (injected fault): ${value}`;
    call.played.push({ url: value, at: elksTimestamp(), ok: false, durationSec: 0, heard: null, error });
    call.warnings.push(error);
    return false;
  }
  const res = await loadPlayAudio(ctx, value, run.locals);
  const at = elksTimestamp();
  addElapsed(run, res.latencyMs);
  if (!res.ok) {
    call.played.push({ url: value, at, ok: false, durationSec: 0, heard: null, error: res.error });
    call.warnings.push(res.error);
    return false;
  }
  const { info } = res;
  call.played.push({ url: value, at, ok: true, format: info.format, durationSec: round(info.durationSec), heard: info.text, cached: res.cached });
  hear(run.mind, info.text);
  await simWait(run, info.durationSec * 1000);
  return true;
};

const round = (n: number): number => Math.round(n * 1000) / 1000;

/** Runs `fn`, recording the action in 46elks' `actions` list with its result (failed if interrupted). */
const tracked = async <T>(run: Run, entry: Record<string, unknown>, fn: () => Promise<{ result: string; value: T }>): Promise<T> => {
  try {
    const { result, value } = await fn();
    run.call.actions.push({ ...entry, result });
    return value;
  } catch (err) {
    if (err instanceof CalleeHangup || err instanceof CallFailure) run.call.actions.push({ ...entry, result: 'failed' });
    throw err;
  }
};

const executePlay = async (run: Run, a: Extract<Action, { type: 'play' }>): Promise<Step | null> => {
  const step = await tracked(run, { play: a.value }, async () => {
    const ok = await playPrompt(run, a.value);
    if (!ok && run.ctx.opts.playFailure === 'end_call') throw new CallFailure(`play failed: ${a.value}`);
    const result = ok ? 'success' : 'failed';
    return { result, value: nextStep(run, a.next, { result }) };
  });
  // `hangs_up` listens to the whole question, then hangs up before answering.
  if (hangsUpAfterPrompt(run.mind)) throw new CalleeHangup('callee hung up after hearing the question');
  return step;
};

/** The persona speaks; the recording ends 3 s after speech (silence detection) or at the time limit. */
const executeRecord = async (run: Run, a: Extract<Action, { type: 'record' }>): Promise<Step | null> => {
  const { call, rng } = run;
  if (run.ctx.faults.recordFailures > 0) {
    // 46elks could not record (injected): nothing is recorded, `next` is told result=failed.
    run.ctx.faults.recordFailures--;
    call.warnings.push(`record failed (injected fault): ${a.value}`);
    call.actions.push({ record: a.value, result: 'failed' });
    return nextStep(run, a.next, { result: 'failed' });
  }
  const speech = speak(run.mind, rng);
  const words = speech.text ? speech.text.split(/\s+/) : [];
  const rate = 2.3 * rng.between(0.9, 1.1); // words per second
  const reaction = words.length ? rng.between(0.3, 1.0) : 0;
  const spokenWithin = (sec: number): string => words.slice(0, Math.max(0, Math.floor((sec - reaction) * rate))).join(' ');
  let text = speech.text;
  let speechSec = words.length / rate;
  let total = words.length === 0 ? (a.silencedetection ? 3 + rng.between(0, 0.4) : a.timelimit) : a.silencedetection ? reaction + speechSec + 3 : a.timelimit;
  if (total > a.timelimit) {
    total = a.timelimit;
    if (reaction + speechSec > total) {
      text = spokenWithin(total);
      speechSec = text ? text.split(/\s+/).length / rate : 0;
    }
  }
  const startMs = run.simMs;
  const said = { text, lang: speech.lang, atSec: round(startMs / 1000 + reaction), speechSec: round(speechSec), recordingId: null as string | null };
  if (text) call.said.push(said);
  try {
    await simWait(run, total * 1000);
  } catch (err) {
    if (!(err instanceof CalleeHangup)) throw err;
    // Hung up mid-recording: what was recorded so far is still delivered.
    const recordedSec = (run.simMs - startMs) / 1000;
    const partial = spokenWithin(recordedSec);
    said.text = partial;
    if (recordedSec >= 1 && a.value !== '' && !a.value.startsWith('local/')) {
      const rec = makeRecording(run, a.value, partial, recordedSec, reaction, speechSec);
      said.recordingId = rec.id;
      run.background.push(deliverRecording(run, rec).done);
    }
    call.actions.push({ record: a.value, result: 'failed' });
    throw err;
  }
  const rec = makeRecording(run, a.value, text, total, reaction, speechSec);
  said.recordingId = rec.id;
  call.actions.push({ record: a.value, result: 'success' });
  const step = nextStep(run, a.next, { result: 'success' });
  if (a.value.startsWith('local/')) {
    run.locals.set(a.value.slice('local/'.length), rec);
    return step;
  }
  const order = run.ctx.opts.recordingOrder === 'random' ? (rng.chance(0.5) ? 'before_next' : 'after_next') : run.ctx.opts.recordingOrder;
  const gapMs = rng.chance(0.3) ? rng.between(50, 400) : 0;
  if (order === 'before_next' || step === null || typeof step.ref !== 'string') {
    const delivery = deliverRecording(run, rec);
    run.background.push(delivery.done);
    if (order === 'before_next') await delivery.first;
    if (gapMs) await run.ctx.scheduler.sleepSim(gapMs);
    return step;
  }
  // after_next: 46elks POSTs `next` first; the recording webhook follows once our server has answered.
  const afterResponse = (): void => {
    const later = (async () => {
      await run.ctx.scheduler.sleepSim(gapMs);
      return deliverRecording(run, rec).done;
    })();
    run.background.push(later.catch(() => false));
  };
  return { ...step, afterResponse };
};

const executeIvr = (run: Run, a: Extract<Action, { type: 'ivr' }>): Promise<Step | null> =>
  tracked(run, { ivr: a.value }, async () => {
    for (let i = 0; i < a.repeat; i++) {
      const ok = await playPrompt(run, a.value);
      if (!ok && run.ctx.opts.playFailure === 'end_call') throw new CallFailure(`ivr prompt failed: ${a.value}`);
      await simWait(run, a.timeout * 1000); // personas never press a key
    }
    return { result: 'failed', value: nextStep(run, a.next, { result: 'failed', why: 'noinput' }) };
  });

const executeConnect = async (run: Run, a: Extract<Action, { type: 'connect' }>): Promise<Step | null> => {
  const websocket = run.ctx.websocketNumbers.get(a.value);
  if (websocket) {
    // 46elks Realtime Voice: the leg's `next` carries `created` too (the contract's field list).
    const { result, ref } = await connectRealtime(run, a, websocket);
    const { call } = run;
    return ref === undefined ? null : { ref, kind: 'next', fields: { callid: call.id, ...baseFields(call), created: call.created, result } };
  }
  return tracked(run, { connect: a.value }, async () => {
    run.call.warnings.push(`connect to ${a.value} is not simulated: reported as failed`);
    await simWait(run, Math.min(a.timeout, 5) * 1000);
    if (a.branches.failed !== undefined) {
      return { result: 'failed', value: nextStep(run, a.branches.failed, { result: 'failed' }) };
    }
    return { result: 'failed', value: nextStep(run, a.next, { result: 'failed' }) };
  });
};

/** Runs one action; returns what runs next (null ends the call normally). */
export const executeAction = async (run: Run, action: Action): Promise<Step | null> => {
  if (action.whenhangup) run.whenhangup = action.whenhangup; // last value wins
  switch (action.type) {
    case 'play':
      return executePlay(run, action);
    case 'record':
      return executeRecord(run, action);
    case 'ivr':
      return executeIvr(run, action);
    case 'connect':
      return executeConnect(run, action);
    case 'hangup':
      if (action.ignoredNext) run.call.warnings.push('`next` is not allowed on hangup: ignored');
      run.call.actions.push({ hangup: action.value });
      return null;
  }
};

import type { Deps } from '../deps';
import { readCallState, setFields } from '../conversation/state';
import { detectLanguage } from '../conversation/understanding';
import type { JobData } from '../jobs/queues';
import { checkSpeech } from '../speech/audio';
import { transcribe } from '../speech/stt';
import { tryFinalize } from './finalize';

/**
 * The `stt` job of one recorded answer: download the WAV from 46elks, transcribe it, put the text in
 * the call's live state and finalise the call if this was the last thing it waited for. Idempotent
 * per recording.
 *
 * The audio is held in memory only, never stored. 46elks offers no way to delete a recording (its
 * API lists GET for recordings and nothing else; "You have 72 hours to fetch any recordings you
 * make"), so the README says what stays there. A recording too short or too quiet to hold speech is
 * not transcribed — transcription models invent text on silence — and counts as silence.
 */
export async function processRecording(ctx: Deps, job: JobData<'stt'>): Promise<'transcribed' | 'silence' | 'discarded' | 'duplicate'> {
  const snap = await readCallState(ctx, job.sessionId, job.attemptNo);
  // The call was already settled or erased: nothing of this recording is fetched.
  if (!snap) return 'discarded';
  if (snap.transcripts.has(job.turn)) {
    await tryFinalize(ctx, job.sessionId, job.attemptNo);
    return 'duplicate';
  }
  const callId = job.callid ?? snap.callId;
  if (!callId) throw new Error('recording of a call whose 46elks id is unknown: not fetched');
  const wav = await ctx.elks.downloadRecording(job.wav, callId);
  const check = checkSpeech(wav);
  let outcome: 'transcribed' | 'silence';
  if (check.speech === false) {
    ctx.metrics.sttSkipped.inc({ reason: check.reason });
    ctx.log.debug('recording holds no speech: not transcribed', { callId: job.sessionId, turn: job.turn, ...check });
    const transcript = { text: '', language: 'unknown', sttMs: 0, skipped: check.reason };
    await setFields(ctx, job.sessionId, job.attemptNo, { [`txt:${job.turn}`]: JSON.stringify(transcript) });
    outcome = 'silence';
  } else {
    const { text, ms } = await transcribe(ctx, wav, `${job.sessionId}-${job.attemptNo}-${job.turn}.wav`);
    const transcript = { text, language: detectLanguage(text), sttMs: ms };
    await setFields(ctx, job.sessionId, job.attemptNo, { [`txt:${job.turn}`]: JSON.stringify(transcript) });
    outcome = 'transcribed';
  }
  await tryFinalize(ctx, job.sessionId, job.attemptNo);
  return outcome;
}

import type { Deps } from '../deps';
import { readCallState, setFields } from '../conversation/state';
import { detectLanguage } from '../conversation/understanding';
import type { JobData } from '../jobs/queues';
import { transcribe } from '../speech/stt';
import { tryFinalize } from './finalize';

/**
 * The `stt` job of one recorded answer: download the WAV from 46elks, transcribe it, put the text
 * in the call's live state, delete the recording at 46elks (audio is not kept once transcribed),
 * and finalise the call if this was the last thing it waited for. Idempotent per recording.
 */
export async function processRecording(ctx: Deps, job: JobData<'stt'>): Promise<'transcribed' | 'discarded' | 'duplicate'> {
  const snap = await readCallState(ctx, job.sessionId, job.attemptNo);
  if (!snap) {
    // The call was already settled or erased: keep nothing of this recording.
    await ctx.elks.deleteRecording(job.wav);
    return 'discarded';
  }
  if (!snap.transcripts.has(job.turn)) {
    const wav = await ctx.elks.downloadRecording(job.wav);
    const { text, ms } = await transcribe(ctx, wav, `${job.sessionId}-${job.attemptNo}-${job.turn}.wav`);
    const transcript = { text, language: detectLanguage(text), sttMs: ms };
    await setFields(ctx, job.sessionId, job.attemptNo, { [`txt:${job.turn}`]: JSON.stringify(transcript) });
  }
  await ctx.elks.deleteRecording(job.wav);
  await tryFinalize(ctx, job.sessionId, job.attemptNo);
  return snap.transcripts.has(job.turn) ? 'duplicate' : 'transcribed';
}

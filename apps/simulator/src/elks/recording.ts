import { elksTimestamp } from '../shared/clock';
import { hashString } from '../shared/prng';
import { type Run, baseFields } from './run';
import type { RecordingRecord } from './state';
import { type Delivery, deliver } from './webhooks';

/** Stores a recording's metadata; its WAV bytes are rendered on download (8 kHz PCM16 mono). */
export const makeRecording = (
  run: Run,
  target: string,
  text: string,
  exactSec: number,
  reactionSec: number,
  speechSec: number,
): RecordingRecord => {
  const { ctx, call } = run;
  const id = `${call.id}-r${call.recordings.length}`;
  const rec: RecordingRecord = {
    id,
    callId: call.id,
    target,
    // As 46elks' webhook documentation shows it (capital R; the API paths are case-insensitive).
    wav: `${ctx.baseUrl}/Recordings/${id}.wav`,
    text,
    duration: Math.max(1, Math.round(exactSec)),
    exactSec,
    speech: text ? { startSec: reactionSec, endSec: Math.min(exactSec, reactionSec + speechSec) } : null,
    created: elksTimestamp(),
    downloads: 0,
    delivered: false,
  };
  call.recordings.push(id);
  ctx.recordings.set(id, rec);
  return rec;
};

export const recordingSeed = (rec: RecordingRecord): number => hashString(rec.id);

/** POSTs the recording webhook (callid, created, duration, wav, from, to, direction), with retries. */
export const deliverRecording = (run: Run, rec: RecordingRecord): Delivery => {
  const fields = {
    callid: rec.callId,
    created: rec.created,
    duration: String(rec.duration),
    wav: rec.wav,
    ...baseFields(run.call),
  };
  const delivery = deliver(run.ctx, run.call, 'recording', rec.target, fields);
  delivery.done.then(
    (ok) => {
      rec.delivered = ok;
    },
    () => {},
  );
  return delivery;
};

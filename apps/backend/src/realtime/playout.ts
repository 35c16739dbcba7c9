import type { BridgeDeps } from './bridge-options';
import type { TranscriptTracker } from './transcript';
import { base64Bytes, BYTES_PER_MS, ELKS_FORMAT } from './types';

/**
 * The AI side of one bridge: OpenAI responses (one active at a time) and their audio on its way to
 * 46elks, on the bridge's audio clock (REALTIME.md §3.1 step 4, §3.3).
 *
 * - `playEndMs`: where our audio ends on the caller's clock; 46elks plays what we send in order at real
 *   time, so a line starting now starts at max(inMs, playEndMs).
 * - A cut (barge-in or forced closing) sends 46elks `interrupt`, OpenAI `response.cancel` (if that
 *   response is still running) and `conversation.item.truncate` with what was heard, and drops the
 *   response's late deltas. 46elks ignores all audio after `interrupt` until a new `sending`, so
 *   `sending` is re-armed before the next audio.
 */
export type Clock = { inMs: number };
type Current = { itemId: string; responseId: string; playStartMs: number; sentMs: number };

export type Playout = ReturnType<typeof createPlayout>;

export function createPlayout(
  deps: Pick<BridgeDeps, 'sendElks' | 'sendOpenAI' | 'log'>,
  transcript: TranscriptTracker,
  clock: Clock,
) {
  let playEndMs = 0;
  let sendingArmed = true;
  let current: Current | null = null;
  const interrupted = new Set<string>();
  /** Between our response.create (or a response.created) and its response.done. */
  let active: { id: string | null } | null = null;
  let wanted: { instructions: string | undefined } | null = null;
  let muted = false;

  function requestResponse(instructions?: string) {
    if (active) {
      // OpenAI refuses a second active response; a forced line is never replaced by a plain one
      if (!wanted?.instructions) wanted = { instructions };
      return;
    }
    active = { id: null };
    deps.sendOpenAI(instructions ? { type: 'response.create', response: { instructions } } : { type: 'response.create' });
  }

  return {
    requestResponse,
    /** AI audio not yet played by the caller's clock. */
    isPlaying: () => playEndMs > clock.inMs,
    /** A line is being played or still generated (something a barge-in can cut). */
    canCut: () => current !== null && (playEndMs > clock.inMs || active?.id === current.responseId),
    /** No response running or queued. */
    isIdle: () => active === null && wanted === null,
    isActive: () => active !== null,
    /** The running response is one we cut and is only winding down. */
    isActiveCut: () => active?.id != null && interrupted.has(active.id),
    /** Queue a plain response.create for when the running one is done. */
    wantAfterActive: () => {
      wanted ??= { instructions: undefined };
    },
    /** Stop forwarding AI audio (after our `bye`). */
    mute: () => {
      muted = true;
    },

    /** Cuts the line being played; returns the heard ms, or null if nothing was playing. */
    cut(why: string): number | null {
      const cur = current;
      if (!cur) return null;
      deps.sendElks({ t: 'interrupt' });
      sendingArmed = false;
      if (active && (active.id === null || active.id === cur.responseId)) deps.sendOpenAI({ type: 'response.cancel' });
      const heard = Math.round(Math.max(0, Math.min(clock.inMs - cur.playStartMs, cur.sentMs)));
      deps.sendOpenAI({ type: 'conversation.item.truncate', item_id: cur.itemId, content_index: 0, audio_end_ms: heard });
      interrupted.add(cur.responseId);
      transcript.aiTruncated(cur.itemId, heard);
      playEndMs = clock.inMs;
      current = null;
      deps.log.info('realtime ai cut', { why, heardMs: heard, atMs: Math.round(clock.inMs) });
      return heard;
    },

    /** Cancels a running response that has no audio playing (its late deltas are dropped). */
    cancelActive() {
      if (!active) return;
      deps.sendOpenAI({ type: 'response.cancel' });
      if (active.id) interrupted.add(active.id);
    },

    /** Replaces whatever is queued with this line (the forced closing). */
    replaceWanted(instructions: string) {
      wanted = null;
      requestResponse(instructions);
    },

    onDelta(responseId: string, itemId: string, delta: string) {
      if (muted || interrupted.has(responseId)) return;
      if (!sendingArmed) {
        deps.sendElks({ t: 'sending', format: ELKS_FORMAT });
        sendingArmed = true;
      }
      const from = Math.max(clock.inMs, playEndMs);
      let cur = current;
      if (cur?.itemId !== itemId) {
        cur = { itemId, responseId, playStartMs: from, sentMs: 0 };
        current = cur;
        transcript.aiStarted(itemId, responseId, from);
      }
      const ms = base64Bytes(delta) / BYTES_PER_MS;
      playEndMs = from + ms;
      cur.sentMs += ms;
      transcript.aiAudio(itemId, playEndMs, cur.sentMs);
      deps.sendElks({ t: 'audio', data: delta });
    },

    onCreated(responseId: string | undefined) {
      active ??= { id: null };
      if (active.id === null) active.id = responseId ?? null;
    },

    /** The running response is done; the queued one (if any, and if `sendNext`) goes out. */
    onDone(sendNext: boolean) {
      active = null;
      const next = wanted;
      wanted = null;
      if (next && sendNext) requestResponse(next.instructions);
    },
  };
}

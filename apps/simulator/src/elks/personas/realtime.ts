import type { Rng } from '../../shared/prng';
import type { PersonaMind, Speech } from './behaviour';
import { speak } from './behaviour';
import { ENGAGED } from './lines-engaged';
import type { PersonaName } from './types';

/**
 * How a persona times its speech on a realtime (WebSocket) call, where nobody tells it when to talk:
 * it answers after our utterance ends, after a persona-specific pause (all durations in audio seconds).
 */

/** Per-call options of a persona (set with the persona: POST /sim/personas). */
export interface PersonaOptions {
  /** Says short "mm"/"ja"/"okej" while we speak (never as an answer, never a turn). */
  backchannels: boolean;
}

export const DEFAULT_PERSONA_OPTIONS: PersonaOptions = { backchannels: false };

export const BACKCHANNEL_WORDS = ['mm', 'ja', 'okej', 'mm, ja'] as const;

/** Silence after our last voiced sample before the persona takes the utterance as finished. */
export const UTTERANCE_GAP_SEC = 0.45;

/** Dead air (neither side speaking) after which the callee gives up and hangs up. */
export const DEAD_AIR_SEC = 20;

/** After our closing (and its own goodbye, if any), the callee hangs up this long after the line goes quiet. */
export const CLOSING_HANGUP_SEC = 2.5;

/** Pause between the end of our voiced audio and the persona's first word. */
export const answerDelaySec = (persona: PersonaName, rng: Rng): number =>
  persona === 'slow_thinker' ? rng.between(3, 4) : rng.between(0.5, 1.0);

/** `interrupter`: starts answering this long into each utterance of ours (while it still plays); null for others. */
export const interruptAfterSec = (persona: PersonaName, rng: Rng): number | null =>
  persona === 'interrupter' ? rng.between(0.8, 1.2) : null;

/** Who says "mm" when asked to (a mailbox or a mute callee does not). */
export const backchannels = (persona: PersonaName): boolean => persona !== 'silent' && persona !== 'voicemail';

/** Seconds of our speech between two back-channels. */
export const backchannelIntervalSec = (rng: Rng): number => rng.between(1.8, 3.2);

const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/**
 * The persona's answer on a realtime call: the record loop's line (`speak`), and for `interrupter` a long
 * one — a short line (the consent) runs on into one of the generic `engaged` lines.
 */
export const speakRealtime = (mind: PersonaMind, rng: Rng): Speech => {
  const speech = speak(mind, rng);
  if (mind.persona !== 'interrupter' || !speech.text || wordCount(speech.text) >= 20) return speech;
  const more = ENGAGED.generic?.general ?? [];
  return more.length ? { text: `${speech.text} ${rng.pick(more)}`, lang: speech.lang } : speech;
};

/** A voicemail greeting starts as soon as the line opens; everyone else waits to be spoken to. */
export const speaksFirst = (persona: PersonaName): boolean => persona === 'voicemail';

import { decodeVoiceMemo as decodeVoice, encodeVoiceMemo as encodeVoice, voiceDurationSec } from '../../audio/voice';
import { hangsUpAfterPrompt, hear } from '../personas/behaviour';
import { classifyPrompt } from '../personas/hearing';
import {
  answerDelaySec,
  BACKCHANNEL_WORDS,
  backchannels,
  backchannelIntervalSec,
  CLOSING_HANGUP_SEC,
  DEAD_AIR_SEC,
  interruptAfterSec,
  type PersonaOptions,
  speakRealtime,
  speaksFirst,
  UTTERANCE_GAP_SEC,
} from '../personas/realtime';
import type { Run } from '../run';
import { firstVoiced, lastVoiced } from './playout';
import type { PersonaTurn, RealtimeRecord } from './types';

/** Our utterance being heard: played audio from its first voiced sample until a silence gap. */
interface Utterance {
  startMs: number;
  lastVoicedMs: number;
  rate: number;
  chunks: Int16Array[];
  interruptAt: number | null;
  nextBackchannelAt: number;
  /** The persona already answered into it (interrupter). */
  answered: boolean;
}

/** The persona's own speech being sent. */
interface Speaking {
  kind: 'answer' | 'backchannel';
  text: string;
  samples: Int16Array;
  rate: number;
  pos: number;
  startMs: number;
  firstVoicedMs: number | null;
  lastVoicedMs: number;
  overlapped: boolean;
}

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;
const round = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * The callee on a realtime leg, stepped once per audio frame: hears the frame of our audio that was
 * played, decides when to talk, and returns its own frame of caller audio (FSK speech or silence).
 * All times are audio ms since the socket opened.
 */
export class RealtimeCallee {
  hangupReason: string | null = null;
  private utter: Utterance | null = null;
  private speech: Speaking | null = null;
  private answerAt: number | null = null;
  private hangupAt: number | null = null;
  private closingHeard = false;
  private awaitingReply: PersonaTurn | null = null;
  private quietMs = 0;
  private greeted = false;

  constructor(
    private readonly run: Run,
    private readonly rec: RealtimeRecord,
    private readonly options: PersonaOptions,
    private readonly frameMs: number,
  ) {}

  /** One frame: `played` is our audio as played (at `playRate`); returns the caller's frame at `callerRate`. */
  step(t: number, played: Int16Array, playRate: number, callerRate: number): Int16Array {
    const fi = firstVoiced(played);
    const ourVoice = fi >= 0;
    if (ourVoice) this.hearVoice(t, played, fi, playRate);
    else if (this.utter) {
      this.utter.chunks.push(played);
      if (t + this.frameMs - this.utter.lastVoicedMs >= UTTERANCE_GAP_SEC * 1000) this.endUtterance(false);
    }
    this.decide(t, callerRate);
    const out = this.speak(t, callerRate);
    const personaVoice = firstVoiced(out) >= 0;
    if (personaVoice && ourVoice) this.rec.talkOverMs += this.frameMs;
    this.quietMs = ourVoice || personaVoice || this.speech || this.answerAt !== null || this.utter ? 0 : this.quietMs + this.frameMs;
    this.checkHangup(t);
    return out;
  }

  /** Our `interrupt`: what was playing stops here. */
  interrupted(): void {
    if (this.utter) this.endUtterance(true);
  }

  private hearVoice(t: number, played: Int16Array, fi: number, rate: number): void {
    const firstMs = t + (fi * 1000) / rate;
    if (this.rec.helloToFirstAudioMs === null) this.rec.helloToFirstAudioMs = round(firstMs);
    if (this.awaitingReply) {
      this.awaitingReply.voiceToVoiceMs = round(firstMs - this.awaitingReply.endMs);
      this.rec.voiceToVoiceMs.push(this.awaitingReply.voiceToVoiceMs);
      this.awaitingReply = null;
    }
    if (!this.utter) {
      // We speak again before the persona answered: it waits for the end of this utterance too.
      this.answerAt = null;
      const interruptAfter = this.speech ? null : interruptAfterSec(this.run.mind.persona, this.run.rng);
      this.utter = {
        startMs: firstMs,
        lastVoicedMs: firstMs,
        rate,
        chunks: [],
        interruptAt: interruptAfter === null ? null : firstMs + interruptAfter * 1000,
        nextBackchannelAt: firstMs + backchannelIntervalSec(this.run.rng) * 1000,
        answered: false,
      };
    }
    this.utter.chunks.push(played);
    this.utter.lastVoicedMs = t + ((lastVoiced(played) + 1) * 1000) / rate;
  }

  private endUtterance(interrupted: boolean): void {
    const u = this.utter;
    if (!u) return;
    this.utter = null;
    const total = u.chunks.reduce((n, c) => n + c.length, 0);
    const samples = new Int16Array(total);
    let at = 0;
    for (const c of u.chunks) {
      samples.set(c, at);
      at += c.length;
    }
    const text = decodeVoice(samples, u.rate);
    this.rec.heard.push({ text, startMs: round(u.startMs), endMs: round(u.lastVoicedMs), interrupted });
    const mind = this.run.mind;
    hear(mind, text);
    if (interrupted || u.answered) return;
    if (hangsUpAfterPrompt(mind)) {
      this.hangupAt = u.lastVoicedMs;
      return;
    }
    const pending = mind.pending.join(' ');
    const kind = pending ? classifyPrompt(pending).kind : u.lastVoicedMs - u.startMs >= 1000 ? 'question' : 'statement';
    if (kind === 'statement') return;
    if (kind === 'closing') this.closingHeard = true;
    this.answerAt = u.lastVoicedMs + answerDelaySec(mind.persona, this.run.rng) * 1000;
  }

  private decide(t: number, rate: number): void {
    if (this.speech) return;
    const u = this.utter;
    if (u) {
      if (u.interruptAt !== null && !u.answered && t >= u.interruptAt) {
        u.answered = true;
        this.startAnswer(t, rate);
      } else if (this.options.backchannels && t >= u.nextBackchannelAt && backchannels(this.run.mind.persona)) {
        const word = this.run.rng.pick(BACKCHANNEL_WORDS);
        const spoken = this.start('backchannel', word, t, rate);
        u.nextBackchannelAt = t + (spoken.samples.length / rate + backchannelIntervalSec(this.run.rng)) * 1000;
        this.rec.backchannels.push(word);
      }
      return;
    }
    if (this.answerAt !== null && t >= this.answerAt) {
      this.answerAt = null;
      this.startAnswer(t, rate);
      if (!this.speech && this.closingHeard) this.hangupAt = t + CLOSING_HANGUP_SEC * 1000;
    } else if (!this.greeted && speaksFirst(this.run.mind.persona) && t >= 500) {
      this.greeted = true;
      this.startAnswer(t, rate);
    }
  }

  private startAnswer(t: number, rate: number): void {
    const speech = speakRealtime(this.run.mind, this.run.rng);
    if (!speech.text) return;
    const spoken = this.start('answer', speech.text, t, rate);
    this.run.call.said.push({
      text: speech.text,
      lang: speech.lang,
      atSec: Math.round(this.run.simMs + t) / 1000,
      speechSec: Math.round((spoken.samples.length / rate) * 1000) / 1000,
      recordingId: null,
    });
  }

  private start(kind: Speaking['kind'], text: string, t: number, rate: number): Speaking {
    const clip = encodeVoice(text, rate, Math.max(voiceDurationSec(text), words(text) * 0.3));
    // The clip's trailing silence is the persona being quiet: its speech ends at the last voiced sample.
    const samples = clip.subarray(0, lastVoiced(clip) + 1);
    this.speech = { kind, text, samples, rate, pos: 0, startMs: t, firstVoicedMs: null, lastVoicedMs: t, overlapped: this.utter !== null };
    return this.speech;
  }

  private speak(t: number, rate: number): Int16Array {
    const out = new Int16Array(Math.round((rate * this.frameMs) / 1000));
    const s = this.speech;
    if (!s) return out;
    // A format change mid-sentence: the rest of the sentence is lost (it was encoded at the old rate).
    const chunk = s.rate === rate ? s.samples.subarray(s.pos, s.pos + out.length) : new Int16Array(0);
    out.set(chunk);
    const fi = firstVoiced(chunk);
    if (fi >= 0) {
      s.firstVoicedMs ??= t + (fi * 1000) / rate;
      s.lastVoicedMs = t + ((lastVoiced(chunk) + 1) * 1000) / rate;
    }
    s.pos += out.length;
    if (s.pos >= s.samples.length || s.rate !== rate) this.finish(s);
    return out;
  }

  private finish(s: Speaking): void {
    this.speech = null;
    if (s.kind !== 'answer') return;
    const turn: PersonaTurn = {
      text: s.text,
      startMs: round(s.firstVoicedMs ?? s.startMs),
      endMs: round(s.lastVoicedMs),
      voiceToVoiceMs: null,
      overlapped: s.overlapped,
    };
    this.rec.turns.push(turn);
    // Voice-to-voice is measured when we are silent at the end of the answer (not while we talk over it).
    this.awaitingReply = this.utter ? null : turn;
    if (this.closingHeard) this.hangupAt = s.lastVoicedMs + CLOSING_HANGUP_SEC * 1000;
  }

  private checkHangup(t: number): void {
    if (this.hangupReason) return;
    if (this.hangupAt !== null && t >= this.hangupAt && !this.speech) {
      this.hangupReason = this.closingHeard ? 'callee hung up after the closing' : 'callee hung up after hearing the question';
    } else if (this.run.simMs + t >= this.run.deadlineMs) {
      this.hangupReason = 'callee hung up';
    } else if (this.quietMs >= DEAD_AIR_SEC * 1000) {
      this.hangupReason = `callee hung up after ${DEAD_AIR_SEC} s of silence`;
    }
  }
}

import { checkMp3, parseMp3 } from './mp3';
import { parseOgg } from './ogg';
import { loudestFrameDbfs, wavSamples } from './pcm';
import { decodeVoice } from './voice';
import { checkWav, parseWav, type WavInfo } from './wav';

export type AudioFormat = 'wav' | 'mp3' | 'ogg';

/** What a listener gets from a file: its format, length and the words it carries (if any). */
export interface AudioInspection {
  format: AudioFormat;
  durationSec: number;
  /**
   * The words a listener hears: the simulated voice decoded from WAV samples (voice.ts; 8–48 kHz, channel 0),
   * or the words in MP3 frames' ancillary data (mp3.ts). Null when the sound carries none.
   */
  text: string | null;
  /**
   * Words in WAV metadata (LIST/INFO `ICMT`). Only the 46elks simulator's recordings carry the callee's
   * words this way, for the OpenAI simulator's transcription; a listener does not read metadata.
   */
  metadataText: string | null;
  /** RMS level of the loudest 20 ms frame in dBFS (WAV only; null when the samples were not measured). */
  loudestDbfs: number | null;
}

/** Magic bytes only: `RIFF....WAVE`, `ID3` or MPEG frame sync `0xFFE`, `OggS`. */
export const sniffAudio = (buf: Buffer): AudioFormat | null => {
  if (buf.length >= 12 && buf.toString('ascii', 0, 4) === 'RIFF' && buf.toString('ascii', 8, 12) === 'WAVE') return 'wav';
  if (buf.length >= 4 && buf.toString('ascii', 0, 4) === 'OggS') return 'ogg';
  if (buf.length >= 3 && buf.toString('ascii', 0, 3) === 'ID3') return 'mp3';
  if (buf.length >= 2 && buf[0] === 0xff && ((buf[1] ?? 0) & 0xe0) === 0xe0) return 'mp3';
  return null;
};

const MIN_HEARING_RATE = 8000;
const MAX_HEARING_RATE = 48_000;

const listenToWav = (buf: Buffer, wav: WavInfo): AudioInspection => {
  const data = buf.subarray(wav.dataOffset, wav.dataOffset + wav.dataBytes);
  const samples = wavSamples(data, wav);
  const hearable = samples !== null && wav.sampleRate >= MIN_HEARING_RATE && wav.sampleRate <= MAX_HEARING_RATE;
  return {
    format: 'wav',
    durationSec: wav.durationSec,
    text: hearable ? decodeVoice(samples, wav.sampleRate) : null,
    metadataText: wav.info.ICMT ?? null,
    loudestDbfs: samples ? loudestFrameDbfs(samples, wav.sampleRate) : null,
  };
};

/**
 * Parses a file well enough to transcribe it, as leniently as ffmpeg does (a streamed WAV's 0xFFFFFFFF
 * sizes mean "to the end", junk between MP3 frames is skipped); null when it is not usable audio.
 */
export const inspectAudio = (buf: Buffer): AudioInspection | null => {
  const format = sniffAudio(buf);
  if (format === 'wav') {
    const wav = parseWav(buf);
    if (!wav || wav.byteRate === 0 || wav.channels === 0) return null;
    return listenToWav(buf, wav);
  }
  if (format === 'mp3') {
    const mp3 = parseMp3(buf);
    if (!mp3) return null;
    return { format, durationSec: mp3.durationSec, text: mp3.text, metadataText: null, loudestDbfs: null };
  }
  if (format === 'ogg') {
    const ogg = parseOgg(buf);
    return ogg ? { format, durationSec: ogg.durationSec, text: null, metadataText: null, loudestDbfs: null } : null;
  }
  return null;
};

export type PlayableAudio = { ok: true; audio: AudioInspection } | { ok: false; error: string };

/**
 * The strict reading of a telephony player (46elks `play`): WAV whose header agrees with the file (see
 * checkWav), MP3 made of whole frames (see checkMp3), or Ogg Vorbis (46elks documents "OGG Vorbis"; Ogg Opus is
 * refused). The error says what is wrong.
 */
export const inspectPlayable = (buf: Buffer): PlayableAudio => {
  const format = sniffAudio(buf);
  if (format === null) return { ok: false, error: 'not WAV/MP3/OGG audio' };
  const problem = format === 'wav' ? checkWav(buf) : format === 'mp3' ? checkMp3(buf) : checkOgg(buf);
  if (problem) return { ok: false, error: problem };
  const audio = inspectAudio(buf);
  if (!audio) return { ok: false, error: `not playable ${format.toUpperCase()} audio` };
  return { ok: true, audio };
};

/** 46elks documents "OGG Vorbis": an Ogg stream of another codec (Opus, as OpenAI's `opus` format) is refused. */
const checkOgg = (buf: Buffer): string | null => {
  const ogg = parseOgg(buf);
  if (!ogg) return 'not a readable Ogg stream';
  return ogg.codec === 'vorbis' ? null : `Ogg ${ogg.codec === 'opus' ? 'Opus' : 'of an unknown codec'}, not Ogg Vorbis`;
};

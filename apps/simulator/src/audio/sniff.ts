import { parseMp3 } from './mp3';
import { parseOgg } from './ogg';
import { parseWav } from './wav';

export type AudioFormat = 'wav' | 'mp3' | 'ogg';

/** What a listener gets from a file: its format, length and the words it carries (if any). */
export interface AudioInspection {
  format: AudioFormat;
  durationSec: number;
  /** Text embedded by the simulators (WAV LIST/INFO ICMT, MP3 ID3 TXXX/COMM); null when absent. */
  text: string | null;
}

/** Magic bytes only: `RIFF....WAVE`, `ID3` or MPEG frame sync `0xFFE`, `OggS`. */
export const sniffAudio = (buf: Buffer): AudioFormat | null => {
  if (buf.length >= 12 && buf.toString('ascii', 0, 4) === 'RIFF' && buf.toString('ascii', 8, 12) === 'WAVE') return 'wav';
  if (buf.length >= 4 && buf.toString('ascii', 0, 4) === 'OggS') return 'ogg';
  if (buf.length >= 3 && buf.toString('ascii', 0, 3) === 'ID3') return 'mp3';
  if (buf.length >= 2 && buf[0] === 0xff && ((buf[1] ?? 0) & 0xe0) === 0xe0) return 'mp3';
  return null;
};

/** Parses a file well enough to play or transcribe it; null when it is not usable audio. */
export const inspectAudio = (buf: Buffer): AudioInspection | null => {
  const format = sniffAudio(buf);
  if (format === 'wav') {
    const wav = parseWav(buf);
    if (!wav || wav.byteRate === 0 || wav.channels === 0) return null;
    return { format, durationSec: wav.durationSec, text: wav.info.ICMT ?? null };
  }
  if (format === 'mp3') {
    const mp3 = parseMp3(buf);
    if (!mp3) return null;
    const text = mp3.tags['TXXX:text'] ?? mp3.tags.COMM ?? null;
    return { format, durationSec: mp3.durationSec, text };
  }
  if (format === 'ogg') {
    const ogg = parseOgg(buf);
    return ogg ? { format, durationSec: ogg.durationSec, text: null } : null;
  }
  return null;
};

import { createHash } from 'node:crypto';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { inspectAudio } from '../audio/sniff';
import { sendError } from './errors';
import { EN_WORDS, SV_WORDS } from './heuristics/lexicon';
import { sentences, words } from './heuristics/text';
import type { OpenAiContext } from './state';

const MAX_BYTES = 25 * 1024 * 1024;
const FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'];
const LANGUAGES: Record<string, string> = { sv: 'swedish', en: 'english', no: 'norwegian', da: 'danish', fi: 'finnish', de: 'german' };
/**
 * What Whisper-family models write for a recording without speech: subtitle credits and video outros
 * from their training data. Swedish when the language is `sv` or not given, the language's own list
 * when it has one, English otherwise.
 */
const HALLUCINATIONS: Record<string, readonly string[]> = {
  sv: ['Tack för att du tittade!', 'Undertexter från Amara.org-gemenskapen', 'Tack för att ni tittade.', 'Svensktextning.nu'],
  en: ['Thanks for watching!', 'Thank you.', 'Thank you for watching.'],
  no: ['Teksting av Nicolai Winther'],
  da: ['Tak for at se med.'],
  de: ['Untertitel der Amara.org-Community', 'Vielen Dank fürs Zuschauen!'],
};
/** A 20 ms frame at least this loud (RMS, dBFS) counts as sound; a recording without one is silence. */
const SILENCE_DBFS = -45;

/** The same bytes always invent the same phrase. */
const hallucination = (file: Buffer, language: string | undefined): string => {
  const phrases = HALLUCINATIONS[language ?? 'sv'] ?? HALLUCINATIONS.en ?? [];
  const pick = createHash('sha256').update(file).digest().readUInt32BE(0) % Math.max(1, phrases.length);
  return phrases[pick] ?? '';
};

interface Upload {
  fields: Record<string, string>;
  file: Buffer | null;
  truncated: boolean;
}

const readMultipart = (req: Request): Promise<Upload> =>
  new Promise((resolve, reject) => {
    const out: Upload = { fields: {}, file: null, truncated: false };
    const bb = busboy({ headers: req.headers, limits: { fileSize: MAX_BYTES, files: 1, fields: 50 } });
    bb.on('field', (name, value) => {
      out.fields[name] = value;
    });
    bb.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => {
        out.truncated = true;
      });
      stream.on('end', () => {
        if (name === 'file') out.file = Buffer.concat(chunks);
      });
    });
    bb.on('close', () => resolve(out));
    bb.on('error', reject);
    req.pipe(bb);
  });

const detectLanguage = (text: string): string => {
  const tokens = words(text);
  const sv = tokens.filter((t) => SV_WORDS.has(t) || /[åäö]/.test(t)).length;
  const en = tokens.filter((t) => EN_WORDS.has(t)).length;
  return en > sv ? 'english' : 'swedish';
};

const stamp = (sec: number, sep: string): string => {
  const ms = Math.round(sec * 1000);
  const h = String(Math.floor(ms / 3_600_000)).padStart(2, '0');
  const m = String(Math.floor(ms / 60_000) % 60).padStart(2, '0');
  const s = String(Math.floor(ms / 1000) % 60).padStart(2, '0');
  return `${h}:${m}:${s}${sep}${String(ms % 1000).padStart(3, '0')}`;
};

/**
 * POST /v1/audio/transcriptions: the words the audio carries (the simulated voice in the samples, MP3
 * ancillary data, or, for the 46elks simulator's recordings, WAV ICMT). Like the real models, it invents
 * a subtitle phrase when the audio holds no speech (no words, or no 20 ms frame above -45 dBFS).
 */
export const transcriptionsRoute = (ctx: OpenAiContext) => async (req: Request, res: Response) => {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    return sendError(res, 400, `Invalid Content-Type header (${req.headers['content-type'] ?? 'none'}), expected multipart/form-data.`);
  }
  let upload: Upload;
  try {
    upload = await readMultipart(req);
  } catch (err) {
    return sendError(res, 400, `Could not parse multipart form: ${(err as Error).message}`);
  }
  const { fields, file } = upload;
  if (upload.truncated) return sendError(res, 413, `Maximum content size limit (${MAX_BYTES}) exceeded.`, 'invalid_request_error', 'file');
  if (!fields.model) return sendError(res, 400, 'you must provide a model parameter', 'invalid_request_error', 'model');
  if (!file) return sendError(res, 400, "Missing required parameter: 'file'.", 'invalid_request_error', 'file');
  const language = fields.language;
  if (language !== undefined && !/^[a-z]{2}$/.test(language)) {
    return sendError(res, 400, `Invalid language '${language}'. Language parameter must be specified in ISO-639-1 format.`, 'invalid_request_error', 'language', 'invalid_language_format');
  }
  const format = fields.response_format ?? 'json';
  if (!FORMATS.includes(format)) return sendError(res, 400, `Invalid value for 'response_format': ${format}.`, 'invalid_request_error', 'response_format');
  const model = fields.model;
  const gpt = /^gpt-4o/.test(model);
  if (gpt && format !== 'json' && format !== 'text') {
    return sendError(res, 400, `response_format '${format}' is not compatible with model '${model}'. Use 'json' or 'text' instead.`, 'invalid_request_error', 'response_format', 'unsupported_value');
  }
  const audio = inspectAudio(file);
  if (!audio) {
    return sendError(res, 400, "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']", 'invalid_request_error', null, 'invalid_value');
  }
  if (audio.durationSec < 0.1) {
    return sendError(res, 400, 'Audio file is too short. Minimum audio length is 0.1 seconds.', 'invalid_request_error', 'file', 'audio_too_short');
  }
  const words = (audio.text ?? audio.metadataText ?? '').trim();
  const silent = words === '' || (audio.loudestDbfs !== null && audio.loudestDbfs < SILENCE_DBFS);
  const text = silent ? hallucination(file, language) : words;
  if (silent) ctx.injected.hallucinations++;
  const duration = Math.round(audio.durationSec * 100) / 100;
  const textTokens = text ? Math.ceil(text.length / 4) : 0;
  const audioTokens = Math.ceil(audio.durationSec * 10);
  const promptTokens = fields.prompt ? Math.ceil(fields.prompt.length / 4) : 0;
  ctx.tokens.audio_input_tokens += audioTokens;
  const usage = gpt
    ? {
        type: 'tokens',
        input_tokens: audioTokens + promptTokens,
        input_token_details: { text_tokens: promptTokens, audio_tokens: audioTokens },
        output_tokens: textTokens,
        total_tokens: audioTokens + promptTokens + textTokens,
      }
    : { type: 'duration', seconds: Math.ceil(audio.durationSec) };
  const parts = sentences(text);
  let cursor = 0;
  const totalChars = Math.max(1, text.length);
  const segments = parts.map((part, id) => {
    const start = (cursor / totalChars) * audio.durationSec;
    cursor += part.length + 1;
    const end = Math.min(audio.durationSec, (cursor / totalChars) * audio.durationSec);
    const confidence = silent ? { avg_logprob: -0.93, compression_ratio: 0.82, no_speech_prob: 0.86 } : { avg_logprob: -0.2, compression_ratio: 1.2, no_speech_prob: 0.01 };
    return { id, seek: 0, start: Math.round(start * 100) / 100, end: Math.round(end * 100) / 100, text: ` ${part}`, tokens: [], temperature: 0, ...confidence };
  });
  if (format === 'text') return res.type('text/plain; charset=utf-8').send(text);
  if (format === 'json') return res.json({ text, usage });
  if (format === 'verbose_json') {
    const name = LANGUAGES[language ?? ''] ?? (text ? detectLanguage(text) : 'swedish');
    return res.json({ task: 'transcribe', language: name, duration, text, segments, usage });
  }
  const vtt = format === 'vtt';
  const cues = segments.map((s, i) => `${vtt ? '' : `${i + 1}\n`}${stamp(s.start, vtt ? '.' : ',')} --> ${stamp(s.end, vtt ? '.' : ',')}\n${s.text.trim()}\n`);
  res.type('text/plain; charset=utf-8').send(`${vtt ? 'WEBVTT\n\n' : ''}${cues.join('\n')}`);
};

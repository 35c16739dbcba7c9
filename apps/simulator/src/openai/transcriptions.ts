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
/** What Whisper famously "hears" in silence on Swedish audio (used by the silenceHallucinationRate fault). */
const HALLUCINATION = 'Tack för att du tittade!';

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

/** POST /v1/audio/transcriptions: the words embedded in the audio (WAV ICMT / MP3 ID3), "" for silence. */
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
  let text = (audio.text ?? '').trim();
  if (text === '' && ctx.faults.silenceHallucinationRate > 0 && ctx.rng.chance(ctx.faults.silenceHallucinationRate)) {
    ctx.injected.hallucinations++;
    text = HALLUCINATION;
  }
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
    return { id, seek: 0, start: Math.round(start * 100) / 100, end: Math.round(end * 100) / 100, text: ` ${part}`, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1.2, no_speech_prob: 0.01 };
  });
  if (format === 'text') return res.type('text/plain; charset=utf-8').send(text);
  if (format === 'json') return res.json({ text, usage });
  if (format === 'verbose_json') {
    const language = LANGUAGES[fields.language ?? ''] ?? (text ? detectLanguage(text) : 'swedish');
    return res.json({ task: 'transcribe', language, duration, text, segments, usage });
  }
  const vtt = format === 'vtt';
  const cues = segments.map((s, i) => `${vtt ? '' : `${i + 1}\n`}${stamp(s.start, vtt ? '.' : ',')} --> ${stamp(s.end, vtt ? '.' : ',')}\n${s.text.trim()}\n`);
  res.type('text/plain; charset=utf-8').send(`${vtt ? 'WEBVTT\n\n' : ''}${cues.join('\n')}`);
};

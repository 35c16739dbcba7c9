import { existsSync } from 'node:fs';
import path from 'node:path';
import { Role } from '@samtal/types';
import { addressEntryProblem } from './http/addresses';
import { z } from 'zod';

/**
 * The whole environment, parsed once at boot. Nothing else reads `process.env`.
 * Every variable is documented in `.env.example`.
 */

/** "30s" → 30000 (ms). */
export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
export type CallWindow = { always: true } | { always: false; startMinute: number; endMinute: number };

const callWindow = z
  .string()
  .trim()
  .refine((v) => v === 'always' || /^\d\d:\d\d-\d\d:\d\d$/.test(v), 'expected HH:MM-HH:MM (e.g. 09:00-20:00) or "always"')
  .transform((v, ctx): CallWindow => {
    if (v === 'always') return { always: true };
    const [a, b] = v.split('-') as [string, string];
    const ma = HHMM.exec(a);
    const mb = HHMM.exec(b);
    if (!ma || !mb) {
      ctx.addIssue({ code: 'custom', message: 'expected valid times HH:MM-HH:MM' });
      return z.NEVER;
    }
    const startMinute = Number(ma[1]) * 60 + Number(ma[2]);
    const endMinute = Number(mb[1]) * 60 + Number(mb[2]);
    if (endMinute <= startMinute) {
      ctx.addIssue({ code: 'custom', message: 'the window must end after it starts' });
      return z.NEVER;
    }
    return { always: false, startMinute, endMinute };
  });

export const RETRY_FAMILIES = ['no_answer', 'busy', 'failed', 'voicemail'] as const;
export type RetryFamily = (typeof RETRY_FAMILIES)[number];
/** Delays before attempt 2 and attempt 3, per outcome family, in ms. */
export type RetryBackoff = Record<RetryFamily, [number, number]>;

/** Production defaults: a missed call is retried after 30 min then 2 h; a busy line sooner. */
export const DEFAULT_RETRY_BACKOFF = 'no_answer=30m,2h;busy=10m,1h;failed=15m,1h;voicemail=1h,3h';

const retryBackoff = z
  .string()
  .trim()
  .transform((v, ctx): RetryBackoff => {
    const out: Partial<RetryBackoff> = {};
    for (const part of v.split(';').filter((p) => p.trim() !== '')) {
      const m = /^\s*(\w+)\s*=\s*([^,]+),([^,]+)\s*$/.exec(part);
      const family = m?.[1] as RetryFamily | undefined;
      if (!m || !family || !RETRY_FAMILIES.includes(family)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${part}": expected <family>=<delay2>,<delay3> with family one of ${RETRY_FAMILIES.join('|')}`,
        });
        return z.NEVER;
      }
      try {
        out[family] = [parseDuration(m[2]!), parseDuration(m[3]!)];
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${part}": delays must look like 30s, 10m, 2h` });
        return z.NEVER;
      }
    }
    const missing = RETRY_FAMILIES.filter((f) => !out[f]);
    if (missing.length > 0) {
      ctx.addIssue({ code: 'custom', message: `missing families: ${missing.join(', ')}` });
      return z.NEVER;
    }
    return out as RetryBackoff;
  });

const addressList = z
  .string()
  .default('')
  .transform((v, ctx) => {
    const entries = v.split(',').map((s) => s.trim()).filter(Boolean);
    for (const entry of entries) {
      const problem = addressEntryProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (expected a comma list of addresses or CIDRs)` });
    }
    return entries;
  });

const secret = (min = 16) => z.string().min(min, `must be at least ${min} characters`);
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number like +46766860000');
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });
const optional = <T extends z.ZodType>(s: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), s.optional());

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    ROLE: Role.default('all'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_BASE_URL: httpUrl,
    TRACE_FILE: optional(z.string().min(1)), // diagnostics: per-phase webhook timings, written on shutdown (trace.ts)
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
    JSON_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/, 'expected a size like 100kb or 1mb').default('256kb'),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/samtal'),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(10),
    /** false behind Supabase's transaction pooler (port 6543), which cannot keep prepared statements. */
    DATABASE_PREPARE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL').default('redis://127.0.0.1:6379'),
    /** Prefix of every Redis key and BullMQ queue of this deployment (tests use one per file). */
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only').default('samtal'),

    WEBHOOK_SECRET: secret(),
    /** Key of the HMAC that stands in for a phone number in suppression lists and fraud patterns. */
    PHONE_HASH_KEY: secret(),
    ELKS_API_URL: httpUrl.default('https://api.46elks.com/a1'),
    ELKS_USERNAME: z.string().min(1),
    ELKS_PASSWORD: z.string().min(1),
    ELKS_FROM_NUMBER: e164,
    /**
     * When 46elks refuses calls for the whole account (no credit, credentials), dialling waits this long
     * before trying again: the first delay, doubled on each refusal up to the second ("1m,30m").
     */
    ELKS_BLOCKED_BACKOFF: z
      .string()
      .trim()
      .default('1m,30m')
      .transform((v, ctx): [number, number] => {
        const m = /^([^,]+),([^,]+)$/.exec(v);
        try {
          if (!m) throw new Error('shape');
          const pair: [number, number] = [parseDuration(m[1]!), parseDuration(m[2]!)];
          if (pair[0] <= 0 || pair[1] < pair[0]) throw new Error('order');
          return pair;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'expected <first>,<max> delays like 1m,30m (max ≥ first > 0)' });
          return z.NEVER;
        }
      }),
    /** Source addresses/networks 46elks calls our webhooks from; empty = no IP check. */
    ELKS_ALLOWED_IPS: addressList,
    /**
     * Our own reverse proxies (addresses/CIDRs) whose X-Forwarded-For is believed; empty = none, the
     * socket's address is the client. A hop count would let a client that reaches us directly claim
     * any address (and pass the 46elks allow-list, or rotate its rate-limit bucket).
     */
    TRUST_PROXY: addressList,

    OPENAI_API_KEY: z.string().min(1),
    OPENAI_BASE_URL: optional(httpUrl),
    OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
    OPENAI_STT_MODEL: z.string().min(1).default('gpt-4o-mini-transcribe'),
    OPENAI_TTS_MODEL: z.string().min(1).default('gpt-4o-mini-tts'),
    OPENAI_TTS_VOICE: z.string().min(1).default('coral'),

    /** record | realtime | auto (realtime while healthy and under REALTIME_MAX_CALLS); README "Two transports". */
    CALL_TRANSPORT: z.enum(['record', 'realtime', 'auto']).default('record'),
    /** Our 46elks WebSocket number, and the secret path segment of the socket it connects to. */
    ELKS_WEBSOCKET_NUMBER: optional(e164),
    REALTIME_PATH_SECRET: optional(secret(32)),
    OPENAI_REALTIME_MODEL: z.string().min(1).default('gpt-realtime-2.1-mini'),
    OPENAI_REALTIME_VOICE: z.string().min(1).default('marin'),
    OPENAI_REALTIME_TRANSCRIBE_MODEL: z.string().min(1).default('gpt-realtime-whisper'),
    REALTIME_PERCENT: z.coerce.number().int().min(0).max(100).default(100), // share of calls (by session) on realtime/auto
    REALTIME_MAX_CALLS: z.coerce.number().int().min(1).default(200), // live realtime calls before `auto` uses the record loop
    USD_TO_SEK: z.coerce.number().positive().default(10.5), // for the realtime cost estimate

    ADMIN_API_KEY: secret(),
    /** Bearer token a Prometheus scraper may use for GET /metrics (the X-API-Key works too). */
    METRICS_TOKEN: optional(secret()),
    /** 401s per client IP per RATE_LIMIT_WINDOW_MS before every request from it is refused (429). */
    RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(1).default(20),
    VERIFICATION_WEBHOOK_SECRET: secret(),
    SUPABASE_JWT_SECRET: optional(secret(32)),
    SUPABASE_JWKS_URL: optional(httpUrl),
    /** The project URL (https://<ref>.supabase.co): business tokens must then be issued by its Auth. */
    SUPABASE_URL: optional(httpUrl),

    CALL_WINDOW: callWindow.prefault('09:00-20:00'),
    TZ_CALLS: z
      .string()
      .default('Europe/Stockholm')
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'expected an IANA time zone like Europe/Stockholm'),
    RETRY_BACKOFF: retryBackoff.prefault(DEFAULT_RETRY_BACKOFF),
    RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    PURGE_BATCH_SIZE: z.coerce.number().int().min(1).default(5_000),

    /** Requests per window per business user / API key / client IP, shared across instances via Redis. */
    RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).default(60_000),
    RATE_LIMIT_BUSINESS: z.coerce.number().int().min(1).default(120),
    RATE_LIMIT_INTERNAL: z.coerce.number().int().min(1).default(1_200),
    RATE_LIMIT_IP: z.coerce.number().int().min(1).default(600),

    /**
     * BullMQ job locks: a worker holds each active job's lock for this long and renews it every half
     * of it; a job whose lock lapsed (its process died) is moved back to waiting by the next stalled
     * check, run every WORKER_STALLED_INTERVAL_MS. So a crashed worker's jobs resume after about
     * lock + 2 × interval. BullMQ's defaults (30 s each) suit production; the drills use ~1 s.
     */
    WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).default(30_000),
    WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),

    /** Analyze jobs one worker process grades at once (each waits on one OpenAI request). */
    ANALYSIS_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(4),
    /** Tries per grading for a refusal or a schema-invalid answer before the job fails for good. */
    ANALYSIS_LLM_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    /** The SDK's own retries of 429, 5xx, connection errors and timeouts within one try. */
    ANALYSIS_LLM_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
    /** Timeout of one grading request (ms); a timeout counts as transient and is retried. */
    ANALYSIS_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    /** Lowest overall quality (0–1) that earns a reward; at it the reward is 2 %, at 1.00 it is 15 %. */
    REWARD_QUALITY_THRESHOLD: z.coerce.number().min(0).max(0.99).default(0.5),
    /** Shortest conversation (seconds of audio) that can earn a reward (DESIGN §6). */
    MIN_CONVERSATION_SECONDS: z.coerce.number().min(0).max(600).default(60),
    /** cleanup-low-grade removes the text of feedback whose usefulness is below this (0–1). */
    USEFULNESS_CLEANUP_THRESHOLD: z.coerce.number().min(0).max(1).default(0.3),
    /** …once its grade is at least this many days old. */
    CLEANUP_GRACE_DAYS: z.coerce.number().min(0).max(3650).default(7),
  })
  .superRefine((c, ctx) => {
    const base = new URL(c.PUBLIC_BASE_URL);
    // Loopback stays allowed (a local run against the simulators: the demo, the benchmarks).
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(base.hostname);
    if (c.NODE_ENV === 'production' && base.protocol !== 'https:' && !loopback) {
      ctx.addIssue({
        code: 'custom',
        path: ['PUBLIC_BASE_URL'],
        message: 'must be https in production (46elks sends webhook tokens and fetches prompts over it)',
      });
    }
    if (c.CALL_TRANSPORT !== 'record') {
      for (const name of ['ELKS_WEBSOCKET_NUMBER', 'REALTIME_PATH_SECRET'] as const) {
        if (!c[name]) ctx.addIssue({ code: 'custom', path: [name], message: `required when CALL_TRANSPORT=${c.CALL_TRANSPORT}` });
      }
    }
    if (!c.SUPABASE_JWT_SECRET && !c.SUPABASE_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['SUPABASE_JWT_SECRET'],
        message: 'set SUPABASE_JWT_SECRET and/or SUPABASE_JWKS_URL (business API tokens are verified with them)',
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads a `.env` file into the environment, if there is one: SAMTAL_ENV_FILE, or `.env` in the
 * directory `npm` was started from (npm runs workspace scripts in the package's own directory).
 * Variables already set win. The simulators' CLI reads the same file. Returns the file read, or null.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): string | null {
  const file = env.SAMTAL_ENV_FILE || path.join(env.INIT_CWD || process.cwd(), '.env');
  if (!existsSync(file)) {
    if (env.SAMTAL_ENV_FILE) throw new ConfigError([`SAMTAL_ENV_FILE is invalid: ${file} does not exist`]);
    return null;
  }
  process.loadEnvFile(file);
  return file;
}

/** Parses the environment; throws a ConfigError with one line per bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = env[name];
    const what = value === undefined || value === '' ? 'is missing' : 'is invalid';
    const message = issue.code === 'invalid_type' && value === undefined ? 'required' : issue.message;
    return `${name} ${what}: ${message}`;
  });
  throw new ConfigError(problems);
}

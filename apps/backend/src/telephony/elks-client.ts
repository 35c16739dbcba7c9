import { z } from 'zod';
import { AppError, upstream } from '../http/errors';
import type { Logger } from '../observability/logger';

/**
 * A small typed 46elks client on fetch (`fortysixelks-node` cannot place calls): form bodies, Basic
 * auth, a timeout per request, and errors that say what 46elks answered (its errors are plain text).
 *
 * Reads (GET) are retried with back-off on network errors and 5xx. A create (POST /calls) is NOT:
 * 46elks has no idempotency key, so a create whose answer was lost may already be ringing the
 * customer. It is re-sent only when the request provably never reached 46elks (the connection was
 * refused or the name did not resolve); any other failure is `ambiguous` and the caller reconciles
 * it against the call history before anything else (calls/dial.ts).
 */

export const ElksCallState = z.enum(['ongoing', 'success', 'busy', 'failed']);
export type ElksCallState = z.infer<typeof ElksCallState>;

export const ElksCall = z.looseObject({
  id: z.string().regex(/^c[0-9a-f]{32}$/),
  direction: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  created: z.string().optional(),
  state: ElksCallState,
  start: z.string().optional(),
  duration: z.coerce.number().optional(),
  cost: z.coerce.number().optional(),
  actions: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type ElksCall = z.infer<typeof ElksCall>;

const CallHistory = z.looseObject({ data: z.array(z.unknown()), next: z.string().optional() });
const Account = z.looseObject({ balance: z.coerce.number(), currency: z.string().optional() });
export type ElksAccount = { balance: number; currency: string | null };

export type ElksClientOptions = {
  baseUrl: string;
  username: string;
  password: string;
  log: Logger;
  timeoutMs?: number;
  retries?: number;
  /** Base of the exponential back-off between retries, ms. */
  backoffMs?: number;
};

export type PlaceCallInput = { from: string; to: string; voiceStart: string; whenHangup: string; timeoutSeconds: number };

/**
 * Why a create failed. `not_created`: 46elks never got it, or answered with a refusal (4xx) — no call
 * exists. `ambiguous`: a timeout, a reset or a 5xx after the request was sent — a call may exist.
 */
export class CreateCallError extends AppError {
  constructor(
    readonly outcome: 'not_created' | 'ambiguous',
    message: string,
    /** The HTTP status 46elks answered, if it answered. */
    readonly elksStatus: number | null,
    /** 46elks' plain-text answer, if any. */
    readonly body: string,
    cause?: unknown,
  ) {
    super('upstream_error', `46elks: ${message}`, { service: '46elks', retryable: outcome === 'ambiguous' }, { cause });
  }
}

export type FindCallsQuery = { to: string; from: string; createdAfter: Date };

export type ElksClient = {
  placeCall(input: PlaceCallInput): Promise<ElksCall>;
  getCall(id: string): Promise<ElksCall>;
  /** Outgoing calls to `to` from `from` created after the given time, newest first (GET /calls history). */
  findCalls(query: FindCallsQuery): Promise<ElksCall[]>;
  /** GET /me: the account's balance (1/10 000 of its currency, like `cost`). */
  getAccount(): Promise<ElksAccount>;
  /**
   * Downloads a recording of the call `callId`. Only the documented recordings path of that call on
   * the 46elks API gets our credentials: no other path, no query string, no redirect.
   */
  downloadRecording(wavUrl: string, callId: string): Promise<Buffer>;
};

/**
 * The URL 46elks documents for a recording of call `callId`: `<API>/recordings/<callid>-r<n>.wav`
 * (its webhook documentation writes `Recordings`; the API paths are case-insensitive). Anything else
 * — another path on the API (GET forms of POST endpoints place calls and send SMS), a query string,
 * credentials, a fragment — does not match.
 */
export function recordingPathFor(apiBaseUrl: string, callId: string): RegExp {
  const base = new URL(apiBaseUrl.replace(/\/+$/, ''));
  const literal = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!/^c[0-9a-f]{32}$/.test(callId)) return /$^/;
  return new RegExp(`^${literal(base.origin)}${literal(base.pathname.replace(/\/$/, ""))}/[Rr]ecordings/${callId}-r\\d{1,3}\\.wav$`);
}

class RetryableError extends Error {}

/** Connection errors that happen before a single byte of the request left this machine. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const errorCode = (err: unknown): string | undefined => {
  const e = err as { code?: string; cause?: { code?: string; cause?: { code?: string } } };
  return e?.code ?? e?.cause?.code ?? e?.cause?.cause?.code;
};

/** 46elks timestamps: UTC without a zone, microseconds (2016-11-03T09:24:24.355000). */
export const elksTimestamp = (d: Date): string => d.toISOString().replace('Z', '000');

/** Parses a 46elks timestamp (UTC without a zone); null if it is not one. */
export function parseElksTimestamp(text: string): Date | null {
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** History pages read when looking for a call (100 calls each): enough for a busy account's last minutes. */
const MAX_HISTORY_PAGES = 10;

export function createElksClient(opts: ElksClientOptions): ElksClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retries = opts.retries ?? 3;
  const backoffMs = opts.backoffMs ?? 250;
  const pause = (attempt: number) =>
    new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2)));

  /** An idempotent read: retried on network errors and 5xx. */
  async function read(url: string, what: string, redirect: 'follow' | 'error' = 'follow'): Promise<Response> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await pause(attempt);
      try {
        const res = await fetch(url, { headers: { authorization: auth }, redirect, signal: AbortSignal.timeout(timeoutMs) });
        if (res.status >= 500) throw new RetryableError(`${what} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        if (!res.ok) {
          const text = (await res.text()).slice(0, 300);
          throw upstream('46elks', `${what} answered ${res.status}: ${text || res.statusText}`);
        }
        return res;
      } catch (err) {
        if (err instanceof AppError) throw err;
        lastError = err;
        opts.log.warn('46elks request failed', { what, attempt: attempt + 1, of: retries + 1, err: (err as Error).message });
      }
    }
    throw upstream('46elks', `${what} failed after ${retries + 1} tries: ${(lastError as Error).message}`, lastError);
  }

  async function create(form: URLSearchParams): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await pause(attempt);
      let res: Response;
      try {
        res = await fetch(`${base}/calls`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const code = errorCode(err);
        const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(err as Error).message}${code ? ` (${code})` : ''}`;
        if (code && NEVER_SENT.has(code)) {
          // Nothing reached 46elks: re-sending cannot ring the phone twice.
          opts.log.warn('46elks unreachable, the create was not sent', { attempt: attempt + 1, of: retries + 1, err: reason });
          if (attempt < retries) continue;
          throw new CreateCallError('not_created', `POST /calls never reached 46elks after ${attempt + 1} tries: ${reason}`, null, '', err);
        }
        throw new CreateCallError('ambiguous', `POST /calls: ${reason}`, null, '', err);
      }
      if (res.ok) return res;
      const text = (await res.text().catch(() => '')).slice(0, 300);
      const message = `POST /calls answered ${res.status}: ${text || res.statusText}`;
      // 4xx: 46elks looked at the request and refused it — no call exists. 5xx: it may have been created.
      throw new CreateCallError(res.status >= 500 ? 'ambiguous' : 'not_created', message, res.status, text);
    }
  }


  return {
    async placeCall(input) {
      const form = new URLSearchParams({
        from: input.from,
        to: input.to,
        voice_start: input.voiceStart,
        whenhangup: input.whenHangup,
        timeout: String(input.timeoutSeconds),
      });
      const res = await create(form);
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        // 200 and then a broken body: the call was created, its id is unknown.
        throw new CreateCallError('ambiguous', `POST /calls answered ${res.status} with a body that is not JSON`, res.status, '', err);
      }
      const call = ElksCall.safeParse(body);
      if (!call.success) throw new CreateCallError('ambiguous', `POST /calls answered ${res.status} without a call id`, res.status, JSON.stringify(body).slice(0, 300));
      return call.data;
    },
    async getCall(id) {
      const res = await read(`${base}/calls/${encodeURIComponent(id)}`, 'GET /calls/:id');
      return ElksCall.parse(await res.json());
    },
    async findCalls(query) {
      const since = query.createdAfter.getTime();
      const found: ElksCall[] = [];
      let start: string | undefined;
      for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
        // 46elks names them backwards: `end` = calls created after, `start` = before (the next page).
        const params = new URLSearchParams({ end: elksTimestamp(query.createdAfter), limit: '100' });
        if (start) params.set('start', start);
        const res = await read(`${base}/calls?${params}`, 'GET /calls');
        const history = CallHistory.parse(await res.json());
        let older = false;
        for (const raw of history.data) {
          const call = ElksCall.safeParse(raw);
          if (!call.success) continue;
          const created = call.data.created ? parseElksTimestamp(call.data.created) : null;
          if (created && created.getTime() < since) older = true;
          else if (call.data.to === query.to && call.data.from === query.from && (call.data.direction ?? 'outgoing') === 'outgoing') {
            found.push(call.data);
          }
        }
        if (older || !history.next || history.data.length === 0) break;
        start = history.next;
      }
      return found;
    },
    async getAccount() {
      const account = Account.parse(await (await read(`${base}/me`, 'GET /me')).json());
      return { balance: account.balance, currency: account.currency ?? null };
    },
    async downloadRecording(wavUrl, callId) {
      if (!recordingPathFor(base, callId).test(wavUrl)) {
        throw new AppError('validation_error', 'not a recording of this call on the 46elks API: not fetched');
      }
      const res = await read(wavUrl, 'GET recording', 'error');
      return Buffer.from(await res.arrayBuffer());
    },
  };
}

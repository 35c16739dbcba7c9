import { z } from 'zod';
import { upstream } from '../http/errors';
import type { Logger } from '../observability/logger';

/**
 * A small typed 46elks client on fetch (`fortysixelks-node` cannot place calls). Form bodies,
 * Basic auth, a timeout per request, back-off retries for network errors and 5xx, and a clear
 * upstream error for 4xx (46elks answers errors with a plain-text body).
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

export type ElksClient = {
  placeCall(input: PlaceCallInput): Promise<ElksCall>;
  getCall(id: string): Promise<ElksCall>;
  /** Downloads a recording; only URLs on the 46elks API origin get our credentials. */
  downloadRecording(wavUrl: string): Promise<Buffer>;
  deleteRecording(wavUrl: string): Promise<void>;
};

class RetryableError extends Error {}

export function createElksClient(opts: ElksClientOptions): ElksClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const auth = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retries = opts.retries ?? 3;
  const backoffMs = opts.backoffMs ?? 250;

  async function request(
    method: string,
    url: string,
    what: string,
    body?: URLSearchParams,
    accept: number[] = [],
  ): Promise<Response> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2)));
      try {
        const res = await fetch(url, {
          method,
          headers: { authorization: auth, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (res.status >= 500) {
          throw new RetryableError(`${what} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
        }
        if (!res.ok && !accept.includes(res.status)) {
          const text = (await res.text()).slice(0, 300);
          throw upstream('46elks', `${what} answered ${res.status}: ${text || res.statusText}`);
        }
        return res;
      } catch (err) {
        if (!(err instanceof RetryableError) && (err as { name?: string }).name === 'AppError') throw err;
        lastError = err;
        opts.log.warn('46elks request failed', { what, attempt: attempt + 1, of: retries + 1, err: (err as Error).message });
      }
    }
    throw upstream('46elks', `${what} failed after ${retries + 1} tries: ${(lastError as Error).message}`, lastError);
  }

  const recordingUrl = (wavUrl: string): URL => {
    const url = new URL(wavUrl);
    if (url.origin !== origin) throw upstream('46elks', `recording URL ${url.origin} is not on the 46elks API origin`);
    return url;
  };

  return {
    async placeCall(input) {
      const form = new URLSearchParams({
        from: input.from,
        to: input.to,
        voice_start: input.voiceStart,
        whenhangup: input.whenHangup,
        timeout: String(input.timeoutSeconds),
      });
      const res = await request('POST', `${base}/calls`, 'POST /calls', form);
      return ElksCall.parse(await res.json());
    },
    async getCall(id) {
      const res = await request('GET', `${base}/calls/${encodeURIComponent(id)}`, 'GET /calls/:id');
      return ElksCall.parse(await res.json());
    },
    async downloadRecording(wavUrl) {
      const res = await request('GET', recordingUrl(wavUrl).toString(), 'GET recording');
      return Buffer.from(await res.arrayBuffer());
    },
    async deleteRecording(wavUrl) {
      const url = recordingUrl(wavUrl);
      url.pathname = url.pathname.replace(/\.wav$/, '');
      // Already gone (a retried job deleted it) counts as deleted.
      await request('DELETE', url.toString(), 'DELETE recording', undefined, [404]);
    },
  };
}

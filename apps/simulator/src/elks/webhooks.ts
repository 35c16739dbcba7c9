import { performance } from 'node:perf_hooks';
import { StoppedError, elksTimestamp } from '../shared/clock';
import type { CallRecord, ElksContext, WebhookKind } from './state';

export interface PostResult {
  /** HTTP status, or null on a network error / timeout. */
  status: number | null;
  ok: boolean;
  body: string;
  latencyMs: number;
  error?: string;
}

/** fetch refuses URLs with credentials: move `user:pass@` into a Basic header (the Swagger allows it). */
const splitCredentials = (raw: string): { url: string; authorization?: string } => {
  const url = new URL(raw);
  if (!url.username && !url.password) return { url: url.toString() };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
};

/**
 * POSTs a form-encoded webhook as 46elks does, timing how long our server takes to answer.
 * Every attempt is recorded on the call and in the latency stats. Throws only StoppedError.
 */
export const postForm = async (
  ctx: ElksContext,
  call: CallRecord,
  kind: WebhookKind,
  rawUrl: string,
  fields: Record<string, string>,
  attempt = 1,
): Promise<PostResult> => {
  const at = elksTimestamp();
  const started = performance.now();
  let result: PostResult;
  try {
    const { url, authorization } = splitCredentials(rawUrl);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': '46elks-simulator/1.0',
    };
    if (authorization) headers.authorization = authorization;
    const signal = AbortSignal.any([ctx.scheduler.signal, AbortSignal.timeout(ctx.opts.webhookTimeoutMs)]);
    const res = await fetch(url, { method: 'POST', headers, body: new URLSearchParams(fields).toString(), signal });
    const body = await res.text();
    result = { status: res.status, ok: res.status >= 200 && res.status <= 204, body, latencyMs: performance.now() - started };
  } catch (err) {
    if (ctx.scheduler.stopped()) throw new StoppedError();
    const name = (err as Error).name;
    const message = name === 'TimeoutError' ? `timeout after ${ctx.opts.webhookTimeoutMs} ms` : String((err as Error).message);
    result = { status: null, ok: false, body: '', latencyMs: performance.now() - started, error: message };
  }
  const stats = ctx.webhookStats[kind];
  if (result.status !== null) stats.add(result.latencyMs);
  if (!result.ok) stats.addError();
  const latencyMs = Math.round(result.latencyMs * 100) / 100;
  call.webhooks.push({ kind, url: rawUrl, attempt, at, fields, status: result.status, latencyMs, ...(result.error ? { error: result.error } : {}) });
  ctx.log(`${call.id} ${kind} #${attempt} → ${result.status ?? result.error} (${latencyMs} ms)`);
  return result;
};

export interface Delivery {
  /** Settles after the first attempt (true if it succeeded). */
  first: Promise<boolean>;
  /** Settles after the last attempt (true if any succeeded). */
  done: Promise<boolean>;
}

/**
 * Delivers a recording or hangup webhook, retrying a non-2xx or network error with exponential back-off
 * (webhookRetry.baseDelayMs simulated, doubled each time; real 46elks retries every 5 minutes for 24 h).
 */
export const deliver = (
  ctx: ElksContext,
  call: CallRecord,
  kind: WebhookKind,
  url: string,
  fields: Record<string, string>,
): Delivery => {
  let resolveFirst: (ok: boolean) => void = () => {};
  const first = new Promise<boolean>((resolve) => {
    resolveFirst = resolve;
  });
  const done = (async () => {
    const { attempts, baseDelayMs } = ctx.opts.webhookRetry;
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        const res = await postForm(ctx, call, kind, url, fields, attempt);
        if (attempt === 1) resolveFirst(res.ok);
        if (res.ok) return true;
        if (attempt < attempts) await ctx.scheduler.sleepSim(baseDelayMs * 2 ** (attempt - 1));
      }
      return false;
    } catch (err) {
      resolveFirst(false);
      if (err instanceof StoppedError) return false;
      throw err;
    }
  })();
  return { first, done };
};

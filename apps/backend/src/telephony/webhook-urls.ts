import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Every URL handed to 46elks carries who it is for and an HMAC token over exactly that, keyed by
 * WEBHOOK_SECRET: `?s=<session>&a=<attempt>[&n=<turn>][&p|f|r=1]&e=<expiry>&t=<token>`. The token
 * binds the webhook kind (the path), the session, the attempt, the turn, the step and the expiry,
 * so a voice-start URL does not work as a hangup URL, a turn's URL not for another turn, and no URL
 * for ever. The raw secret never appears in a URL.
 */

export type WebhookKind = 'voice-start' | 'next' | 'recording' | 'hangup';

/**
 * Which `next` a URL is: after the question's play (`p`), after an acknowledgement (`f`), a retry (`r`),
 * after the realtime WebSocket leg (`c`: the record loop continues the conversation).
 */
export type NextStep = { played?: boolean; ack?: boolean; retry?: boolean; connect?: boolean };

/**
 * How long a URL is honoured after it was made: 46elks retries recording and hangup webhooks "every
 * 5 minutes for 24h" (its webhook Swagger), after a call of a few minutes; 26 h covers both.
 */
export const WEBHOOK_URL_TTL_S = 26 * 3600;

export type WebhookTarget = { kind: WebhookKind; s: string; a: number; n?: number; step?: NextStep; e: number };

const stepCode = (step: NextStep = {}) => `${step.played ? 'p' : ''}${step.ack ? 'f' : ''}${step.retry ? 'r' : ''}${step.connect ? 'c' : ''}`;

export function webhookToken(secret: string, t: WebhookTarget): string {
  return createHmac('sha256', secret)
    .update(`${t.kind}|${t.s}|${t.a}|${t.n ?? ''}|${stepCode(t.step)}|${t.e}`)
    .digest('base64url');
}

/** True if `token` is ours for exactly this target and the URL has not expired at `nowMs`. */
export function verifyWebhookToken(secret: string, t: WebhookTarget, token: string, nowMs = Date.now()): boolean {
  if (t.e * 1000 < nowMs) return false;
  const expected = Buffer.from(webhookToken(secret, t));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function webhookUrl(
  publicBaseUrl: string,
  secret: string,
  kind: WebhookKind,
  sessionId: string,
  attemptNo: number,
  turn?: number,
  step: NextStep = {},
  nowMs = Date.now(),
): string {
  const e = Math.floor(nowMs / 1000) + WEBHOOK_URL_TTL_S;
  const url = new URL(`/webhooks/46elks/${kind}`, publicBaseUrl);
  url.searchParams.set('s', sessionId);
  url.searchParams.set('a', String(attemptNo));
  if (turn !== undefined) url.searchParams.set('n', String(turn));
  if (step.ack) url.searchParams.set('f', '1');
  if (step.played) url.searchParams.set('p', '1');
  if (step.retry) url.searchParams.set('r', '1');
  if (step.connect) url.searchParams.set('c', '1');
  url.searchParams.set('e', String(e));
  url.searchParams.set('t', webhookToken(secret, { kind, s: sessionId, a: attemptNo, ...(turn !== undefined ? { n: turn } : {}), step, e }));
  return url.toString();
}

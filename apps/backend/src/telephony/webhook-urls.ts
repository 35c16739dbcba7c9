import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Every URL handed to 46elks carries the session id, the attempt number and an HMAC token of
 * both (`?s=<id>&a=<n>&t=<hmac>`), keyed by WEBHOOK_SECRET. A forged or missing token is refused;
 * the raw secret never appears in a URL.
 */

export type WebhookKind = 'voice-start' | 'next' | 'recording' | 'hangup';

export function webhookToken(secret: string, sessionId: string, attemptNo: number): string {
  return createHmac('sha256', secret).update(`${sessionId}.${attemptNo}`).digest('base64url');
}

export function verifyWebhookToken(secret: string, sessionId: string, attemptNo: number, token: string): boolean {
  const expected = Buffer.from(webhookToken(secret, sessionId, attemptNo));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Which `next` a URL is: after the question's play (`p`), after an acknowledgement (`f`), a retry (`r`). */
export type NextStep = { played?: boolean; ack?: boolean; retry?: boolean };

export function webhookUrl(
  publicBaseUrl: string,
  secret: string,
  kind: WebhookKind,
  sessionId: string,
  attemptNo: number,
  turn?: number,
  step: NextStep = {},
): string {
  const url = new URL(`/webhooks/46elks/${kind}`, publicBaseUrl);
  url.searchParams.set('s', sessionId);
  url.searchParams.set('a', String(attemptNo));
  if (turn !== undefined) url.searchParams.set('n', String(turn));
  if (step.ack) url.searchParams.set('f', '1');
  if (step.played) url.searchParams.set('p', '1');
  if (step.retry) url.searchParams.set('r', '1');
  url.searchParams.set('t', webhookToken(secret, sessionId, attemptNo));
  return url.toString();
}

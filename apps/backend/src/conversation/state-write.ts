import type { Deps } from '../deps';
import { callKey } from './state';

/**
 * One webhook's writes in one round trip (a Lua script, atomic): bind the 46elks call id (refused,
 * with nothing written, when the state is bound to another call), set `once` fields if unset, claim
 * `slot` with `value` unless an earlier answer holds it, and — only when ours won — write `fields`.
 * A gone state (expired, finalised, erased) is never brought back: nothing is written.
 */
const WEBHOOK_WRITE = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'gone'} end
local callid = ARGV[1]
if callid ~= '' then
  local bound = redis.call('HGET', key, 'callid')
  if bound and bound ~= callid then return {'mismatch', bound} end
  if not bound then redis.call('HSET', key, 'callid', callid) end
end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  redis.call('HSETNX', key, ARGV[i], ARGV[i + 1])
  i = i + 2
end
if ARGV[2] ~= '' then
  if redis.call('HSETNX', key, ARGV[2], ARGV[i]) == 0 then return {'earlier', redis.call('HGET', key, ARGV[2])} end
  i = i + 1
end
if i <= #ARGV then redis.call('HSET', key, unpack(ARGV, i)) end
return {'ours'}
`;

type Ctx = Pick<Deps, 'redis' | 'key'>;

export type WebhookWrite = {
  /** The 46elks call id the webhook names (bound on first sight; another one is refused). */
  callId?: string;
  /** Fields set only if unset (e.g. answered_at). */
  once?: Record<string, string>;
  /** The answer's slot and value: the first writer wins, later ones get the earlier value. */
  slot?: { field: string; value: string };
  /** Written with our answer only. */
  fields?: Record<string, string>;
};
export type WebhookWriteResult =
  | { outcome: 'ours' | 'gone' }
  | { outcome: 'earlier'; value: string }
  | { outcome: 'mismatch'; bound: string };

export async function webhookWrite(ctx: Ctx, sessionId: string, attemptNo: number, w: WebhookWrite): Promise<WebhookWriteResult> {
  const once = Object.entries(w.once ?? {});
  const args = [w.callId ?? '', w.slot?.field ?? '', String(once.length), ...once.flat()];
  if (w.slot) args.push(w.slot.value);
  args.push(...Object.entries(w.fields ?? {}).flat());
  // Plain EVAL (Redis caches the compiled script by its hash): EVALSHA's NOSCRIPT fallback breaks inside
  // ioredis' auto-pipelining, and every Redis restart would bring NOSCRIPT back.
  const [outcome, value] = (await ctx.redis.eval(WEBHOOK_WRITE, 1, callKey(ctx, sessionId, attemptNo), ...args)) as [string, string?];
  if (outcome === 'earlier') return { outcome, value: value ?? '' };
  if (outcome === 'mismatch') return { outcome, bound: value ?? '' };
  return { outcome: outcome === 'gone' ? 'gone' : 'ours' };
}

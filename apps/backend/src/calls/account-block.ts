import type { Deps } from '../deps';

/**
 * When 46elks refuses calls for the whole account — the balance reached 0 ("any API call that would
 * result in your account being charged will fail", its FAQ), or the credentials are refused — no
 * customer is to blame and no attempt is spent: dialling waits, shared by every instance through one
 * Redis key, with a back-off that doubles from ELKS_BLOCKED_BACKOFF's first to its last delay. The
 * first create after the wait is the probe; a success clears the block and every session goes on.
 */

export type AccountBlock = { reason: string; since: Date; until: Date; level: number };
type Ctx = Pick<Deps, 'redis' | 'key' | 'config' | 'log' | 'metrics'>;

const blockKey = (ctx: Pick<Deps, 'key'>) => ctx.key('elks', 'account-blocked');

export async function readAccountBlock(ctx: Pick<Deps, 'redis' | 'key'>): Promise<AccountBlock | null> {
  const raw = await ctx.redis.hgetall(blockKey(ctx));
  if (!raw.until) return null;
  const until = new Date(Number(raw.until));
  return { reason: raw.reason ?? '', since: new Date(Number(raw.since)), until, level: Number(raw.level ?? 0) };
}

/** Records a refusal; returns when the next create may be tried. */
export async function blockAccount(ctx: Ctx, reason: string, now: Date): Promise<AccountBlock> {
  const current = await readAccountBlock(ctx);
  const [first, max] = ctx.config.ELKS_BLOCKED_BACKOFF;
  // Several dials refused at once count as one step of the back-off.
  const level = current && current.until.getTime() > now.getTime() ? current.level : (current?.level ?? -1) + 1;
  const delay = Math.min(max, first * 2 ** level);
  const block: AccountBlock = { reason, since: current?.since ?? now, until: new Date(now.getTime() + delay), level };
  const key = blockKey(ctx);
  // The key outlives `until` (so the level survives until a create succeeds), but not for ever.
  await ctx.redis
    .multi()
    .hset(key, { reason, since: String(block.since.getTime()), until: String(block.until.getTime()), level: String(level) })
    .pexpire(key, Math.max(delay * 4, 3_600_000))
    .exec();
  ctx.log.error('46elks refuses calls for the account: dialling waits, no attempt is spent', {
    reason,
    until: block.until.toISOString(),
    blockedSince: block.since.toISOString(),
    action: 'top up the 46elks balance or fix ELKS_USERNAME/ELKS_PASSWORD; calls resume by themselves',
  });
  return block;
}

/** A create went through: the account can call again. */
export async function clearAccountBlock(ctx: Ctx): Promise<void> {
  const cleared = await ctx.redis.del(blockKey(ctx));
  if (cleared > 0) ctx.log.warn('46elks accepts calls again: dialling resumes');
}

/** A block still in force at `now` (its delay not yet over), or null. */
export async function activeAccountBlock(ctx: Pick<Deps, 'redis' | 'key'>, now: Date): Promise<AccountBlock | null> {
  const block = await readAccountBlock(ctx);
  return block && block.until.getTime() > now.getTime() ? block : null;
}

import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { decideOpening } from '../conversation/dialogue';
import { resumeDecision } from '../conversation/realtime-dialogue';
import type { CallSnapshot } from '../conversation/state';
import type { ElksAction } from './actions';
import { answerOnce, type Ctx, hookFor, storeOnce } from './webhook-answers';

/**
 * Which transport a call's conversation takes, chosen at answer time from local state only (no
 * OpenAI round trip): CALL_TRANSPORT=record → the record loop; realtime → 46elks connects the call to
 * our WebSocket number; auto → realtime while the realtime circuit is closed and fewer than
 * REALTIME_MAX_CALLS are bridged, else the record loop. The realtime leg's `next` is the record
 * loop's: if the leg fails or ends early, the same conversation continues there.
 */

/** Redis keys shared with the realtime socket (realtime/attach.ts). */
export const realtimeKeys = (ctx: Pick<Ctx, 'key'>) => ({
  /** elks call id → "<session>:<attempt>", for 46elks' hello (60 s). */
  awaiting: (callId: string) => ctx.key('rt', 'await', callId),
  /** Set (with a TTL) when the OpenAI realtime leg failed: `auto` sends calls to the record loop meanwhile. */
  circuit: ctx.key('rt', 'circuit'),
  /** Bridged calls: member "<session>:<attempt>", score = the time it stops counting (ms). */
  active: ctx.key('rt', 'active'),
});

/** The session's place in the rollout, 0–99: stable for a session, spread evenly over sessions. */
const rolloutSlot = (sessionId: string): number => createHash('sha256').update(sessionId).digest().readUInt16BE(0) % 100;

async function realtimeChosen(ctx: Ctx, sessionId: string): Promise<boolean> {
  const mode = ctx.config.CALL_TRANSPORT;
  if (mode === 'record' || !ctx.config.ELKS_WEBSOCKET_NUMBER) return false;
  if (rolloutSlot(sessionId) >= ctx.config.REALTIME_PERCENT) return false;
  if (mode === 'realtime') return true;
  const keys = realtimeKeys(ctx);
  const [open, active] = await Promise.all([ctx.redis.exists(keys.circuit), ctx.redis.zcount(keys.active, Date.now(), '+inf')]);
  return open === 0 && active < ctx.config.REALTIME_MAX_CALLS;
}

/** voice-start's answer: the realtime leg (connect + the record loop's next) or the record loop's first action. */
export async function openingAnswer(ctx: Ctx, req: Request, snap: CallSnapshot, callId: string | undefined): Promise<ElksAction> {
  const binding = { req, callId, once: { answered_at: String(Date.now()) } };
  const d = decideOpening(snap);
  const elksCallId = callId ?? snap.callId ?? undefined;
  if (d.type !== 'ask' || !elksCallId || !(await realtimeChosen(ctx, snap.meta.sessionId))) return answerOnce(ctx, snap, 'resp:start', d, {}, binding);
  const action: ElksAction = {
    connect: ctx.config.ELKS_WEBSOCKET_NUMBER!,
    next: hookFor(ctx, snap)('next', 0, { connect: true }),
  };
  const fields = { transport: 'realtime', [`ask:${d.turn}`]: d.promptId, [`rl:${d.turn}`]: String(d.recordLimitS) };
  const correlate = ctx.redis.set(realtimeKeys(ctx).awaiting(elksCallId), `${snap.meta.sessionId}:${snap.meta.attemptNo}`, 'EX', 60);
  const [stored] = await Promise.all([storeOnce(ctx, snap, 'resp:start', action, fields, binding), correlate]);
  return stored;
}

/** 46elks' `next` after the realtime leg: hang up if the dialogue ended there, else continue in the record loop. */
export async function afterRealtimeLeg(ctx: Ctx, req: Request, snap: CallSnapshot, result: string | undefined): Promise<ElksAction> {
  const d = resumeDecision(snap);
  const log = { callId: snap.meta.sessionId, attemptNo: snap.meta.attemptNo, result: result ?? null };
  if (d.type === 'ask') {
    ctx.metrics.realtimeFallbacks.inc({ stage: d.turn === 0 ? 'before_consent' : 'mid_call' });
    req.log.warn('the realtime leg ended early: the record loop continues the conversation', { ...log, turn: d.turn });
    return answerOnce(ctx, snap, 'resp:c', d, { 'rt:resume': String(d.turn) });
  }
  req.log.info('the realtime leg ended with the conversation', log);
  return answerOnce(ctx, snap, 'resp:c', d);
}

import { summarize } from '../shared/stats';
import { type CallRecord, type ElksContext, WEBHOOK_KINDS } from './state';

/** 46elks' Call JSON (GET /a1/calls/:id): `start`/`duration`/`cost`/`actions` only when answered. */
export const elksCallJson = (ctx: ElksContext, call: CallRecord): Record<string, unknown> => {
  const out: Record<string, unknown> = {
    id: call.id,
    direction: call.direction,
    from: call.from,
    to: call.to,
    created: call.created,
    state: call.state,
    timeout: call.timeout,
    owner: ctx.opts.elksUsername,
  };
  if (call.answered && call.start) {
    out.start = call.start;
    if (call.state !== 'ongoing') {
      out.duration = call.duration;
      out.cost = call.cost;
    }
    out.actions = call.actions;
  }
  return out;
};

/** The simulator's full record of a call (GET /sim/calls/:id, elks.getCall). */
export const callView = (ctx: ElksContext, call: CallRecord) => ({
  id: call.id,
  persona: call.persona,
  direction: call.direction,
  from: call.from,
  to: call.to,
  created: call.created,
  start: call.start ?? null,
  ended: call.ended ?? null,
  state: call.state,
  answered: call.answered,
  duration: call.duration ?? null,
  cost: call.cost ?? null,
  timeout: call.timeout,
  endReason: call.endReason ?? null,
  voiceStart: call.voiceStart,
  whenhangup: call.whenhangup,
  actions: call.actions,
  played: call.played,
  said: call.said,
  recordings: call.recordings.flatMap((id) => {
    const rec = ctx.recordings.get(id);
    return rec
      ? [{ id: rec.id, wav: rec.wav, target: rec.target, text: rec.text, duration: rec.duration, exactSec: rec.exactSec, created: rec.created, delivered: rec.delivered, downloads: rec.downloads }]
      : [];
  }),
  webhooks: call.webhooks,
  warnings: call.warnings,
  hangupDeliveries: call.hangupDeliveries,
  settled: call.settled,
  /** The realtime WebSocket leg (null when the call never connected to a WebSocket number). */
  realtime: call.realtime ? { ...call.realtime, counts: { ...call.realtime.counts } } : null,
});

export type CallView = ReturnType<typeof callView>;

/** GET /sim/stats and elks.stats(). */
export const elksStats = (ctx: ElksContext) => {
  const byState: Record<string, number> = { ongoing: 0, success: 0, busy: 0, failed: 0 };
  for (const call of ctx.calls.values()) byState[call.state] = (byState[call.state] ?? 0) + 1;
  let all: number[] = [];
  let errors = 0;
  const byKind: Record<string, ReturnType<typeof summarize>> = {};
  for (const kind of WEBHOOK_KINDS) {
    const stats = ctx.webhookStats[kind];
    const summary = stats.summary();
    byKind[kind] = summary;
    all = all.concat(stats.samples());
    errors += summary.errors;
  }
  let downloads = 0;
  for (const rec of ctx.recordings.values()) downloads += rec.downloads;
  return {
    calls: { total: ctx.calls.size, active: byState.ongoing ?? 0, by_state: byState },
    webhooks: { ...summarize(all, errors), by_kind: byKind },
    audio: {
      fetches: ctx.audioStats.fetches,
      cache_hits: ctx.audioStats.cacheHits,
      failures: ctx.audioStats.failures,
      ...summarize(ctx.audioStats.latency.samples()),
    },
    recordings: { total: ctx.recordings.size, downloads },
  };
};

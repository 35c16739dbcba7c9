import type { Queue } from 'bullmq';
import type { CallView, PersonaName } from '@samtal/simulator';
import type { Sql } from '../../src/db/client';
import { callKey } from '../../src/conversation/state';
import { jobId, type JobName } from '../../src/jobs/queues';
import { HANG_UP } from '../../src/telephony/actions';
import { waitForRun } from '../analysis/helpers';
import { GROCERY, HARDWARE, nextPhone, type Stack, startStack, verificationEvent, waitForFinal } from '../helpers/stack';
import { FAST_RETRIES, type Footprint, footprint, until } from './support/drill';
import { expectNoPhoneNumbers } from './support/log-guard';

/**
 * Drill: 1,000 replayed webhooks → no duplicate attempt, transcript, grade or reward.
 *
 * 46elks retries recording and hangup webhooks for a day, sends an occasional hangup twice on its
 * own, and a proxy or a replay attack can resend anything; Supabase re-delivers database webhooks.
 * A handful of real calls run to the end through the simulators (which speak the real protocols and
 * record every webhook they sent); then exactly what 46elks sent — same URL with its token, same
 * form fields — is POSTed again about a thousand times: in order, shuffled, in parallel bursts of the
 * same webhook, and once more after BullMQ has forgotten the completed jobs (as it does past
 * `removeOnComplete`), so the job handlers themselves — not only the job-id dedup — must hold.
 * Interleaved: the verification event and POST /api/ai/calls/initiate, replayed with the same record.
 *
 * Every replay is answered as a repeat (no 5xx, no 4xx):
 *   voice_start / next → 200 with a JSON action; once the call is over that action is the hang-up;
 *   recording / hangup → 204; verification event / initiate → 200 (a repeat, not 202) with the same session.
 * And nothing changes: every row the calls left (sessions, attempts, transcript messages, quality
 * metrics, grades, fraud checks, rewards and their ledger, analysis runs) is byte-for-byte the same,
 * 46elks was asked for no new call, no analysis job ran again, no live-call state came back in Redis.
 *
 * Last, replays of every webhook a call has sent so far hit two fresh calls while they are still in
 * progress (with the simulator's own duplicate hangups): each still completes exactly once.
 */

type Replay = { callId: string; kind: CallView['webhooks'][number]['kind']; url: string; fields: Record<string, string> };
type Answer = { kind: string; url: string; status: number; body: string };
type Session = { persona: PersonaName; phone: string; sessionId: string; record: Record<string, unknown> };

const HANG_UP_BODY = JSON.stringify(HANG_UP);
/**
 * A third store (a copy of the grocery) for the two calls placed mid-replay. The fraud `pattern`
 * check flags a transcript that nearly repeats another call's at the same store, and a simulator
 * persona draws on a few lines per topic, so two calls of one persona at one store may rightly lose
 * their reward. Each store therefore gets at most one `engaged` and one `negative_specific` call: all
 * of them qualify, and the reward path is exercised rather than skipped by a fraud verdict.
 */
const BRANCH = '50000000-0000-4000-8000-0000000000c1';
const QUEUES: JobName[] = ['dial', 'stt', 'hangup', 'analyze'];
/** What a replay must be answered with: a repeat, never an error. */
const EXPECTED: Record<string, number> = { voice_start: 200, next: 200, recording: 204, hangup: 204, verification: 200, initiate: 200 };

/** A seeded shuffle (mulberry32), so a failing order can be run again. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs `tasks` with at most `width` in flight. */
async function inBatches<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < tasks.length; i += width) out.push(...(await Promise.all(tasks.slice(i, i + width).map((t) => t()))));
  return out;
}

/**
 * Every row the given sessions left, as JSON text, in a stable order: the exactly-once check
 * compares two of these. Any second row, or any update of a row (even of updated_at), shows.
 */
async function rowsOf(sql: Sql, ids: string[]): Promise<string[]> {
  const rows = await sql<{ t: string; row: string }[]>`
    with s as (select * from feedback_call_sessions where id in ${sql(ids)})
    select 'session' as t, to_jsonb(s)::text as row from s
    union all select 'verification', to_jsonb(v)::text from customer_verifications v where v.id in (select customer_verification_id from s)
    union all select 'attempt', to_jsonb(x)::text from call_attempts x where x.call_session_id in (select id from s)
    union all select 'message', to_jsonb(x)::text from conversation_transcripts x where x.call_session_id in (select id from s)
    union all select 'metrics', to_jsonb(x)::text from call_quality_metrics x where x.call_session_id in (select id from s)
    union all select 'grade', to_jsonb(x)::text from quality_assessments x where x.call_session_id in (select id from s)
    union all select 'check', to_jsonb(x)::text from fraud_detection_results x where x.call_session_id in (select id from s)
    union all select 'reward', to_jsonb(x)::text from rewards x where x.call_session_id in (select id from s)
    union all select 'ledger', to_jsonb(e)::text from reward_ledger_events e join rewards r on r.id = e.reward_id where r.call_session_id in (select id from s)
    union all select 'run', to_jsonb(x)::text from analysis_runs x where x.call_session_id in (select id from s)
    order by 1, 2`;
  return rows.map((r) => `${r.t} ${r.row}`);
}

/** Row counts of the whole (private) database: a second session or call for anyone would show. */
async function tableCounts(sql: Sql): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, number>[]>`
    select
      (select count(*) from customer_verifications)::int as verifications,
      (select count(*) from feedback_call_sessions)::int as sessions,
      (select count(*) from call_attempts)::int as attempts,
      (select count(*) from conversation_transcripts)::int as messages,
      (select count(*) from quality_assessments)::int as grades,
      (select count(*) from fraud_detection_results)::int as checks,
      (select count(*) from rewards)::int as rewards,
      (select count(*) from reward_ledger_events)::int as ledger,
      (select count(*) from analysis_runs)::int as runs`;
  return row!;
}

describe('drill: 1,000 replayed webhooks → no duplicate attempt, transcript, grade or reward', () => {
  let stack: Stack;
  const phones: string[] = [];
  const answers: Answer[] = [];
  const done: Session[] = [];
  let pool: Replay[] = [];
  let before: { rows: string[]; counts: Record<string, number>; footprints: Footprint[]; elksCalls: number; failedJobs: number };

  beforeAll(async () => {
    stack = await startStack({ sim: { duplicateHangupRate: 0.5 }, env: { RETRY_BACKOFF: FAST_RETRIES } });
    const { sql } = stack.deps;
    await sql`insert into stores (id, business_id, name, store_type)
              select ${BRANCH}, business_id, 'Lindqvists Livs Söder', store_type from stores where id = ${GROCERY}`;
    await sql`insert into business_context_profiles
                (store_id, departments, question_configuration, operating_hours, baseline_facts, context_completeness_score)
              select ${BRANCH}, departments, question_configuration, operating_hours, baseline_facts, context_completeness_score
              from business_context_profiles where store_id = ${GROCERY}`;
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** POSTs one webhook exactly as 46elks does: form-encoded, to the URL it was given. */
  const replay = async (w: Replay): Promise<Answer> => {
    const res = await fetch(w.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': '46elks/replay' },
      body: new URLSearchParams(w.fields).toString(),
    });
    const answer = { kind: w.kind, url: w.url, status: res.status, body: await res.text() };
    answers.push(answer);
    return answer;
  };

  const postVerificationRecord = async (record: Record<string, unknown>): Promise<Answer> => {
    const res = await fetch(`${stack.baseUrl}/webhooks/verification`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.config.VERIFICATION_WEBHOOK_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify(verificationEvent(record)),
    });
    const answer = { kind: 'verification', url: String(record.id), status: res.status, body: await res.text() };
    answers.push(answer);
    return answer;
  };

  const postInitiate = async (s: Session): Promise<Answer> => {
    const res = await fetch(`${stack.baseUrl}/api/ai/calls/initiate`, {
      method: 'POST',
      headers: { 'x-api-key': stack.config.ADMIN_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ customer_verification_id: s.record.id, phone_number: s.phone, store_id: s.record.store_id }),
    });
    const answer = { kind: 'initiate', url: s.sessionId, status: res.status, body: await res.text() };
    answers.push(answer);
    return answer;
  };

  /** A verification whose call then runs for real through the simulators. */
  const startCall = async (persona: PersonaName, storeId = GROCERY): Promise<Session> => {
    const phone = nextPhone();
    phones.push(phone);
    stack.sim.elks.setPersona(phone, persona);
    const record = {
      id: crypto.randomUUID(),
      store_id: storeId,
      phone_number: phone,
      transaction_amount: 312.5,
      transaction_time: new Date(Date.now() - 10 * 60_000).toISOString(),
      verification_status: 'verified',
      verified_at: new Date().toISOString(),
    };
    const res = await fetch(`${stack.baseUrl}/webhooks/verification`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.config.VERIFICATION_WEBHOOK_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify(verificationEvent(record)),
    });
    expect(res.status).toBe(202);
    const { call_session_id } = (await res.json()) as { call_session_id: string };
    return { persona, phone, sessionId: call_session_id, record };
  };

  /** Waits until the session is final, every 46elks call of it settled, and a completed one graded. */
  const settle = async (s: Session) => {
    const final = await waitForFinal(stack, s.sessionId, 90_000);
    for (const c of stack.sim.elks.listCalls({ to: s.phone })) await stack.sim.elks.waitForCall(c.id, { timeoutMs: 60_000 });
    if (final.session_status === 'completed') await waitForRun(() => stack.deps, s.sessionId, (r) => r.status === 'completed', 60_000);
    return final;
  };

  const queue = (name: JobName): Queue => stack.deps.queues[name];

  const busyJobs = async () => {
    let n = 0;
    for (const name of QUEUES) {
      const c = await queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      n += Object.values(c).reduce((a, b) => a + b, 0);
    }
    return n;
  };
  const failedJobs = async () => {
    let n = 0;
    for (const name of QUEUES) n += (await queue(name).getJobCounts('failed')).failed ?? 0;
    return n;
  };

  /** Live-call state hashes of any attempt of these sessions still (or again) in Redis. */
  const liveKeys = async (ids: string[]) => {
    const keys = ids.flatMap((id) => [1, 2, 3].map((a) => callKey(stack.deps, id, a)));
    const exist = await Promise.all(keys.map(async (k) => ((await stack.deps.redis.exists(k)) ? k : null)));
    return exist.filter((k): k is string => k !== null);
  };

  const sessionIds = () => done.map((s) => s.sessionId);

  const snapshot = async () => ({
    rows: await rowsOf(stack.deps.sql, sessionIds()),
    counts: await tableCounts(stack.deps.sql),
    footprints: await Promise.all(done.map((s) => footprint(stack.deps.sql, s.sessionId))),
    elksCalls: stack.sim.elks.listCalls().length,
    failedJobs: await failedJobs(),
  });

  const expectUnchanged = async () => {
    await until('every job a replay caused to run', async () => (await busyJobs()) === 0, 60_000);
    const after = await snapshot();
    expect(after.footprints).toEqual(before.footprints);
    expect(after.counts).toEqual(before.counts);
    expect(after.elksCalls).toBe(before.elksCalls);
    expect(after.failedJobs).toBe(before.failedJobs);
    expect(after.rows).toEqual(before.rows);
    for (const s of done) expect(stack.sim.elks.listCalls({ to: s.phone })).toHaveLength(s.persona === 'busy' ? 3 : 1);
    expect(await liveKeys(sessionIds())).toEqual([]);
  };

  /** Every answer so far was the repeat answer of its kind; a finished call is told to hang up. */
  const expectRepeatAnswers = (list: Answer[], finished: boolean) => {
    const wrong = list.filter((a) => a.status !== EXPECTED[a.kind]);
    expect(wrong.slice(0, 5)).toEqual([]);
    if (finished) {
      const notHangUp = list.filter((a) => (a.kind === 'voice_start' || a.kind === 'next') && a.body !== HANG_UP_BODY);
      expect(notHangUp.slice(0, 5)).toEqual([]);
    }
  };

  /** One reward iff the grade qualifies, with the grade's percentage, and its two ledger events. */
  const expectRewardOnce = async (sessionId: string) => {
    const [grade] = await stack.deps.sql<{ qualifies_for_reward: boolean; reward_percentage: string }[]>`
      select qualifies_for_reward, reward_percentage from quality_assessments where call_session_id = ${sessionId}`;
    const rewards = await stack.deps.sql<{ reward_percentage: string; state: string }[]>`
      select reward_percentage, state from rewards where call_session_id = ${sessionId}`;
    expect(grade).toMatchObject({ qualifies_for_reward: true });
    expect(rewards).toEqual([{ reward_percentage: grade!.reward_percentage, state: 'approved' }]);
    expect(await footprint(stack.deps.sql, sessionId)).toMatchObject({ sessions: 1, attempts: 1, grades: 1, rewards: 1, ledger: 2 });
  };

  it('a handful of real calls run to the end: completed and graded, busy, declined', async () => {
    const personas: Array<[PersonaName, string]> = [
      ['engaged', GROCERY],
      ['negative_specific', GROCERY],
      ['brief', GROCERY],
      ['busy', GROCERY],
      ['engaged', HARDWARE],
      ['negative_specific', HARDWARE],
      ['fraud', HARDWARE],
      ['declines', HARDWARE],
    ];
    done.push(...(await Promise.all(personas.map(([p, store]) => startCall(p, store)))));
    const finals = await Promise.all(done.map(settle));
    await until('the queues to be idle', async () => (await busyJobs()) === 0);

    const byPersona = (p: PersonaName) => done.flatMap((s, i) => (s.persona === p ? [[s, finals[i]!] as const] : []));
    for (const [s, final] of [...byPersona('engaged'), ...byPersona('negative_specific')]) {
      expect(final).toMatchObject({ session_status: 'completed', retry_count: 1 });
      await expectRewardOnce(s.sessionId);
    }
    for (const [s, final] of [...byPersona('brief'), ...byPersona('fraud')]) {
      expect(final).toMatchObject({ session_status: 'completed', retry_count: 1 });
      expect(await footprint(stack.deps.sql, s.sessionId)).toMatchObject({ sessions: 1, attempts: 1, grades: 1, rewards: 0 });
    }
    expect(byPersona('busy')[0]![1]).toMatchObject({ session_status: 'failed', retry_count: 3 });
    expect(byPersona('declines')[0]![1]).toMatchObject({ session_status: 'declined' });

    // The recorded pool: every webhook 46elks sent for these calls (retries and duplicate hangups included).
    pool = done.flatMap((s) =>
      stack.sim.elks.listCalls({ to: s.phone }).flatMap((c) => c.webhooks.map((w) => ({ callId: c.id, kind: w.kind, url: w.url, fields: w.fields }))),
    );
    const kinds = new Set(pool.map((w) => w.kind));
    expect([...kinds].sort()).toEqual(['hangup', 'next', 'recording', 'voice_start']);
    // Every one of them was answered the first time round.
    const firstTime = done.flatMap((s) => stack.sim.elks.listCalls({ to: s.phone }).flatMap((c) => c.webhooks));
    expect(firstTime.filter((w) => w.status === null || w.status >= 300)).toEqual([]);

    before = await snapshot();
    expect(before.counts.sessions).toBe(done.length);
    expect(await liveKeys(sessionIds())).toEqual([]);
  }, 180_000);

  it('≥ 1,000 replays — in order, shuffled, in parallel bursts, after BullMQ forgot its jobs — change nothing', async () => {
    const startedAt = Date.now();
    const byCall = new Map<string, Replay[]>();
    for (const w of pool) byCall.set(w.callId, [...(byCall.get(w.callId) ?? []), w]);
    const analyzeBefore = await Promise.all(
      done.map(async (s) => {
        const job = await queue('analyze').getJob(jobId.analyze(s.sessionId));
        return job ? { attemptsMade: job.attemptsMade, finishedOn: job.finishedOn, returnvalue: job.returnvalue as unknown } : null;
      }),
    );
    // One finished analyze job per graded call (engaged ×2, negative_specific ×2, brief, fraud).
    expect(before.counts.runs).toBe(6);
    expect(analyzeBefore.filter(Boolean)).toHaveLength(6);

    // Alongside every round: the verification event (the same record) and initiate, replayed.
    const sideReplays = (round: number) =>
      shuffled(done, round).flatMap((s) => [() => postVerificationRecord(s.record), () => postVerificationRecord(s.record), () => postInitiate(s)]);

    // 1. Each call's webhooks again, in the order 46elks sent them; the calls side by side.
    await Promise.all([
      ...[...byCall.values()].map(async (list) => {
        for (const w of list) await replay(w);
      }),
      inBatches(sideReplays(1), 8),
    ]);

    // 2. Shuffled, several times, 32 in flight.
    const shuffles = Math.max(2, Math.ceil(350 / pool.length));
    for (let round = 0; round < shuffles; round++) {
      await Promise.all([inBatches(shuffled(pool, 100 + round).map((w) => () => replay(w)), 32), inBatches(sideReplays(2 + round), 8)]);
    }

    // 3. Bursts: the same webhook four times at once, eight webhooks at a time.
    const bursts = shuffled(pool, 7).map((w) => () => Promise.all([replay(w), replay(w), replay(w), replay(w)]));
    await Promise.all([inBatches(bursts, 8), inBatches(sideReplays(50), 8)]);
    expectRepeatAnswers(answers, true);
    await expectUnchanged();

    // The analysis jobs were not run again (the retained job ids deduplicated nothing new either).
    const analyzeMid = await Promise.all(
      done.map(async (s) => {
        const job = await queue('analyze').getJob(jobId.analyze(s.sessionId));
        return job ? { attemptsMade: job.attemptsMade, finishedOn: job.finishedOn, returnvalue: job.returnvalue as unknown } : null;
      }),
    );
    expect(analyzeMid).toEqual(analyzeBefore);

    // 4. BullMQ forgets completed jobs (removeOnComplete: 5,000 jobs or a day; 46elks retries for a day):
    //    now a replayed hangup really runs its handler again, and it must see a duplicate; a replayed
    //    recording of a settled call is answered without a job at all (nothing is fetched).
    for (const name of QUEUES) await queue(name).clean(0, 100_000, 'completed');
    const forgotten = shuffled(pool, 99).map((w) => () => Promise.all([replay(w), replay(w), replay(w)]));
    await Promise.all([inBatches(forgotten, 10), inBatches(sideReplays(60), 8)]);
    await until('the re-created hangup jobs to run', async () => (await busyJobs()) === 0, 60_000);
    const rerun = async (name: JobName) => (await queue(name).getJobs(['completed'], 0, 10_000)).map((j) => j.returnvalue as unknown);
    const hangups = await rerun('hangup');
    const stts = await rerun('stt');
    expect(hangups.length).toBe(new Set(pool.filter((w) => w.kind === 'hangup').map((w) => w.url)).size);
    expect(new Set(hangups)).toEqual(new Set(['duplicate']));
    expect(stts).toEqual([]);
    // Nothing enqueued an analysis or a dial again.
    expect(await rerun('analyze')).toEqual([]);
    expect(await rerun('dial')).toEqual([]);

    expectRepeatAnswers(answers, true);
    await expectUnchanged();

    // The side replays got the same session back each time, with its final status.
    const statuses = new Map(
      (await stack.deps.sql<{ id: string; session_status: string }[]>`
        select id, session_status from feedback_call_sessions where id in ${stack.deps.sql(sessionIds())}`).map((r) => [r.id, r.session_status]),
    );
    for (const a of answers.filter((x) => x.kind === 'verification' || x.kind === 'initiate')) {
      const body = JSON.parse(a.body) as { call_session_id: string; status: string };
      const s = done.find((d) => (a.kind === 'verification' ? d.record.id === a.url : d.sessionId === a.url))!;
      expect(body).toMatchObject({ call_session_id: s.sessionId, status: statuses.get(s.sessionId) });
    }
    const count = (k: string) => answers.filter((a) => a.kind === k).length;
    const webhookReplays = answers.length - count('verification') - count('initiate');
    console.log(
      `replayed ${answers.length} requests in ${Date.now() - startedAt} ms: ${webhookReplays} webhooks of ${pool.length} recorded ` +
        `(voice_start ${count('voice_start')}, next ${count('next')}, recording ${count('recording')}, hangup ${count('hangup')}), ` +
        `verification ${count('verification')}, initiate ${count('initiate')}`,
    );
    expect(webhookReplays).toBeGreaterThanOrEqual(1_000);
  }, 180_000);

  it('replays hitting two calls while they are in progress: each still completes exactly once', async () => {
    const live = await Promise.all([startCall('engaged', BRANCH), startCall('negative_specific', BRANCH)]);
    const seen = new Set<string>();
    const inflight: Array<Promise<unknown>> = [];
    const liveAnswers: Answer[] = [];
    let background = 0;
    const replayLive = (w: Replay) =>
      inflight.push(
        Promise.all([replay(w), replay(w), replay(w)]).then((list) => {
          liveAnswers.push(...list);
        }),
      );

    // Every webhook a live call has sent (and had answered) is replayed three times at once as soon as
    // it shows up, with old calls' webhooks replayed alongside, until both calls are over.
    await until(
      'both live calls to end and settle',
      async () => {
        for (const s of live) {
          for (const c of stack.sim.elks.listCalls({ to: s.phone })) {
            c.webhooks.forEach((w, i) => {
              const key = `${c.id}#${i}`;
              if (w.status === null || seen.has(key)) return;
              seen.add(key);
              replayLive({ callId: c.id, kind: w.kind, url: w.url, fields: w.fields });
            });
          }
        }
        for (const w of shuffled(pool, background++).slice(0, 4)) inflight.push(replay(w));
        const finals = await Promise.all(
          live.map(async (s) => {
            const [row] = await stack.deps.sql<{ session_status: string }[]>`
              select session_status from feedback_call_sessions where id = ${s.sessionId}`;
            return row?.session_status !== 'in_progress' && row?.session_status !== 'pending';
          }),
        );
        return finals.every(Boolean) && live.every((s) => stack.sim.elks.listCalls({ to: s.phone }).every((c) => c.settled));
      },
      90_000,
    );
    // The last webhooks (the hangups) are replayed too.
    for (const s of live) {
      for (const c of stack.sim.elks.listCalls({ to: s.phone })) {
        c.webhooks.forEach((w, i) => {
          if (!seen.has(`${c.id}#${i}`)) replayLive({ callId: c.id, kind: w.kind, url: w.url, fields: w.fields });
        });
      }
    }
    await Promise.all(inflight);

    // Replays really landed mid-call: some voice_start/next replays got the live answer, not the hang-up.
    const midCall = liveAnswers.filter((a) => (a.kind === 'voice_start' || a.kind === 'next') && a.body !== HANG_UP_BODY);
    expect(midCall.length).toBeGreaterThan(5);
    // A replayed voice_start/next mid-call gets the very answer the first one got (never a second turn).
    const perUrl = new Map<string, Set<string>>();
    for (const a of midCall) perUrl.set(a.url, (perUrl.get(a.url) ?? new Set()).add(a.body));
    expect([...perUrl.values()].filter((bodies) => bodies.size > 1)).toEqual([]);
    expectRepeatAnswers(liveAnswers, false);
    console.log(`replayed ${liveAnswers.length} webhooks of the two live calls (${midCall.length} answered mid-call), ${background} background rounds`);
    expectRepeatAnswers(answers, false);

    for (const s of live) {
      expect(await waitForFinal(stack, s.sessionId)).toMatchObject({ session_status: 'completed', retry_count: 1 });
      expect(await waitForRun(() => stack.deps, s.sessionId, (r) => r.status === 'completed')).toMatchObject({ attempts: 1, failure_kind: null });
      const calls = stack.sim.elks.listCalls({ to: s.phone });
      expect(calls).toHaveLength(1);
      const call = calls[0]!;
      expect(call.state).toBe('success');
      // 46elks' own deliveries were all answered, and the conversation went as the customer spoke it.
      expect(call.webhooks.filter((w) => w.status === null || w.status >= 300)).toEqual([]);
      const customer = await stack.deps.sql<{ content: string }[]>`
        select content from conversation_transcripts where call_session_id = ${s.sessionId} and speaker = 'customer' order by message_order`;
      expect(customer.map((m) => m.content)).toEqual(call.said.map((x) => x.text));
      const orders = await stack.deps.sql<{ n: number; distinct_orders: number }[]>`
        select count(*)::int as n, count(distinct message_order)::int as distinct_orders
        from conversation_transcripts where call_session_id = ${s.sessionId}`;
      expect(orders[0]!.n).toBe(orders[0]!.distinct_orders);
      await expectRewardOnce(s.sessionId);
    }
    await until('the queues to be idle', async () => (await busyJobs()) === 0);
    expect(await liveKeys(live.map((s) => s.sessionId))).toEqual([]);
    expect(stack.sim.elks.listCalls().length).toBe(before.elksCalls + 2);
    // The calls of the first test were hit again meanwhile: still untouched.
    expect(await rowsOf(stack.deps.sql, sessionIds())).toEqual(before.rows);
  }, 180_000);

  it('no log line carries a phone number', () => {
    expect(stack.logs.length).toBeGreaterThan(100);
    expectNoPhoneNumbers(stack.logs, phones);
  });
});

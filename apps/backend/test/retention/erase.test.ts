import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { handleHangup } from '../../src/calls/outcome';
import { phoneHash } from '../../src/calls/phone';
import { enqueue, jobId } from '../../src/jobs/queues';
import { MAX_TURN, NOT_PERSONAL, type Place, SESSION_PLACES, sessionJobs, sessionKeys } from '../../src/retention/erase';
import { CHILD_TABLES, PURGE_TABLES } from '../../src/retention/purge.repo';
import { WebhookQuery } from '../../src/telephony/webhooks.routes';
import { seedCompletedCall } from '../analysis/helpers';
import { fireVerification, GROCERY, HARDWARE, insertVerification, nextPhone, type Stack, startStack } from '../helpers/stack';

/**
 * Erasure on request (DESIGN §4 Privacy; retention/erase.ts): a session with personal data in every
 * place — every table and Redis — is erased, then every table of the schema (each row as text, so
 * every column) and every Redis key and value of the deployment are searched for what it held.
 */

type Seeded = {
  sessionId: string;
  verificationId: string;
  phone: string;
  /** Every personal value the session holds somewhere. */
  needles: string[];
  elksCallIds: string[];
  wav: string;
};

const tagOf = () => randomBytes(4).toString('hex');
const elksId = () => `c${randomBytes(16).toString('hex')}`;

/**
 * A completed call (seedCompletedCall) plus data in every other place: two attempts with 46elks call
 * ids and error texts, a grade whose text and metadata quote the customer, fraud evidence, an
 * analysis run whose error quotes the model's output, a reward, the live state and finalisation
 * lock in Redis, and the BullMQ jobs of its recording, hang-up and analysis.
 */
async function seedEverywhere(stack: Stack, opts: { storeId?: string; phone?: string } = {}): Promise<Seeded> {
  const { sql, redis, queues } = stack.deps;
  const tag = tagOf();
  const phone = opts.phone ?? nextPhone();
  const answer = `Blåbärspajen${tag} i bageriet var ljuvlig men kön vid kassan var lång.`;
  const sessionId = await seedCompletedCall(stack.deps, { storeId: opts.storeId, phone, answers: [answer, 'Personalen var trevlig.', 'Inget mer.'] });
  const [s] = await sql<{ verification_id: string }[]>`
    update feedback_call_sessions set retry_count = 2, failure_reason = ${`dropped_by_us: elks 503 calling ${phone} (${tag})`}
    where id = ${sessionId} returning customer_verification_id::text as verification_id`;
  const [first, second] = [elksId(), elksId()];
  const createError = `socket hang up after POST /calls to ${phone} ref${tag}`;
  const attemptFailure = `no_answer via ${first} note${tag}`;
  await sql`
    insert into call_attempts (call_session_id, attempt_no, elks_call_id, outcome, elks_state, cost, started_at, ended_at,
                               failure_reason, create_error, hangup_received_at)
    values (${sessionId}, 1, ${first}, 'no_answer', 'success', 0.05, now(), now(), ${attemptFailure}, ${createError}, now()),
           (${sessionId}, 2, ${second}, 'answered', 'success', 1.25, now(), now(), null, null, now())`;
  const summary = `Kunden berömde blåbärspajen${tag} men tyckte att kön var lång.`;
  const requestId = `req_${tag}`;
  await sql`
    insert into quality_assessments
      (call_session_id, legitimacy_score, depth_score, usefulness_score, overall_quality_score, reward_percentage, qualifies_for_reward,
       rejection_reason, is_fraudulent, fraud_score, fraud_reasons, analysis_summary, sentiment, themes, department_mentions,
       business_actionable_items, analysis_metadata, prompt_version, model, prompt_tokens, completion_tokens, total_tokens)
    values (${sessionId}, 0.8, 0.7, 0.9, 0.8, 0, false, 'fraud_suspected', true, 0.7,
            ${sql.json([{ code: 'model', description: 'citat', weight: 0.7, evidence: { quote: answer }, check_type: 'model' }])},
            ${summary}, 'mixed', ${sql.json([`blåbärspaj${tag}`])}, ${sql.json([{ department: 'Bageri', quote: answer }])},
            ${sql.json([`Baka fler blåbärspajer${tag}`])}, ${sql.json({ openai_request_id: requestId, customer_words: 40 })},
            'v3', 'gpt-4o-mini', 900, 200, 1100)`;
  await sql`
    insert into fraud_detection_results (call_session_id, check_type, is_suspicious, confidence_level, fraud_indicators, decision_reasoning)
    values (${sessionId}, 'content', true, 0.8, ${sql.json([{ code: 'quote', evidence: { quote: answer } }])}, ${`Kunden sa: ${answer}`})`;
  const modelOutput = `schema_invalid: {"summary": "Kunden älskade pajen${tag}"`;
  await sql`insert into analysis_runs (call_session_id, status, attempts, failure_kind, last_error)
            values (${sessionId}, 'failed', 3, 'schema_invalid', ${modelOutput})`;
  await sql`insert into rewards (call_session_id, store_id, amount_sek, reward_percentage, purchase_amount_sek)
            values (${sessionId}, ${opts.storeId ?? GROCERY}, 31.25, 10, 312.5)`;

  const wav = `${stack.sim.elksUrl}/recordings/r${tag}.wav`;
  for (const attempt of [1, 2]) {
    const key = stack.deps.key('call', sessionId, String(attempt));
    await redis.hset(key, { meta: JSON.stringify({ sessionId, attemptNo: attempt }), callid: attempt === 1 ? first : second });
    await redis.expire(key, 3600);
  }
  await redis.hset(stack.deps.key('call', sessionId, '2'), 'txt:1', JSON.stringify({ text: answer, language: 'sv', sttMs: 300 }));
  await redis.set(stack.deps.key('final', sessionId, '2'), '1', 'EX', 300);
  await enqueue(queues, 'stt', { sessionId, attemptNo: 2, turn: 1, wav, callid: second, durationS: 9 }, { jobId: jobId.stt(sessionId, 2, 1) });
  await enqueue(
    queues,
    'hangup',
    { sessionId, attemptNo: 2, id: second, state: 'success', start: null, durationS: 95, cost: 12_500, recordActions: 3 },
    { jobId: jobId.hangup(sessionId, 2) },
  );
  await enqueue(queues, 'analyze', { sessionId }, { jobId: jobId.analyze(sessionId) });
  return {
    sessionId,
    verificationId: s!.verification_id,
    phone,
    needles: [phone, `Blåbärspajen${tag}`, `blåbärspaj${tag}`, `blåbärspajer${tag}`, `pajen${tag}`, `ref${tag}`, `note${tag}`, `(${tag})`, requestId, first, second],
    elksCallIds: [first, second],
    wav,
  };
}

/** Every place (table, or Redis key) still holding one of the needles: `table: needle` / `redis key: needle`. */
async function holders(stack: Stack, needles: string[], opts: { except?: string[] } = {}): Promise<string[]> {
  const { sql, redis } = stack.deps;
  const found: string[] = [];
  const tables = await sql<{ table_name: string }[]>`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
  for (const { table_name: table } of tables) {
    for (const needle of needles) {
      // The whole row as text: every column, whatever its type (text, jsonb, tsvector, …).
      const [r] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)} t where strpos(t::text, ${needle}) > 0`;
      if (r!.n > 0) found.push(`${table}: ${needle}`);
    }
  }
  for await (const keys of redis.scanStream({ match: `${stack.config.REDIS_PREFIX}:*`, count: 1000 })) {
    for (const key of keys as string[]) {
      const text = await redisValue(stack, key);
      for (const needle of needles) if (key.includes(needle) || text.includes(needle)) found.push(`redis ${key}: ${needle}`);
    }
  }
  return found.filter((f) => !(opts.except ?? []).includes(f));
}

async function redisValue(stack: Stack, key: string): Promise<string> {
  const { redis } = stack.deps;
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, '0', '-1'));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return '';
  }
}

/** Redis keys whose name carries the session id (its call state, locks and jobs). */
async function keysOf(stack: Stack, sessionId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const keys of stack.deps.redis.scanStream({ match: `${stack.config.REDIS_PREFIX}:*${sessionId}*`, count: 1000 })) out.push(...(keys as string[]));
  return out.sort();
}

describe('erasure of a customer’s personal data', () => {
  let stack: Stack;
  const api = (method: 'post' | 'delete', path: string) =>
    request(stack.server)[method](`/api/ai/calls${path}`).set('X-API-Key', stack.config.ADMIN_API_KEY);

  beforeAll(async () => {
    stack = await startStack({ workers: false });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('knows every column of every table: each is personal (deleted or blanked) or kept, or its table holds none', async () => {
    const columns = await stack.deps.sql<{ table_name: string; column_name: string }[]>`
      select c.table_name, c.column_name from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
      where c.table_schema = 'public' order by 1, 2`;
    const schema = new Map<string, string[]>();
    for (const c of columns) schema.set(c.table_name, [...(schema.get(c.table_name) ?? []), c.column_name]);
    const places = SESSION_PLACES as readonly Place[];
    expect([...schema.keys()].sort()).toEqual([...places.map((p) => p.table), ...Object.keys(NOT_PERSONAL)].sort());
    for (const place of places) {
      const listed = [...place.personal, ...(place.derived ?? []), ...place.kept];
      expect({ table: place.table, columns: [...listed].sort() }).toEqual({ table: place.table, columns: [...schema.get(place.table)!].sort() });
      expect({ table: place.table, duplicates: listed.filter((c, i) => listed.indexOf(c) !== i) }).toEqual({ table: place.table, duplicates: [] });
      if ('blank' in place.erase) {
        // A row that stays gets every personal column blanked, and nothing outside its columns.
        const blanked = Object.keys(place.erase.blank);
        expect({ table: place.table, unblanked: place.personal.filter((c) => !blanked.includes(c)) }).toEqual({ table: place.table, unblanked: [] });
        expect({ table: place.table, unknown: blanked.filter((c) => !listed.includes(c)) }).toEqual({ table: place.table, unknown: [] });
      }
    }
    // call_attempts.create_error (20261206000100) holds error text: personal.
    expect(places.find((p) => p.table === 'call_attempts')!.personal).toContain('create_error');
  });

  it('the purge empties exactly the same tables, and the Redis keys and jobs cover every turn a webhook can have', () => {
    expect([...PURGE_TABLES].sort()).toEqual(SESSION_PLACES.map((p) => p.table).sort());
    expect([...CHILD_TABLES]).toEqual(SESSION_PLACES.filter((p) => p.link === 'call_session_id' && p.expires).map((p) => p.table));
    expect(WebhookQuery.shape.n.unwrap().maxValue).toBe(MAX_TURN);
    const id = crypto.randomUUID();
    expect(sessionKeys(stack.deps, id)).toEqual(expect.arrayContaining([stack.deps.key('call', id, '1'), stack.deps.key('final', id, '3')]));
    expect(sessionJobs(id).map((j) => j.id)).toEqual(expect.arrayContaining([jobId.stt(id, 3, MAX_TURN), jobId.hangup(id, 1), jobId.analyze(id)]));
  });

  it('DELETE …?erase=true leaves none of the session’s personal data in any table or Redis key; figures, money and the opt-out stay', async () => {
    const a = await seedEverywhere(stack);
    const other = await seedEverywhere(stack, { storeId: HARDWARE });
    const hashA = phoneHash(stack.config.PHONE_HASH_KEY, a.phone);
    await stack.deps.sql`insert into suppressed_phones (phone_hash) values (${hashA})`;
    const { sql, queues } = stack.deps;
    expect(await holders(stack, a.needles)).not.toEqual([]);
    const otherBefore = await holders(stack, other.needles);

    const res = await api('delete', `/${a.sessionId}?erase=true`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ call_session_id: a.sessionId, status: 'completed', erased: true });

    // Nothing of it in any column of any table, any Redis key or value — but the opt-out's keyed hash.
    expect(await holders(stack, [...a.needles, a.wav])).toEqual([]);
    expect(await holders(stack, [hashA])).toEqual([`suppressed_phones: ${hashA}`]);
    expect(await keysOf(stack, a.sessionId)).toEqual([]);
    expect(await queues.stt.getJob(jobId.stt(a.sessionId, 2, 1))).toBeFalsy();
    expect(await queues.hangup.getJob(jobId.hangup(a.sessionId, 2))).toBeFalsy();
    expect(await queues.analyze.getJob(jobId.analyze(a.sessionId))).toBeFalsy();

    // What is not personal stays, so figures and the ledger still add up.
    const [qa] = await sql`select overall_quality_score, reward_percentage, is_fraudulent, sentiment, total_tokens, rejection_reason,
                                  analysis_metadata, analysis_summary, themes, text_removed_at is not null as text_removed
                           from quality_assessments where call_session_id = ${a.sessionId}`;
    expect(qa).toEqual({
      overall_quality_score: '0.80',
      reward_percentage: '0.00',
      is_fraudulent: true,
      sentiment: 'mixed',
      total_tokens: 1100,
      rejection_reason: null,
      analysis_metadata: {},
      analysis_summary: null,
      themes: [],
      text_removed: true,
    });
    const attempts = await sql`select attempt_no, outcome, cost, elks_call_id, failure_reason, create_error
                               from call_attempts where call_session_id = ${a.sessionId} order by attempt_no`;
    expect(attempts).toEqual([
      { attempt_no: 1, outcome: 'no_answer', cost: '0.0500', elks_call_id: null, failure_reason: null, create_error: null },
      { attempt_no: 2, outcome: 'answered', cost: '1.2500', elks_call_id: null, failure_reason: null, create_error: null },
    ]);
    expect(await sql`select status, failure_kind, last_error from analysis_runs where call_session_id = ${a.sessionId}`).toEqual([
      { status: 'failed', failure_kind: 'schema_invalid', last_error: null },
    ]);
    expect(await sql`select session_status, phone_number, phone_hash, failure_reason, duration_seconds from feedback_call_sessions where id = ${a.sessionId}`).toEqual([
      { session_status: 'completed', phone_number: null, phone_hash: null, failure_reason: null, duration_seconds: 95 },
    ]);
    expect(await sql`select amount_sek from rewards where call_session_id = ${a.sessionId}`).toEqual([{ amount_sek: '31.25' }]);
    for (const table of ['conversation_transcripts', 'fraud_detection_results', 'call_quality_metrics']) {
      expect({ table, rows: (await sql`select 1 from ${sql(table)} where call_session_id = ${a.sessionId}`).length }).toEqual({ table, rows: 0 });
    }

    // The other customer is untouched; erasing again changes nothing.
    expect(await holders(stack, other.needles)).toEqual(otherBefore);
    expect(await keysOf(stack, other.sessionId)).not.toEqual([]);
    const again = await api('delete', `/${a.sessionId}?erase=true`);
    expect(again.body).toEqual(res.body);
    expect(await holders(stack, [...a.needles, hashA])).toEqual([`suppressed_phones: ${hashA}`]);
    // An erased session has no number left to call: it cannot be retried.
    await sql`update feedback_call_sessions set session_status = 'failed' where id = ${a.sessionId}`;
    expect((await request(stack.server).put(`/api/ai/calls/${a.sessionId}/retry`).set('X-API-Key', stack.config.ADMIN_API_KEY)).status).toBe(409);
  });

  it('erasing a live call cancels it, and what 46elks reports afterwards writes nothing back', async () => {
    const { sql, redis } = stack.deps;
    const phone = nextPhone();
    const verificationId = await insertVerification(stack, { phone });
    const [s] = await sql<{ id: string }[]>`
      insert into feedback_call_sessions (customer_verification_id, store_id, phone_number, phone_hash, session_status, retry_count, call_initiated_at)
      values (${verificationId}, ${GROCERY}, ${phone}, ${phoneHash(stack.config.PHONE_HASH_KEY, phone)}, 'in_progress', 1, now())
      returning id`;
    const sessionId = s!.id;
    // The create's answer has not come back yet: the attempt has no call id, and 46elks has not hung up.
    await sql`insert into call_attempts (call_session_id, attempt_no, started_at) values (${sessionId}, 1, now())`;
    const key = stack.deps.key('call', sessionId, '1');
    await redis.hset(key, { meta: JSON.stringify({ sessionId, attemptNo: 1 }), 'txt:0': JSON.stringify({ text: `Ja${phone.slice(-4)}x`, language: 'sv', sttMs: 200 }) });

    const res = await api('delete', `/${sessionId}?erase=true`);
    expect(res.body).toEqual({ call_session_id: sessionId, status: 'cancelled', erased: true });
    expect(await keysOf(stack, sessionId)).toEqual([]);

    // The call's hang-up arrives late, naming the call the create made.
    const late = elksId();
    const outcome = await handleHangup(stack.deps, {
      sessionId,
      attemptNo: 1,
      id: late,
      state: 'success',
      start: new Date().toISOString(),
      durationS: 20,
      cost: 3_000,
      recordActions: 1,
    });
    expect(outcome).toBe('duplicate');
    expect(await holders(stack, [phone, late, `Ja${phone.slice(-4)}x`])).toEqual([]);
    expect(await sql`select session_status from feedback_call_sessions where id = ${sessionId}`).toEqual([{ session_status: 'cancelled' }]);
  });

  it('POST /api/ai/calls/erase erases every session of one number at every store, cancels its pending call, keeps its opt-out', async () => {
    const { sql, queues } = stack.deps;
    const phone = nextPhone();
    const grocery = await seedEverywhere(stack, { storeId: GROCERY, phone });
    // A second purchase at another store, its call not placed yet (no workers run here).
    const pending = await fireVerification(stack, { phone, storeId: HARDWARE });
    expect(pending.res.status).toBe(202);
    expect(await queues.dial.getJob(jobId.dial(pending.sessionId, 1))).toBeTruthy();
    // A verification of the same number that never got a session.
    await insertVerification(stack, { phone, storeId: HARDWARE });
    // The customer said "ring inte mig igen" once.
    const hash = phoneHash(stack.config.PHONE_HASH_KEY, phone);
    await sql`insert into suppressed_phones (phone_hash) values (${hash})`;
    const other = await seedEverywhere(stack, { storeId: GROCERY });
    const otherBefore = await holders(stack, other.needles);

    const res = await api('post', '/erase').send({ phone_number: `0${phone.slice(3, 5)}-${phone.slice(5)}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      erased_sessions: 2,
      call_session_ids: [grocery.sessionId, pending.sessionId].sort(),
      cancelled_calls: 1,
      cleared_verifications: 3,
      suppressed: true,
    });
    expect(await holders(stack, [...grocery.needles, grocery.wav])).toEqual([]);
    expect(await holders(stack, [hash])).toEqual([`suppressed_phones: ${hash}`]);
    for (const id of [grocery.sessionId, pending.sessionId]) expect(await keysOf(stack, id)).toEqual([]);
    expect(await sql`select session_status from feedback_call_sessions where id = ${pending.sessionId}`).toEqual([{ session_status: 'cancelled' }]);
    expect(await queues.dial.getJob(jobId.dial(pending.sessionId, 1))).toBeFalsy();
    expect(await holders(stack, other.needles)).toEqual(otherBefore);

    // Idempotent: nothing is left to find.
    const again = await api('post', '/erase').send({ phone_number: phone });
    expect(again.body).toEqual({ erased_sessions: 0, call_session_ids: [], cancelled_calls: 0, cleared_verifications: 0, suppressed: true });
    // The opt-out outlives the erasure: the next purchase is not called.
    const next = await fireVerification(stack, { phone, storeId: GROCERY });
    expect(next.res.body.status).toBe('declined');
  });

  it('POST /api/ai/calls/erase refuses a number that is not a valid Swedish one, and callers without the key', async () => {
    const bad = await api('post', '/erase').send({ phone_number: '12345' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'validation_error', details: { fields: [expect.objectContaining({ field: 'phone_number' })] } });
    expect((await api('post', '/erase').send({})).status).toBe(400);
    const anonymous = await request(stack.server).post('/api/ai/calls/erase').send({ phone_number: '+46701234567' });
    expect(anonymous.status).toBe(401);
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Simulators, type SimulatorOptions, startSimulators } from '@samtal/simulator';
import type { SessionStatus } from '@samtal/types';
import request from 'supertest';
import type { Config } from '../../src/config';
import { createDeps, type Deps } from '../../src/deps';
import { buildApp } from '../../src/http/app';
import { startWorkers } from '../../src/jobs/workers';
import type { Stoppable } from '../../src/lifecycle';
import { createLogger } from '../../src/observability/logger';
import { startRealtime } from '../../src/realtime/attach';
import { captureStream } from './log-sink';
import { testConfig } from './env';
import { createTestDatabase, type TestDb } from './pg';
import { dropPrefix, uniquePrefix } from './redis';

/**
 * The whole call path for end-to-end tests: a migrated database, a Redis prefix, both simulators,
 * the backend app listening on a real port (46elks must reach it) and its workers.
 */

export const GROCERY = '50000000-0000-4000-8000-00000000000a';
export const HARDWARE = '50000000-0000-4000-8000-00000000000b';
const BUSINESS = 'b0000000-0000-4000-8000-00000000000a';

export type Stack = {
  sim: Simulators;
  deps: Deps;
  config: Config;
  server: Server;
  /** The Express app serving right now (a restart swaps it). */
  app: () => ReturnType<typeof buildApp>;
  baseUrl: string;
  db: TestDb;
  logs: string[];
  workers: Stoppable | null;
  stopWorkers: () => Promise<void>;
  startWorkers: () => Promise<void>;
  /** A backend restart: the old process's workers and clients close; a new one takes over. */
  restart: () => Promise<void>;
  close: () => Promise<void>;
};

/** Our WebSocket number in the tests (46elks connects a call to it to reach the realtime socket). */
export const WEBSOCKET_NUMBER = '+46766869999';
const REALTIME_SECRET = 'test-realtime-path-secret-0123456789abcdef';

export async function startStack(
  opts: { sim?: SimulatorOptions; env?: Record<string, string>; workers?: boolean; transport?: 'record' | 'realtime' | 'auto' } = {},
): Promise<Stack> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix('e2e');
  const sim = await startSimulators({ timeScale: 0.02, seed: 42, ...opts.sim });
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = testConfig({
    DATABASE_URL: db.url,
    REDIS_PREFIX: prefix,
    PUBLIC_BASE_URL: baseUrl,
    ELKS_API_URL: sim.elksUrl,
    OPENAI_BASE_URL: sim.openaiUrl,
    ...(opts.transport && opts.transport !== 'record'
      ? { CALL_TRANSPORT: opts.transport, ELKS_WEBSOCKET_NUMBER: WEBSOCKET_NUMBER, REALTIME_PATH_SECRET: REALTIME_SECRET }
      : {}),
    ...opts.env,
  });
  if (config.REALTIME_PATH_SECRET) {
    sim.elks.setWebsocketNumber(WEBSOCKET_NUMBER, `${baseUrl.replace(/^http/, 'ws')}/realtime/46elks/${config.REALTIME_PATH_SECRET}`);
  }
  const logs: string[] = [];
  const stream = captureStream((line) => logs.push(line));
  const log = createLogger({ level: 'debug', stream });
  let { deps, close } = createDeps(config, { log });
  // Requests in flight on the current app: a restart lets them finish before closing their clients,
  // as a graceful shutdown drains its server (a 500 from a closed Redis would end the call).
  const tracked = (app: ReturnType<typeof buildApp>) => {
    const open = { n: 0 };
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      open.n++;
      res.once('close', () => open.n--);
      app(req, res);
    };
    return { handler, open, app };
  };
  let current = tracked(buildApp(deps));
  server.on('request', current.handler);
  let realtime = startRealtime(deps, server);
  await seedStores(deps);
  const stack: Stack = {
    sim,
    deps,
    config,
    server,
    app: () => current.app,
    baseUrl,
    db,
    logs,
    workers: null,
    startWorkers: async () => {
      stack.workers ??= await startWorkers(stack.deps);
    },
    stopWorkers: async () => {
      await stack.workers?.stop();
      stack.workers = null;
    },
    restart: async () => {
      await stack.stopWorkers();
      const next = createDeps(config, { log });
      const previous = current;
      current = tracked(buildApp(next.deps));
      server.removeAllListeners('request');
      server.on('request', current.handler);
      await realtime?.stop();
      realtime = startRealtime(next.deps, server);
      for (const until = Date.now() + 5_000; previous.open.n > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 5));
      await close();
      ({ deps, close } = next);
      stack.deps = deps;
      await stack.startWorkers();
    },
    close: async () => {
      await realtime?.stop();
      await stack.stopWorkers();
      await sim.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await close();
      await dropPrefix(prefix);
      await db.drop();
    },
  };
  if (opts.workers !== false) await stack.startWorkers();
  return stack;
}

async function seedStores(deps: Deps): Promise<void> {
  const { sql } = deps;
  await sql`insert into businesses (id, name) values (${BUSINESS}, 'Test Handel AB')`;
  await sql`insert into stores (id, business_id, name, store_type) values
    (${GROCERY}, ${BUSINESS}, 'Lindqvists Livs', 'grocery'), (${HARDWARE}, ${BUSINESS}, 'Bergmans Järnhandel', 'hardware')`;
  const questions = (qs: string[]) => ({ custom_questions: qs.map((text, i) => ({ id: `c${i + 1}`, text, priority: i + 1 })) });
  await sql`insert into business_context_profiles (store_id, departments, question_configuration, operating_hours, baseline_facts, context_completeness_score)
    values
    (${GROCERY}, ${sql.json(['Frukt & grönt', 'Mejeri', 'Chark & ost', 'Bageri', 'Kassa'])},
     ${sql.json(questions(['Hur tyckte du att frukt- och gröntavdelningen såg ut idag?', 'Hittade du allt du letade efter?']))},
     ${sql.json({ monday: { open: '08:00', close: '21:00' } })}, ${sql.json(['Ingen manuell fiskdisk'])}, 0.8),
    (${HARDWARE}, ${sql.json(['Verktyg', 'Färg & tapet', 'Trädgård', 'Kassa'])},
     ${sql.json(questions(['Fick du den hjälp du behövde av personalen på verktygsavdelningen?']))},
     ${sql.json({ monday: { open: '07:00', close: '19:00' } })}, ${sql.json(['Säljer inga livsmedel'])}, 0.7)`;
}

let phoneSeq = 0;
/** A fresh valid Swedish mobile number per call (070-17x xx xx is a valid range). */
export const nextPhone = () => `+467017${String(process.pid % 100).padStart(2, '0')}${String(phoneSeq++ % 1000).padStart(3, '0')}`;

export async function insertVerification(
  stack: Stack,
  opts: { storeId?: string; phone: string; amount?: number; verifiedAt?: Date; transactionTime?: Date },
): Promise<string> {
  const [row] = await stack.deps.sql<{ id: string }[]>`
    insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at)
    values (${opts.storeId ?? GROCERY}, ${opts.phone}, ${opts.amount ?? 250}, ${opts.transactionTime ?? new Date()},
            ${opts.verifiedAt ?? new Date()})
    returning id`;
  return row!.id;
}

export function verificationEvent(record: Record<string, unknown>) {
  return { type: 'INSERT', table: 'customer_verifications', schema: 'public', record, old_record: null };
}

/** Fires the Supabase webhook of a new verification; returns the HTTP answer. */
export async function fireVerification(
  stack: Stack,
  opts: { persona?: string; storeId?: string; phone?: string; amount?: number; verifiedAt?: Date } = {},
) {
  const phone = opts.phone ?? nextPhone();
  if (opts.persona) stack.sim.elks.setPersona(phone, opts.persona as never);
  const record = {
    id: crypto.randomUUID(),
    store_id: opts.storeId ?? GROCERY,
    phone_number: phone,
    transaction_amount: opts.amount ?? 312.5,
    transaction_time: new Date(Date.now() - 10 * 60_000).toISOString(),
    verification_status: 'verified',
    verified_at: (opts.verifiedAt ?? new Date()).toISOString(),
  };
  const res = await request(stack.server)
    .post('/webhooks/verification')
    .set('Authorization', `Bearer ${stack.config.VERIFICATION_WEBHOOK_SECRET}`)
    .send(verificationEvent(record));
  return { res, phone, verificationId: record.id, sessionId: res.body.call_session_id as string };
}

const FINAL: SessionStatus[] = ['completed', 'failed', 'abandoned', 'declined', 'cancelled'];

type SessionState = { session_status: SessionStatus; retry_count: number; failure_reason: string | null };

/** Waits (polling the database) until the session reaches a final status. */
export async function waitForFinal(stack: Stack, sessionId: string, timeoutMs = 60_000): Promise<SessionState> {
  return waitFor(stack, sessionId, (s) => FINAL.includes(s.session_status), timeoutMs);
}

export async function waitFor(
  stack: Stack,
  sessionId: string,
  done: (s: SessionState) => boolean,
  timeoutMs = 60_000,
): Promise<SessionState> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [s] = await stack.deps.sql<SessionState[]>`
      select session_status, retry_count, failure_reason from feedback_call_sessions where id = ${sessionId}`;
    if (s && done(s)) return s;
    if (Date.now() > until) throw new Error(`session ${sessionId} did not settle: ${JSON.stringify(s)}\n${describeCalls(stack, sessionId)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the 46elks simulator saw of a session's calls: the diagnosis a settle timeout needs. */
function describeCalls(stack: Stack, sessionId: string): string {
  const calls = stack.sim.elks.listCalls().filter((c) => c.voiceStart.includes(`s=${sessionId}`));
  if (calls.length === 0) return 'the 46elks simulator saw no call for it';
  return calls
    .map((c) =>
      [
        `call ${c.id}: state=${c.state} endReason=${c.endReason ?? '-'} warnings=${JSON.stringify(c.warnings)}`,
        ...c.webhooks.map((w) => `  ${w.at} ${w.kind}#${w.attempt} → ${w.status ?? w.error}`),
      ].join('\n'),
    )
    .join('\n');
}

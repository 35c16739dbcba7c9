/**
 * `npm run demo` — the whole product, offline: a fresh demo database (migrated and seeded with the
 * Supabase CLI), the 46elks and OpenAI simulators and the backend as separate processes, twelve
 * customers (every persona) verifying purchases at the two demo stores, a live line per call as
 * it moves, then the results table and each store's weekly report. Exits 0 and leaves nothing
 * running. Talks to the backend only over its HTTP API and reads the results from Postgres.
 */
import { SignJWT } from 'jose';
import postgres from 'postgres';
import { backendEnv, freshDatabase, startProcess, stopAll, waitForHttp } from '../bench/lib';

const DEMO_DB = (process.env.DATABASE_URL && new URL(process.env.DATABASE_URL).pathname.slice(1)) || 'samtal_demo';
const SCALE = process.env.DEMO_TIME_SCALE ?? '0.1';
const PORTS = { elks: Number(process.env.DEMO_ELKS_PORT ?? 46_462), openai: Number(process.env.DEMO_OPENAI_PORT ?? 46_472), api: Number(process.env.DEMO_PORT ?? 30_302) };
const STORES = {
  grocery: { id: '50000000-0000-4000-8000-000000000001', name: 'Lindqvists Livs' },
  hardware: { id: '50000000-0000-4000-8000-000000000002', name: 'Bergmans Järnhandel' },
};
const DEMO_USER = 'a0000000-0000-4000-8000-000000000001';
const PERSONAS = ['engaged', 'negative_specific', 'brief', 'fraud', 'interrupter', 'slow_thinker', 'declines', 'opt_out', 'english', 'hangs_up', 'voicemail', 'silent', 'no_answer', 'busy'];
/** Half the calls (by session) talk over the realtime transport, the others in the record loop. */
const WEBSOCKET_NUMBER = '+46766869999';
const REALTIME_SECRET = `demo-realtime-${Date.now()}-0123456789abcdef`;
const FINAL = ['completed', 'failed', 'abandoned', 'declined', 'cancelled'];

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * The purchases happened at 11:30 Stockholm time on the latest Monday–Saturday before now (both
 * demo stores are open then), so the timing fraud check sees a normal purchase whenever the demo
 * runs, and the call still falls within 48 hours of the verification.
 */
function purchaseTime(now = new Date()): Date {
  for (let back = 0; back < 8; back++) {
    const day = new Date(now.getTime() - back * 86_400_000);
    const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' }).formatToParts(day);
    const part = (t: string) => local.find((p) => p.type === t)!.value;
    if (part('weekday').startsWith('sön')) continue;
    const offset = new Date(`${part('year')}-${part('month')}-${part('day')}T12:00:00Z`).toLocaleString('en-US', { timeZone: 'Europe/Stockholm', hour: '2-digit', hour12: false });
    const hoursAhead = Number(offset) - 12; // Stockholm's UTC offset that day (1 or 2)
    const at = new Date(`${part('year')}-${part('month')}-${part('day')}T11:30:00Z`);
    at.setUTCHours(at.getUTCHours() - hoursAhead);
    if (at < now) return at;
  }
  return new Date(now.getTime() - 3_600_000);
}
type Customer = { persona: string; store: keyof typeof STORES; phone: string; amount: number; sessionId?: string; status?: string; attempt?: number };

async function main(): Promise<void> {
  const started = Date.now();
  out(`samtal demo: database ${DEMO_DB}, time scale ${SCALE} (a 2-minute call takes ${(120 * Number(SCALE)).toFixed(0)} s)`);
  const dbUrl = await freshDatabase(DEMO_DB);
  out('  migrated and seeded (supabase db push --include-seed)');
  startProcess('apps/simulator/src/cli.ts', { SIM_ELKS_PORT: String(PORTS.elks), SIM_OPENAI_PORT: String(PORTS.openai), SIM_TIME_SCALE: SCALE, SIM_LOG: 'false', SIM_SEED: '2026' }, 'simulator');
  await waitForHttp(`http://127.0.0.1:${PORTS.elks}/sim/stats`);
  const env = backendEnv({
    PORT: String(PORTS.api),
    PUBLIC_BASE_URL: `http://127.0.0.1:${PORTS.api}`,
    DATABASE_URL: dbUrl,
    REDIS_PREFIX: `demo_${Date.now()}`,
    ELKS_API_URL: `http://127.0.0.1:${PORTS.elks}/a1`,
    OPENAI_BASE_URL: `http://127.0.0.1:${PORTS.openai}/v1`,
    RETRY_BACKOFF: 'no_answer=2s,2s;busy=2s,2s;failed=2s,2s;voicemail=2s,2s',
    CALL_TRANSPORT: 'realtime',
    REALTIME_PERCENT: '50',
    ELKS_WEBSOCKET_NUMBER: WEBSOCKET_NUMBER,
    REALTIME_PATH_SECRET: REALTIME_SECRET,
  });
  await fetch(`http://127.0.0.1:${PORTS.elks}/sim/websocket-numbers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number: WEBSOCKET_NUMBER, websocket_url: `ws://127.0.0.1:${PORTS.api}/realtime/46elks/${REALTIME_SECRET}` }),
  });
  startProcess('apps/backend/src/main.ts', env, 'backend');
  await waitForHttp(`http://127.0.0.1:${PORTS.api}/ready`);
  out(`  simulators on :${PORTS.elks} (46elks) and :${PORTS.openai} (OpenAI), backend on :${PORTS.api} (ROLE=all; CALL_TRANSPORT=realtime for 50 % of calls, the record loop for the rest)`);

  const api = `http://127.0.0.1:${PORTS.api}`;
  const customers: Customer[] = PERSONAS.map((persona, i) => ({
    persona,
    store: i % 2 === 0 ? 'grocery' : 'hardware',
    phone: `+4670555${String(1000 + i)}`,
    amount: [249.9, 1299, 89.5, 450, 612.75, 199][i % 6]!,
  }));
  const purchasedAt = purchaseTime();
  const verifiedAt = new Date(purchasedAt.getTime() + 5 * 60_000);
  out(`  purchases at ${purchasedAt.toISOString()}, verified five minutes later`);
  for (const c of customers) {
    await fetch(`http://127.0.0.1:${PORTS.elks}/sim/personas`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: c.phone, persona: c.persona }) });
    const res = await fetch(`${api}/webhooks/verification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.VERIFICATION_WEBHOOK_SECRET}` },
      body: JSON.stringify({
        type: 'INSERT', table: 'customer_verifications', schema: 'public', old_record: null,
        record: { id: crypto.randomUUID(), store_id: STORES[c.store].id, phone_number: c.phone, transaction_amount: c.amount, transaction_time: purchasedAt.toISOString(), verification_status: 'verified', verified_at: verifiedAt.toISOString() },
      }),
    });
    c.sessionId = ((await res.json()) as { call_session_id: string }).call_session_id;
  }
  out(`  ${customers.length} verification events fired; calls:`);

  const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });
  const deadline = Date.now() + 100_000;
  for (;;) {
    for (const c of customers) {
      const res = await fetch(`${api}/api/ai/calls/${c.sessionId}/status`, { headers: { 'x-api-key': env.ADMIN_API_KEY } });
      const s = (await res.json()) as { status: string; current_retry: number; failure_reason: string | null };
      if (s.status !== c.status || s.current_retry !== c.attempt) {
        c.status = s.status;
        c.attempt = s.current_retry;
        const n = customers.filter((x) => FINAL.includes(x.status ?? '')).length;
        out(`  [${String(n).padStart(2)}/${customers.length}] ${c.persona.padEnd(17)} ${STORES[c.store].name.padEnd(20)} ${s.status}${s.current_retry ? ` (attempt ${s.current_retry})` : ''}${s.failure_reason && FINAL.includes(s.status) ? ` — ${s.failure_reason}` : ''}`);
      }
    }
    const completed = customers.filter((c) => c.status === 'completed').map((c) => c.sessionId!);
    const analysed = completed.length === 0 ? [] : await sql`select 1 from analysis_runs where call_session_id in ${sql(completed)} and status in ('completed', 'failed')`;
    if (customers.every((c) => FINAL.includes(c.status ?? '')) && analysed.length === completed.length) break;
    if (Date.now() > deadline) throw new Error('the calls did not all settle in time');
    await new Promise((r) => setTimeout(r, 250));
  }
  await printResults(sql, customers);
  await printVoiceToVoice(customers);
  await printReports(api, env.SUPABASE_JWT_SECRET);
  await sql.end();
  out(`\ndemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function printResults(sql: postgres.Sql, customers: Customer[]): Promise<void> {
  const rows = await sql<Record<string, string | number | boolean | null>[]>`
    select s.id, s.session_status, s.failure_reason, s.retry_count, m.turns, m.transport, m.realtime_cost_sek, q.overall_quality_score, q.is_fraudulent,
           q.reward_percentage, q.rejection_reason, r.amount_sek, ar.status as analysis
    from feedback_call_sessions s
    left join call_quality_metrics m on m.call_session_id = s.id
    left join quality_assessments q on q.call_session_id = s.id
    left join rewards r on r.call_session_id = s.id
    left join analysis_runs ar on ar.call_session_id = s.id
    where s.id in ${sql(customers.map((c) => c.sessionId!))}`;
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  const head = ['persona', 'store', 'transport', 'outcome', 'attempts', 'turns', 'quality', 'fraud', 'reward %', 'reward SEK'];
  const table = customers.map((c) => {
    const r = byId.get(c.sessionId!)!;
    const outcome = r.failure_reason ? `${r.session_status} (${r.failure_reason})` : String(r.session_status);
    const graded = r.overall_quality_score !== null;
    return [
      c.persona,
      STORES[c.store].name,
      r.transport === null ? '–' : `${r.transport}${r.realtime_cost_sek === null ? '' : ` (${Number(r.realtime_cost_sek).toFixed(2)} kr)`}`,
      outcome,
      String(r.retry_count),
      r.turns === null ? '–' : String(r.turns),
      graded ? Number(r.overall_quality_score).toFixed(2) : r.analysis === 'failed' ? 'failed' : '–',
      graded ? (r.is_fraudulent ? 'yes' : 'no') : '–',
      graded ? Number(r.reward_percentage).toFixed(2) + (r.rejection_reason ? ` (${r.rejection_reason})` : '') : '–',
      r.amount_sek === null ? '–' : Number(r.amount_sek).toFixed(2),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  out('\nResults');
  out(line(head));
  out(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) out(line(row));
}

/** Voice-to-voice at the customer's ear (the 46elks simulator measures it on each realtime call), audio time. */
async function printVoiceToVoice(customers: Customer[]): Promise<void> {
  const gaps: number[] = [];
  for (const c of customers) {
    const res = await fetch(`http://127.0.0.1:${PORTS.elks}/sim/calls?to=${encodeURIComponent(c.phone)}`);
    const { data } = (await res.json()) as { data: Array<{ realtime: { voiceToVoiceMs: number[] } | null }> };
    for (const call of data) gaps.push(...(call.realtime?.voiceToVoiceMs ?? []));
  }
  gaps.sort((a, b) => a - b);
  const p50 = gaps.length ? gaps[Math.ceil(gaps.length / 2) - 1]! : null;
  out(`\nrealtime voice-to-voice at the customer's ear: p50 ${p50 === null ? '–' : `${Math.round(p50)} ms`} over ${gaps.length} turns (audio time; the simulated model answers after 300 ms)`);
}

async function printReports(api: string, secret: string): Promise<void> {
  const token = await new SignJWT({ role: 'authenticated' }).setProtectedHeader({ alg: 'HS256' }).setSubject(DEMO_USER)
    .setAudience('authenticated').setExpirationTime('10m').sign(new TextEncoder().encode(secret));
  const monday = new Date();
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  for (const store of Object.values(STORES)) {
    const res = await fetch(`${api}/api/ai/business/reports/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ store_id: store.id, analysis_week: monday.toISOString().slice(0, 10), force: true }),
    });
    const r = (await res.json()) as Record<string, unknown> & { report_metadata: Record<string, unknown> };
    if (!res.ok) throw new Error(`report for ${store.name}: ${res.status} ${JSON.stringify(r)}`);
    const funnel = r.report_metadata.funnel as Record<string, number | null>;
    out(`\nWeekly report — ${store.name}, week of ${String(r.analysis_week)} (${String(r.report_metadata.iso_week)})`);
    out(`  feedback ${String(r.total_feedback_count)}, average quality ${r.average_quality_score ?? '–'}, fraud ${String(r.report_metadata.fraud_count)}, rewards ${Number(r.report_metadata.rewards_total_sek).toFixed(2)} SEK`);
    out(`  funnel: ${funnel.verifications} verifications → ${funnel.attempted} called → ${funnel.answered} answered → ${funnel.completed} completed (answer rate ${funnel.answer_rate ?? '–'})`);
    const list = (title: string, items: unknown) => {
      const arr = (items as Array<string | { title: string; priority?: string }>) ?? [];
      out(`  ${title}:${arr.length === 0 ? ' –' : ''}`);
      for (const it of arr) out(`    • ${typeof it === 'string' ? it : `${it.title}${it.priority ? ` [${it.priority}]` : ''}`}`);
    };
    const themes = (r.report_metadata.top_themes as Array<{ theme: string; count: number }>) ?? [];
    out(`  themes: ${themes.slice(0, 8).map((t) => `${t.theme} (${t.count})`).join(', ') || '–'}`);
    list('positive trends', r.positive_trends);
    list('issues', r.negative_issues);
    list('recommendations', r.actionable_recommendations);
  }
}

main()
  .then(() => undefined, (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  })
  // The demo database stays for a look afterwards; the next run recreates it.
  .finally(stopAll);

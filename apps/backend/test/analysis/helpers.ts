import request from 'supertest';
import { phoneHash } from '../../src/calls/phone';
import type { Deps } from '../../src/deps';
import { enqueue, jobId } from '../../src/jobs/queues';
import { GROCERY, HARDWARE, nextPhone, type Stack, verificationEvent } from '../helpers/stack';

/** Helpers of the analysis end-to-end tests: seeded calls, opening hours, waiting on a grade. */

export const ALL_DAY = Object.fromEntries(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, { open: '00:00', close: '24:00' }]),
);

/** Opening hours for every weekday, so a test's real clock never lands outside them by chance. */
export async function setOpeningHours(deps: Deps, storeId: string, hours: Record<string, unknown> = ALL_DAY): Promise<void> {
  await deps.sql`update business_context_profiles set operating_hours = ${deps.sql.json(hours as never)} where store_id = ${storeId}`;
}

export const ANSWERS = {
  engagedGrocery: [
    'Frukt- och gröntavdelningen var fin idag. Avokadona var lagom mogna och jordgubbarna såg fräscha ut, men det var tomt bland tomaterna vid femtiden.',
    'Jag hittade allt förutom laktosfri grädde, den var slut i mejeridisken. Personalen sa att det kommer en ny leverans på torsdag, bra att veta.',
    'Två kassor var öppna och jag väntade ungefär fem minuter. Självscanningen fungerade smidigt men pantmaskinen var full och blinkade rött.',
  ],
  negativeGrocery: [
    'Mjölken i mejeridisken hade gått ut två dagar innan, och det var bara en kassa öppen så jag stod i kö i tjugo minuter.',
    'Kanelbullarna i bageriet var torra och priset på kaffet var trettionio kronor på hyllan men femtionio i kassan.',
    'Det stod pallar mitt i gången vid chark och ost, och osten jag köpte hade en konstig lukt när jag kom hem.',
  ],
  engagedHardware: [
    'Jag fick bra hjälp i verktygsavdelningen. En äldre herre förklarade skillnaden mellan två skruvdragare och rekommenderade den billigare.',
    'Personalen i färg och tapet blandade en kulör efter mitt prov på tio minuter och rekommenderade en grundfärg till träpanelen.',
    'Kassan gick snabbt, det var bara en person före mig, och kassören hjälpte mig bära ut gipsskivorna till bilen.',
  ],
  negativeHardware: [
    'Nej, ingen hjälp alls i verktygsavdelningen. Jag väntade vid disken i över tio minuter och ingen visste skillnaden på borrarna.',
    'Färgbrytningsmaskinen var trasig så jag kunde inte få min kulör, och ingen kunde säga när den lagas.',
    'Trallvirket i byggmaterial var slut och hyllorna i VVS var halvtomma, det kändes som att ingen fyllt på på länge.',
  ],
  otherGrocery: [
    'Bageriet hade färska kanelbullar vid tiotiden och ostdisken hade ett bra utbud av lagrade ostar, men surdegsbrödet var slut redan vid tolv.',
    'Killen i charken skar upp skinka åt mig och bjöd på en bit prästost. Kassörskan hjälpte en äldre dam med panten, det uppskattade jag.',
    'Äpplena från Skåne var goda och billigare än vanligt, runt tjugofem kronor kilot, men dillen och persiljan i kruka hade sett bättre dagar.',
  ],
  brief: ['Det var bra.', 'Helt okej.', 'Inget särskilt.'],
  english: [
    'It was a good visit overall, friendly staff and reasonable prices. The checkout was quick and the shop was clean.',
    'Maybe open one more checkout in the afternoon, and put clearer price labels on the shelves.',
  ],
};

export type SeedOptions = {
  storeId?: string;
  answers: string[];
  consent?: string | null;
  consentGiven?: boolean | null;
  talkSeconds?: number | null;
  durationSeconds?: number;
  amount?: number;
  phone?: string;
  transactionTime?: Date;
  verifiedAt?: Date;
  language?: string | null;
};

/**
 * A completed call as finalize.ts stores it — verification, session, transcript, metrics — without
 * placing it through 46elks. For tests that must control exactly which OpenAI requests happen.
 */
export async function seedCompletedCall(deps: Deps, o: SeedOptions): Promise<string> {
  const { sql } = deps;
  const phone = o.phone ?? nextPhone();
  const now = new Date();
  const verifiedAt = o.verifiedAt ?? new Date(now.getTime() - 5 * 60_000);
  const [v] = await sql<{ id: string }[]>`
    insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at)
    values (${o.storeId ?? GROCERY}, ${phone}, ${o.amount ?? 312.5}, ${o.transactionTime ?? new Date(verifiedAt.getTime() - 5 * 60_000)}, ${verifiedAt})
    returning id`;
  const [s] = await sql<{ id: string; expires_at: Date }[]>`
    insert into feedback_call_sessions
      (customer_verification_id, store_id, phone_number, phone_hash, session_status, retry_count, consent_given, language_detected,
       duration_seconds, call_initiated_at, call_connected_at, call_ended_at)
    values (${v!.id}, ${o.storeId ?? GROCERY}, ${phone}, ${phoneHash(deps.config.PHONE_HASH_KEY, phone)}, 'completed', 1,
            ${o.consentGiven === undefined ? true : o.consentGiven}, ${o.language === undefined ? 'sv' : o.language},
            ${o.durationSeconds ?? 95}, ${now}, ${now}, ${now})
    returning id, expires_at`;
  const consent = o.consent === undefined ? 'Ja, det går bra.' : o.consent;
  const turns: Array<[string, string, string]> = [['ai', 'Hej! Går det bra att vi spelar in ett kort samtal?', 'greeting']];
  if (consent !== null) turns.push(['customer', consent, 'consent']);
  for (const [i, a] of o.answers.entries()) turns.push(['ai', `Fråga ${i + 1}: hur var ditt besök?`, 'question'], ['customer', a, 'answer']);
  turns.push(['ai', 'Tack för att du tog dig tid, hej då!', 'closing']);
  const rows = turns.map(([speaker, content, type], i) => ({
    call_session_id: s!.id,
    speaker,
    message_order: i,
    content,
    timestamp_ms: i * 8000,
    message_type: type,
    expires_at: s!.expires_at,
  }));
  await sql`insert into conversation_transcripts ${sql(rows)}`;
  if (o.talkSeconds !== null) {
    await sql`insert into call_quality_metrics (call_session_id, turns, talk_time_seconds, expires_at)
              values (${s!.id}, ${o.answers.length + 1}, ${o.talkSeconds ?? 95}, ${s!.expires_at})`;
  }
  return s!.id;
}

/** Enqueues the analysis exactly as the call path does (finalize.ts / manage.ts). */
export async function enqueueAnalysis(deps: Deps, sessionId: string, opts: { attempts?: number; backoffMs?: number } = {}) {
  await enqueue(deps.queues, 'analyze', { sessionId }, { jobId: jobId.analyze(sessionId), attempts: opts.attempts ?? 5, backoffMs: opts.backoffMs ?? 5_000 });
}

export type RunState = { status: string; attempts: number; failure_kind: string | null; last_error: string | null };

/** Polls analysis_runs until the run is completed or failed (or `until` holds). */
export async function waitForRun(
  deps: () => Deps,
  sessionId: string,
  until: (r: RunState) => boolean = (r) => r.status === 'completed' || r.status === 'failed',
  timeoutMs = 60_000,
): Promise<RunState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [r] = await deps().sql<RunState[]>`select status, attempts, failure_kind, last_error from analysis_runs where call_session_id = ${sessionId}`;
    if (r && until(r)) return r;
    if (Date.now() > deadline) throw new Error(`analysis of ${sessionId} did not settle: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** A verification webhook with a chosen purchase time (the shared helper always uses "10 min ago"). */
export async function fireVerificationAt(
  stack: Stack,
  opts: { persona: string; storeId?: string; transactionTime: Date; verifiedAt: Date; amount?: number },
): Promise<{ sessionId: string; phone: string }> {
  const phone = nextPhone();
  stack.sim.elks.setPersona(phone, opts.persona as never);
  const res = await request(stack.server)
    .post('/webhooks/verification')
    .set('Authorization', `Bearer ${stack.config.VERIFICATION_WEBHOOK_SECRET}`)
    .send(
      verificationEvent({
        id: crypto.randomUUID(),
        store_id: opts.storeId ?? HARDWARE,
        phone_number: phone,
        transaction_amount: opts.amount ?? 312.5,
        transaction_time: opts.transactionTime.toISOString(),
        verification_status: 'verified',
        verified_at: opts.verifiedAt.toISOString(),
      }),
    );
  if (res.status !== 202) throw new Error(`verification webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { sessionId: res.body.call_session_id as string, phone };
}

export const api = (stack: Stack) => ({
  post: (path: string) => request(stack.server).post(`/api/ai/analysis${path}`).set('X-API-Key', stack.config.ADMIN_API_KEY),
  get: (path: string) => request(stack.server).get(`/api/ai/analysis${path}`).set('X-API-Key', stack.config.ADMIN_API_KEY),
  delete: (path: string) => request(stack.server).delete(`/api/ai/analysis${path}`).set('X-API-Key', stack.config.ADMIN_API_KEY),
});

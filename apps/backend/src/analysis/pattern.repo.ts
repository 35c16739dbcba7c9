import type { Q } from './analysis.repo';
import { minhashFromBytes } from './fraud/minhash';
import type { OtherCall, PhoneStats, SignedCall } from './fraud/pattern';

/**
 * SQL of the near-duplicate check: the store's recent calls as stored signatures (a few hundred
 * bytes each) instead of their transcripts, and the texts of only the calls worth an exact look.
 */

/** One of the store's recent calls: its stored signature, or — not graded yet — its answers' text. */
export type RecentCall = SignedCall | OtherCall;

export const isSigned = (c: RecentCall): c is SignedCall => 'words' in c;

export type PatternData = { phone: PhoneStats | null; recent: RecentCall[] };

/**
 * Marks the run `running` (as analysis.repo markRunning) and reads what the pattern check needs,
 * in one statement (it runs beside the model's request):
 * - the verifications (and stores) of the same number within ±`phoneDays` (null if the number is gone);
 * - the customer's answers of the store's other `limit` newest calls of the last `days` days,
 *   newest first, each as its stored signature or, for a call without one (not graded yet, or
 *   graded before signatures were stored), as its text. Calls without an answer are left out.
 */
export async function markRunningAndLoadPatternData(
  sql: Q,
  facts: { id: string; storeId: string; verificationId: string },
  o: { phoneDays: number; days: number; limit: number },
): Promise<PatternData> {
  const rows = await sql<
    { known: boolean | null; verifications: number; stores: number; sessionId: string | null; words: number | null; minhash: Buffer | null; text: string | null }[]
  >`
    with run as (
      insert into analysis_runs (call_session_id, status, attempts, started_at)
      values (${facts.id}, 'running', 1, now())
      on conflict (call_session_id) do update set
        status = 'running', attempts = analysis_runs.attempts + 1, started_at = now(), finished_at = null, updated_at = now()
    ), me as (
      select phone_number, created_at from customer_verifications where id = ${facts.verificationId}
    ), phone as (
      select (select phone_number is not null from me) as known,
             count(v.id)::int as verifications, count(distinct v.store_id)::int as stores
      from me join customer_verifications v on v.phone_number = me.phone_number
       and v.created_at between me.created_at - make_interval(days => ${o.phoneDays})
                            and me.created_at + make_interval(days => ${o.phoneDays})
    ), recent as (
      select s.id as "sessionId", s.created_at, sig.words, sig.minhash,
             case when sig.call_session_id is null then (
               -- every customer message but the consent, as text.ts feedbackMessages
               select string_agg(t.content, E'\n' order by t.message_order) from conversation_transcripts t
               where t.call_session_id = s.id and t.speaker = 'customer' and coalesce(t.message_type, '') <> 'consent') end as text
      from (select id, created_at from feedback_call_sessions
            where store_id = ${facts.storeId} and id <> ${facts.id} and created_at > now() - make_interval(days => ${o.days})
            order by created_at desc limit ${o.limit}) s
      left join transcript_signatures sig on sig.call_session_id = s.id
    )
    select phone.known, phone.verifications, phone.stores, recent."sessionId", recent.words, recent.minhash, recent.text
    from phone left join recent on true
    order by recent.created_at desc`;
  const first = rows[0];
  const phone = first?.known ? { verifications: first.verifications, stores: first.stores, windowDays: o.phoneDays } : null;
  const recent: RecentCall[] = [];
  for (const r of rows) {
    if (r.sessionId === null) continue;
    if (r.words !== null) recent.push({ sessionId: r.sessionId, words: r.words, minhash: r.minhash && minhashFromBytes(r.minhash) });
    else if (r.text !== null) recent.push({ sessionId: r.sessionId, text: r.text });
  }
  return { phone, recent };
}

/** The customer's answers of the given calls (those without any are left out). */
export async function listAnswers(sql: Q, sessionIds: readonly string[]): Promise<OtherCall[]> {
  if (sessionIds.length === 0) return [];
  return sql<OtherCall[]>`
    select t.call_session_id as "sessionId", string_agg(t.content, E'\n' order by t.message_order) as text
    from conversation_transcripts t
    where t.call_session_id = any(${sql.array(sessionIds as string[])}::uuid[])
      and t.speaker = 'customer' and coalesce(t.message_type, '') <> 'consent'
    group by t.call_session_id`;
}

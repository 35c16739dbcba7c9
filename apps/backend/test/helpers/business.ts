import { SignJWT } from 'jose';
import type { Deps } from '../../src/deps';

/** Test fixtures for business-facing endpoints: businesses, users, stores and their tokens. */

export async function tokenFor(deps: Pick<Deps, 'config'>, userId: string, opts: { expiresIn?: string; secret?: string } = {}) {
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setAudience('authenticated')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(opts.secret ?? deps.config.SUPABASE_JWT_SECRET));
}

export type Tenant = { businessId: string; userId: string; storeId: string; token: string };

export async function createTenant(deps: Deps, name: string): Promise<Tenant> {
  const [b] = await deps.sql<{ id: string }[]>`insert into businesses (name) values (${name}) returning id`;
  const userId = crypto.randomUUID();
  await deps.sql`insert into business_users (user_id, business_id) values (${userId}, ${b!.id})`;
  const [s] = await deps.sql<{ id: string }[]>`insert into stores (business_id, name) values (${b!.id}, ${`${name} butik`}) returning id`;
  await deps.sql`insert into business_context_profiles (store_id, departments, question_configuration, context_completeness_score)
    values (${s!.id}, ${deps.sql.json(['Kassa', 'Mejeri', 'Bageri'])}, ${deps.sql.json({ custom_questions: [] })}, 0.8)`;
  return { businessId: b!.id, userId, storeId: s!.id, token: await tokenFor(deps, userId) };
}

/** One graded call: a verification, a completed session (created at `at`) and its assessment. */
export async function insertGradedCall(
  deps: Deps,
  storeId: string,
  at: Date,
  g: { quality: number; summary: string; sentiment?: string; themes?: string[]; departments?: string[]; fraud?: boolean; usefulness?: number },
): Promise<string> {
  const [v] = await deps.sql<{ id: string }[]>`
    insert into customer_verifications (store_id, phone_number, transaction_amount, transaction_time, verified_at, created_at)
    values (${storeId}, '+46701234567', 100, ${at}, ${at}, ${at}) returning id`;
  const [s] = await deps.sql<{ id: string }[]>`
    insert into feedback_call_sessions (customer_verification_id, store_id, phone_number, session_status, retry_count, created_at)
    values (${v!.id}, ${storeId}, '+46701234567', 'completed', 1, ${at}) returning id`;
  await deps.sql`insert into call_attempts (call_session_id, attempt_no, outcome) values (${s!.id}, 1, 'answered')`;
  await deps.sql`
    insert into quality_assessments (call_session_id, overall_quality_score, usefulness_score, analysis_summary, sentiment, themes,
      department_mentions, is_fraudulent, created_at)
    values (${s!.id}, ${g.quality}, ${g.usefulness ?? g.quality}, ${g.summary}, ${g.sentiment ?? 'neutral'}, ${deps.sql.json(g.themes ?? [])},
      ${deps.sql.json(g.departments ?? [])}, ${g.fraud ?? false}, ${at})`;
  return s!.id;
}

import { z } from 'zod';

/** `feedback_call_sessions.session_status` (DESIGN §7). */
export const SessionStatus = z.enum([
  'pending',
  'in_progress',
  'completed',
  'failed',
  'abandoned',
  'declined',
  'cancelled',
]);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** `call_attempts.outcome` (DESIGN §7). */
export const AttemptOutcome = z.enum(['answered', 'no_answer', 'busy', 'failed', 'voicemail']);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

export const Speaker = z.enum(['ai', 'customer']);
export type Speaker = z.infer<typeof Speaker>;

export const FraudCheckType = z.enum(['timing', 'content', 'context', 'pattern', 'model']);
export type FraudCheckType = z.infer<typeof FraudCheckType>;

export const RewardState = z.enum(['graded', 'approved', 'paid', 'reversed']);
export type RewardState = z.infer<typeof RewardState>;

export const Role = z.enum(['api', 'worker', 'scheduler', 'all']);
export type Role = z.infer<typeof Role>;

// ── what Postgres can store: request values that reach a column (found by the fuzz drill) ────────

/** The largest value of a Postgres `integer` column. */
export const PG_INT_MAX = 2_147_483_647;

const NUL = String.fromCharCode(0);
/** Postgres `text` cannot hold U+0000: refuse it at the edge (400) instead of failing the insert (500). */
export const hasNoNul = (s: string): boolean => !s.includes(NUL);
export const NO_NUL = 'must not contain a NUL character (U+0000)';

/**
 * Postgres has no year 0, and nothing this service stores is older than this. Like the other year
 * checks it passes what is no date at all: the format check before it names that once.
 */
export const MIN_YEAR = 1900;
export const fromMinYear = (year: number): boolean => Number.isNaN(year) || year >= MIN_YEAR;
/** A day or two is added to some times (a call's deadline, a report week's end): they must stay 4-digit years. */
export const beforeYear9999 = (iso: string): boolean => !(new Date(iso).getUTCFullYear() >= 9999);

/** An ISO 8601 time with offset, from the year 1900 on. */
export const Timestamp = z.iso
  .datetime({ offset: true })
  .refine((s) => fromMinYear(new Date(s).getUTCFullYear()), 'expected a time from the year 1900 on');

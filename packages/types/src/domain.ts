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

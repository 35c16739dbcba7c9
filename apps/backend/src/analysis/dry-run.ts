import type { Assessment, BusinessContext, QualityRequest } from '@samtal/types';
import { invalid } from '../http/errors';
import { type Ctx, assessConfig, gradingToHttp } from './analyze-session';
import { type AnalysisInput, assess } from './assess';
import { gradeTranscript } from './grading';
import { presentDryRun } from './present';
import type { Message } from './text';

/**
 * POST /quality with a raw transcript and store context: the same grading, checks and reward as a
 * stored call, persisting nothing. The pattern check needs the store's history of real calls and
 * is skipped; consent comes from the answer marked `consent`; the conversation length is
 * `total_duration_seconds`, else estimated from the last message's timestamp.
 */

const validZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export function dryRunInput(body: QualityRequest & { messages: NonNullable<QualityRequest['messages']>; business_context: BusinessContext }): AnalysisInput {
  const bc = body.business_context;
  const timezone = bc.timezone ?? 'Europe/Stockholm';
  if (!validZone(timezone)) {
    throw invalid('invalid request: business_context.timezone', {
      fields: [{ field: 'business_context.timezone', message: 'expected an IANA time zone like Europe/Stockholm', code: 'invalid_timezone' }],
    });
  }
  const messages: Message[] = body.messages.map((m) => ({
    speaker: m.speaker,
    content: m.content,
    message_order: m.message_order,
    timestamp_ms: m.timestamp_ms,
    message_type: m.message_type ?? null,
  }));
  const lastMs = Math.max(0, ...messages.map((m) => m.timestamp_ms));
  return {
    messages,
    store: {
      name: bc.store_name ?? null,
      departments: bc.departments,
      baselineFacts: bc.baseline_facts,
      operatingHours: bc.operating_hours ?? null,
      campaigns: [],
      timezone,
    },
    consentGiven: null,
    sessionLanguage: null,
    conversationSeconds: body.total_duration_seconds ?? lastMs / 1000,
    conversationSecondsSource: body.total_duration_seconds !== undefined ? 'total_duration_seconds' : 'last_message_timestamp',
    purchase: {
      amountSek: bc.transaction_amount ?? null,
      transactionTime: bc.transaction_time ? new Date(bc.transaction_time) : null,
      verifiedAt: null,
    },
    callConnectedAt: null,
  };
}

export async function assessDryRun(ctx: Ctx, body: QualityRequest): Promise<Assessment> {
  if (!body.messages || !body.business_context) throw invalid('a dry run needs messages and business_context');
  const input = dryRunInput({ ...body, messages: body.messages, business_context: body.business_context });
  const grading = await gradeTranscript({ ...ctx, log: ctx.log.child({ dryRun: true }) }, input.store, input.messages).catch((err: unknown) => {
    throw gradingToHttp(err);
  });
  const assessed = assess(input, grading, null, assessConfig(ctx.config));
  return presentDryRun({ ...assessed, metadata: { ...assessed.metadata, checks_skipped: ['pattern'] } });
}

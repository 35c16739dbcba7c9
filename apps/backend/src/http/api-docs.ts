import * as T from '@samtal/types';
import { z } from 'zod';
import { AudioFile } from '../speech/audio.routes';
import { HangupForm, RecordingForm, WebhookQuery } from '../telephony/webhooks.routes';
import type { RouteDoc } from './openapi';

/**
 * Every route of the service (DESIGN §3), described with the zod schemas its handler parses with.
 * `api-docs.test.ts` checks that each entry is served and each served route is here.
 */

const NextForm = z.object({ callid: z.string(), result: z.string(), why: z.string().optional() });
const VoiceStartForm = z.object({ callid: z.string(), direction: z.string(), from: z.string(), to: z.string(), result: z.literal('newoutgoing') });
const ElksAction = z.record(z.string(), z.unknown()).describe('A 46elks call action (play/record/hangup with next)');
const CallParams = T.CallSessionParams;

const elks = (path: string, summary: string, body: z.ZodType, answer: RouteDoc['responses']): RouteDoc => ({
  method: 'post',
  path: `/webhooks/46elks/${path}`,
  summary,
  tag: '46elks webhooks',
  auth: 'webhookToken',
  query: WebhookQuery,
  body,
  bodyType: 'application/x-www-form-urlencoded',
  responses: answer,
});

export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/health', summary: 'Liveness', tag: 'operations', auth: 'none', responses: { 200: { description: 'alive', schema: T.HealthResponse } } },
  { method: 'get', path: '/ready', summary: 'Readiness: Postgres and Redis', tag: 'operations', auth: 'none', responses: { 200: { description: 'ready', schema: T.ReadyResponse }, 503: { description: 'a dependency is down', schema: T.ErrorResponse } } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics (X-API-Key, or Authorization: Bearer $METRICS_TOKEN)', tag: 'operations', auth: 'apiKey', responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' } } },
  { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'operations', auth: 'none', responses: { 200: { description: 'OpenAPI 3.1' } } },
  { method: 'get', path: '/docs', summary: 'This document, rendered', tag: 'operations', auth: 'none', responses: { 200: { description: 'HTML', contentType: 'text/html' } } },
  { method: 'get', path: '/audio/{file}', summary: 'A pre-rendered prompt (content-hashed name) for 46elks to play', tag: '46elks webhooks', auth: 'none', params: AudioFile, responses: { 200: { description: 'WAV audio', contentType: 'audio/wav' } } },
  elks('voice-start', 'The call was answered: the greeting and the first recording', VoiceStartForm, { 200: { description: 'call action', schema: ElksAction } }),
  elks('next', 'A prompt or recording finished: the next step', NextForm, { 200: { description: 'call action', schema: ElksAction } }),
  elks('recording', 'A recorded answer is ready (transcribed by a job)', RecordingForm, { 204: { description: 'accepted' } }),
  elks('hangup', 'The call ended (idempotent on id)', HangupForm, { 204: { description: 'accepted' } }),
  { method: 'post', path: '/webhooks/verification', summary: 'Supabase database webhook of a new verification: schedules the call', tag: 'calls', auth: 'verificationSecret', body: T.VerificationWebhook, responses: { 202: { description: 'session created', schema: T.InitiateCallResponse }, 200: { description: 'the same session again', schema: T.InitiateCallResponse } } },
  { method: 'post', path: '/api/ai/calls/initiate', summary: 'Create (or return) the call session of a verification', tag: 'calls', auth: 'apiKey', body: T.InitiateCallRequest, responses: { 202: { description: 'session created', schema: T.InitiateCallResponse }, 200: { description: 'the same session again', schema: T.InitiateCallResponse } } },
  { method: 'get', path: '/api/ai/calls/{call_session_id}/status', summary: 'Status, attempts and metrics of a call session', tag: 'calls', auth: 'apiKey', params: CallParams, responses: { 200: { description: 'status', schema: T.CallStatusResponse } } },
  { method: 'get', path: '/api/ai/calls/{call_session_id}/transcript', summary: 'The stored conversation', tag: 'calls', auth: 'apiKey', params: CallParams, responses: { 200: { description: 'messages', schema: T.TranscriptResponse } } },
  { method: 'post', path: '/api/ai/calls/{call_session_id}/transcript', summary: 'Submit the transcript of a call held elsewhere', tag: 'calls', auth: 'apiKey', params: CallParams, body: T.SubmitTranscriptRequest, responses: { 201: { description: 'stored, analysis queued', schema: T.SubmitTranscriptResponse } } },
  { method: 'put', path: '/api/ai/calls/{call_session_id}/retry', summary: 'Schedule another attempt', tag: 'calls', auth: 'apiKey', params: CallParams, responses: { 202: { description: 'scheduled', schema: T.RetryResponse } } },
  { method: 'delete', path: '/api/ai/calls/{call_session_id}', summary: 'Cancel; with erase=true erase the personal data', tag: 'calls', auth: 'apiKey', params: CallParams, query: T.CancelQuery, responses: { 200: { description: 'cancelled', schema: T.CancelResponse } } },
  { method: 'post', path: '/api/ai/calls/erase', summary: 'Erase every call session of one customer (all stores) by phone number; live calls are cancelled, the opt-out stays', tag: 'calls', auth: 'apiKey', body: T.EraseCustomerRequest, responses: { 200: { description: 'erased (idempotent: 0 sessions when none is left)', schema: T.EraseCustomerResponse } } },
  { method: 'post', path: '/api/ai/analysis/quality', summary: 'The assessment of a session (runs it if needed), or a dry run of a raw transcript', tag: 'analysis', auth: 'apiKey', body: T.QualityRequest, responses: { 200: { description: 'assessment', schema: T.Assessment } } },
  { method: 'post', path: '/api/ai/analysis/fraud-detection', summary: 'Per-check fraud results and the verdict', tag: 'analysis', auth: 'apiKey', body: T.FraudDetectionRequest, responses: { 200: { description: 'fraud checks', schema: T.FraudDetectionResponse } } },
  { method: 'post', path: '/api/ai/analysis/summarize', summary: 'Swedish summary, themes, sentiment, departments', tag: 'analysis', auth: 'apiKey', body: T.CallSessionRequest, responses: { 200: { description: 'summary', schema: T.SummarizeResponse } } },
  { method: 'delete', path: '/api/ai/analysis/cleanup-low-grade', summary: 'Remove the text of low-usefulness feedback after a grace period', tag: 'analysis', auth: 'apiKey', body: T.CleanupRequest, responses: { 200: { description: 'counts', schema: T.CleanupResponse } } },
  { method: 'get', path: '/api/ai/analysis/metrics', summary: 'Calls, rates, distributions, fraud, tokens, latencies, queues', tag: 'analysis', auth: 'apiKey', query: T.MetricsQuery, responses: { 200: { description: 'metrics', schema: T.MetricsResponse } } },
  { method: 'post', path: '/api/ai/business/reports/generate', summary: 'Build (or return) a store’s weekly report', tag: 'business', auth: 'businessToken', body: T.GenerateReportRequest, responses: { 201: { description: 'built', schema: T.WeeklyReport }, 200: { description: 'already there', schema: T.WeeklyReport } } },
  { method: 'get', path: '/api/ai/business/reports/{report_id}', summary: 'One weekly report', tag: 'business', auth: 'businessToken', params: T.ReportParams, responses: { 200: { description: 'report', schema: T.WeeklyReport } } },
  { method: 'get', path: '/api/ai/business/reports', summary: 'Weekly reports, by store and period, paginated', tag: 'business', auth: 'businessToken', query: T.ListReportsQuery, responses: { 200: { description: 'reports', schema: T.ListReportsResponse } } },
  { method: 'get', path: '/api/ai/business/search', summary: 'Swedish full-text search over feedback summaries and reports', tag: 'business', auth: 'businessToken', query: T.BusinessSearchQuery, responses: { 200: { description: 'results', schema: T.BusinessSearchResponse } } },
  { method: 'get', path: '/api/ai/business/trends', summary: 'Week series per store', tag: 'business', auth: 'businessToken', query: T.TrendsQuery, responses: { 200: { description: 'trends', schema: T.TrendsResponse } } },
  { method: 'get', path: '/api/ai/business/recommendations', summary: 'Actionable recommendations', tag: 'business', auth: 'businessToken', query: T.RecommendationsQuery, responses: { 200: { description: 'recommendations', schema: T.RecommendationsResponse } } },
];

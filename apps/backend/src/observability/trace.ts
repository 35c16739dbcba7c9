import { writeFileSync } from 'node:fs';
import type { Request } from 'express';

/**
 * Opt-in timing of each 46elks webhook, phase by phase (TRACE_FILE): where a slow answer spends its
 * time — middleware, body parsing, token check, each Redis round trip, the send. Off by default and
 * then free (one property check per mark). With TRACE_FILE set, the process keeps one record per
 * webhook (up to 500,000) and writes them as JSON to that file when it stops; `npm run bench` reads it
 * for the per-webhook breakdown at p99.
 */

declare global {
  namespace Express {
    interface Request {
      /** [phase, performance.now()] marks, when tracing is on. */
      trace?: Array<[string, number]>;
    }
  }
}

export type TraceRecord = { kind: string; at: number; totalMs: number; phases: Record<string, number> };

const MAX_RECORDS = 500_000;
let records: TraceRecord[] | null = null;

export function enableTrace(): void {
  records ??= [];
}

/** Opens the request's trace (the first middleware calls it). */
export function traceBegin(req: Request): void {
  if (records) req.trace = [['start', performance.now()]];
}

/** The phase that just ended. */
export function mark(req: Request, phase: string): void {
  req.trace?.push([phase, performance.now()]);
}

/** Closes the trace once the answer is sent; only webhooks are kept. */
export function traceEnd(req: Request, kind: string): void {
  const t = req.trace;
  if (!t || !records || records.length >= MAX_RECORDS) return;
  t.push(['sent', performance.now()]);
  const phases: Record<string, number> = {};
  for (let i = 1; i < t.length; i++) {
    const [phase, at] = t[i]!;
    phases[phase] = (phases[phase] ?? 0) + (at - t[i - 1]![1]);
  }
  records.push({ kind, at: Date.now(), totalMs: t[t.length - 1]![1] - t[0]![1], phases });
}

/** Writes what was recorded (on shutdown). */
export function writeTrace(file: string): number {
  const out = records ?? [];
  writeFileSync(file, JSON.stringify(out));
  return out.length;
}

import { z } from 'zod';

/** A `next`/branch value: a webhook URL or an inline action object. */
export type ActionRef = string | Record<string, unknown>;

export type Action =
  | { type: 'play'; value: string; skippable: boolean; next?: ActionRef; whenhangup?: string }
  | { type: 'record'; value: string; timelimit: number; silencedetection: boolean; next?: ActionRef; whenhangup?: string }
  | {
      type: 'ivr';
      value: string;
      digits: number;
      timeout: number;
      repeat: number;
      next?: ActionRef;
      whenhangup?: string;
      digitBranches: Record<string, ActionRef>;
    }
  | {
      type: 'connect';
      value: string;
      timeout: number;
      next?: ActionRef;
      whenhangup?: string;
      branches: Partial<Record<'success' | 'busy' | 'failed', ActionRef>>;
    }
  | { type: 'hangup'; value: string; whenhangup?: string; ignoredNext: boolean };

export const PRIMARY_KEYS = ['play', 'record', 'ivr', 'connect', 'hangup'] as const;

const ref = z.union([z.string().min(1), z.record(z.string(), z.unknown())]);
const num = z.union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/).transform(Number)]);
const yesNo = z.union([z.enum(['yes', 'no']), z.boolean().transform((b) => (b ? 'yes' : 'no'))]);
const flag = z.union([z.boolean(), z.enum(['yes', 'no', 'true', 'false']).transform((v) => v === 'yes' || v === 'true')]);

const common = { next: ref.optional(), whenhangup: z.string().min(1).optional() };
const PlaySchema = z.object({ play: z.string().min(1), skippable: flag.optional(), ...common });
const RecordSchema = z.object({
  record: z.string().min(1),
  timelimit: num.optional(),
  silencedetection: yesNo.optional(),
  ...common,
});
const IvrSchema = z.object({
  ivr: z.string().min(1),
  digits: num.optional(),
  timeout: num.optional(),
  repeat: num.optional(),
  ...common,
});
const ConnectSchema = z.object({
  connect: z.string().min(1),
  timeout: num.optional(),
  success: ref.optional(),
  busy: ref.optional(),
  failed: ref.optional(),
  ...common,
});
const HangupSchema = z.object({ hangup: z.string(), whenhangup: z.string().min(1).optional() });

const describe = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || 'action'}: ${issue.message}`).join('; ');

/** Parses one action object as 46elks would: exactly one primary key plus its options. */
export const parseAction = (raw: unknown): { action: Action } | { error: string } => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: 'action is not a JSON object' };
  const obj = raw as Record<string, unknown>;
  const keys = PRIMARY_KEYS.filter((key) => key in obj);
  if (keys.length === 0) return { error: `no known action (expected one of ${PRIMARY_KEYS.join(', ')})` };
  if (keys.length > 1) return { error: `more than one primary action: ${keys.join(', ')}` };
  switch (keys[0]) {
    case 'play': {
      const r = PlaySchema.safeParse(obj);
      if (!r.success) return { error: describe(r.error) };
      const { play, skippable, next, whenhangup } = r.data;
      return { action: { type: 'play', value: play, skippable: skippable ?? true, next, whenhangup } };
    }
    case 'record': {
      const r = RecordSchema.safeParse(obj);
      if (!r.success) return { error: describe(r.error) };
      const { record, timelimit, silencedetection, next, whenhangup } = r.data;
      return {
        action: {
          type: 'record',
          value: record,
          timelimit: timelimit && timelimit > 0 ? timelimit : 120,
          silencedetection: silencedetection !== 'no',
          next,
          whenhangup,
        },
      };
    }
    case 'ivr': {
      const r = IvrSchema.safeParse(obj);
      if (!r.success) return { error: describe(r.error) };
      const { ivr, digits, timeout, repeat, next, whenhangup } = r.data;
      const digitBranches: Record<string, ActionRef> = {};
      for (const d of '0123456789*#') {
        const branch = ref.safeParse(obj[d]);
        if (branch.success) digitBranches[d] = branch.data;
      }
      return {
        action: {
          type: 'ivr',
          value: ivr,
          digits: digits && digits > 0 ? Math.floor(digits) : 1,
          // 46elks: timeout must be 1–30 s; other values fall back to 10.
          timeout: timeout !== undefined && timeout >= 1 && timeout <= 30 ? timeout : 10,
          repeat: repeat !== undefined && repeat >= 1 ? Math.floor(repeat) : 3,
          next,
          whenhangup,
          digitBranches,
        },
      };
    }
    case 'connect': {
      const r = ConnectSchema.safeParse(obj);
      if (!r.success) return { error: describe(r.error) };
      const { connect, timeout, success, busy, failed, next, whenhangup } = r.data;
      return {
        action: { type: 'connect', value: connect, timeout: timeout ?? 60, next, whenhangup, branches: { success, busy, failed } },
      };
    }
    default: {
      const r = HangupSchema.safeParse(obj);
      if (!r.success) return { error: describe(r.error) };
      return { action: { type: 'hangup', value: r.data.hangup, whenhangup: r.data.whenhangup, ignoredNext: 'next' in obj } };
    }
  }
};

/** Parses a call-control webhook's response body: '' → no action (the call ends), otherwise JSON. */
export const parseActionBody = (body: string): { action: Action | null } | { error: string } => {
  if (body.trim() === '') return { action: null };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { error: `response is not JSON: ${JSON.stringify(body.slice(0, 80))}` };
  }
  const parsed = parseAction(json);
  return 'error' in parsed ? parsed : { action: parsed.action };
};

export const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

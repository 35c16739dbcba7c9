import { createHash } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { SignJWT } from 'jose';
import { createRng as createSeededRng } from '@samtal/simulator';
import { DateTime } from 'luxon';
import { renderCallPrompts } from '../../src/calls/dial';
import { createCallState } from '../../src/conversation/state';
import { ERROR_STATUS } from '../../src/http/errors';
import { type NextStep, type WebhookKind, webhookUrl } from '../../src/telephony/webhook-urls';
import { ANSWERS, seedCompletedCall, setOpeningHours } from '../analysis/helpers';
import { createTenant, insertGradedCall, type Tenant, tokenFor } from '../helpers/business';
import { GROCERY, HARDWARE, insertVerification, type Stack, startStack, verificationEvent } from '../helpers/stack';
import { expectNoPhoneNumbers } from './support/log-guard';

/**
 * Failure drill: 2,000+ fuzzed requests across every route the app serves → no 5xx.
 *
 * Every route is enumerated from the live app's router stack and checked against the OpenAPI
 * document and the generators below, so a new route cannot be left out silently. The requests come
 * from a seeded PRNG (the same sequence every run): valid and bad credentials, valid-looking bodies
 * and mutated ones (wrong types, nulls, huge and NUL-bearing strings, deep nesting, SQL-ish text,
 * out-of-range numbers, arrays for objects, extra fields), malformed JSON, wrong content types and
 * encodings, oversize bodies, odd query strings, odd path parameters, unsupported methods, and for
 * the 46elks webhooks garbled forms with valid tokens for live and unknown sessions. Real fixtures
 * (sessions, live call state in Redis, graded calls, reports, audio) let the handlers go deep, and
 * bursts of identical requests race the idempotent paths. They are sent over real HTTP, 32 at a
 * time. Then: no 5xx, every error is the ErrorResponse of DESIGN §5 with the status its code maps
 * to, no phone number reached a log line, and /health and /ready still answer 200.
 */

const SEED = 0x5a7a1;
const PER_ROUTE = 72;
const BATCH = 32;
const REQUEST_TIMEOUT_MS = 15_000;
const NUL = String.fromCharCode(0);

// ── the simulators' seeded PRNG (mulberry32), with what a fuzzer needs on top ──────────────────────

function createRng(seed: number) {
  const { next } = createSeededRng(seed);
  const int = (n: number): number => Math.floor(next() * n);
  const hex = (n: number): string => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join('');
  return {
    next,
    int,
    hex,
    chance: (p: number): boolean => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!,
    digits: (n: number): string => Array.from({ length: n }, () => String(int(10))).join(''),
    uuid: (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`,
    shuffle: <T>(xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [xs[i], xs[j]] = [xs[j]!, xs[i]!];
      }
      return xs;
    },
  };
}
type Rng = ReturnType<typeof createRng>;

// ── requests and how they are sent ──────────────────────────────────────────────────────────────

type FuzzRequest = {
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  chunked?: boolean;
  /** Regression cases: the exact status expected. */
  expect?: number;
};
type Outcome = { req: FuzzRequest; id: string; status: number; contentType: string; body: string; error?: string };

function send(agent: http.Agent, port: number, req: FuzzRequest, id: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const done = (o: Omit<Outcome, 'req' | 'id'>) => resolve({ req, id, ...o });
    const headers: Record<string, string> = { 'x-request-id': id, ...req.headers };
    if (req.body && !req.chunked) headers['content-length'] = String(req.body.length);
    if (req.body && req.chunked) headers['transfer-encoding'] = 'chunked';
    let client: http.ClientRequest;
    try {
      client = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done({ status: 0, contentType: '', body: '', error: `response: ${err.message}` }));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
    } catch (err) {
      done({ status: 0, contentType: '', body: '', error: `client refused the request: ${(err as Error).message}` });
      return;
    }
    client.on('timeout', () => client.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    client.on('error', (err) => done({ status: 0, contentType: '', body: '', error: err.message }));
    if (req.body && req.chunked) {
      const half = Math.floor(req.body.length / 2);
      client.write(req.body.subarray(0, half));
      client.end(req.body.subarray(half));
    } else client.end(req.body);
  });
}

// ── fuzz values ─────────────────────────────────────────────────────────────────────────────────

/** URL-encodes; a lone surrogate (not encodable) becomes the invalid UTF-8 it would be, %ED%A0%80. */
const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return `${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
};
const HUGE = 'x'.repeat(100_000);

/** Every Swedish number the drill sends (E.164), for the log guard. */
const usedPhones = new Set<string>(['+46701234567', '+46766860000']);

/** A valid Swedish mobile number, remembered for the log guard. */
function mobile(r: Rng): string {
  const p = `+4670${r.digits(7)}`;
  usedPhones.add(p);
  return p;
}

/** Phone-like strings: valid Swedish numbers in every form they travel in, and broken ones. */
function phoneLike(r: Rng): string {
  const p = mobile(r);
  const [a, b, c] = [p.slice(5, 8), p.slice(8, 10), p.slice(10)];
  return r.pick([
    p,
    `070-${a} ${b} ${c}`,
    `0046 70 ${a} ${b} ${c}`,
    `+46 (0)70 ${a} ${b} ${c}`,
    `%2B${p.slice(1)}`,
    `${p}${r.digits(6)}`,
    p.slice(0, 7),
    '+12025550100',
    `${p}${NUL}`,
    `tel:${p}`,
    `+46 70 ${a} ${b} ${c}; drop table customer_verifications`,
  ]);
}

const nest = (depth: number): unknown => {
  let v: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
};

function weird(r: Rng): unknown {
  const options: Array<() => unknown> = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => -0.000001,
    () => 1.5,
    () => 1e308,
    () => -1e308,
    () => 2 ** 31,
    () => 2 ** 53 + 2,
    () => 1e15,
    () => '',
    () => '   ',
    () => 'x'.repeat(r.pick([256, 10_001])),
    () => HUGE,
    () => '🙂🚀👍🏽 åäö ÅÄÖ ß 中文 العربية ‮rtl',
    () => `a${NUL}b`,
    () => NUL,
    () => "'; drop table feedback_call_sessions; --",
    () => "1' or '1'='1",
    () => '\\',
    () => '\ud800',
    () => 'NaN',
    () => 'Infinity',
    () => '-1',
    () => '1e999',
    () => '2026-02-30',
    () => '9999-12-31T23:59:59Z',
    () => '0000-01-01T00:00:00Z',
    () => '<script>alert(1)</script>',
    () => '../../etc/passwd',
    () => `${'$'}{jndi:ldap://x/a}`,
    () => "!&|():*<->'\\ or -",
    () => phoneLike(r),
    () => r.uuid(),
    () => '00000000-0000-0000-0000-000000000000',
    () => [],
    () => ({}),
    () => [1, 'a', null, {}],
    () => ({ nested: { deeper: [{ deepest: null }] } }),
    () => nest(1 + r.int(300)),
    () => Array.from({ length: 2_000 }, (_, i) => i),
  ];
  return r.pick(options)();
}

/** Hostile values of the right type: they pass a loose schema and reach the handler and the database. */
const nastyString = (r: Rng): string =>
  r.pick([
    `a${NUL}b`,
    NUL,
    '',
    ' ',
    'x'.repeat(41),
    'x'.repeat(10_001),
    HUGE,
    '🙂👍🏽 åäö',
    '\ud800',
    "'; drop table stores; --",
    '2026-02-30',
    '2026-13-01',
    '0000-01-01',
    '9999-12-31',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '9999-12-31T23:59:59+14:00',
    '2026-01-01T00:00:00',
    '99999999999',
    '1e3',
    '-1',
    phoneLike(r),
  ]);
const nastyNumber = (r: Rng): number =>
  r.pick([-1, 0, -0, 0.5, 1.0000001, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 + 2, 1e10, 9_999_999_999.99, 10_000_000_000, 1e15, 1e308, -1e308, Number.MIN_VALUE, 3_600.5, 3_601]);

type Path = Array<string | number>;
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (v && typeof v === 'object') {
    for (const [k, child] of Object.entries(v)) {
      const p = [...at, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      if (out.length < 400) paths(child, p, out);
    }
  }
  return out;
}
const DELETE = Symbol('delete');
function setAt(root: unknown, p: Path, value: unknown | typeof DELETE): void {
  let node = root as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = p[p.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}
const getAt = (root: unknown, p: Path): unknown => p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], root);

/** One mutation of a JSON value (a copy): a field set to a fuzz value, dropped, retyped, added… */
function mutateOnce(r: Rng, value: unknown): unknown {
  const all = paths(value);
  const p = all.length > 0 ? r.pick(all) : null;
  switch (r.int(10)) {
    case 0:
    case 1:
      if (p) setAt(value, p, weird(r));
      return value;
    case 8:
    case 9:
      if (p) {
        const cur = getAt(value, p);
        setAt(value, p, typeof cur === 'number' ? nastyNumber(r) : typeof cur === 'boolean' ? !cur : typeof cur === 'string' ? nastyString(r) : weird(r));
      }
      return value;
    case 2:
      if (p) setAt(value, p, DELETE);
      return value;
    case 3: {
      const target = p && typeof getAt(value, p) === 'object' && getAt(value, p) !== null ? getAt(value, p) : value;
      if (target && typeof target === 'object' && !Array.isArray(target)) {
        const key = r.pick(['extra', '__proto__', 'constructor', 'call_session_id', 'store_id', '', '🙂', 'x'.repeat(500)]);
        Object.defineProperty(target, key, { value: weird(r), enumerable: true, configurable: true, writable: true });
      }
      return value;
    }
    case 4:
      return weird(r);
    case 5:
      return r.chance(0.5) ? [value] : { data: value };
    case 6:
      if (p) {
        const cur = getAt(value, p);
        setAt(value, p, typeof cur === 'string' ? Number(cur) || [cur] : typeof cur === 'number' ? String(cur) : JSON.stringify(cur ?? null));
      }
      return value;
    default:
      if (p) setAt(value, p, nest(20 + r.int(200)));
      return value;
  }
}

function mutate(r: Rng, value: unknown): unknown {
  let v = structuredClone(value);
  const n = r.chance(0.25) ? 2 + r.int(3) : 1;
  for (let i = 0; i < n; i++) v = mutateOnce(r, v);
  return v;
}
/** The valid value as it is (so the handler goes deep) or mutated. */
const fuzzed = (r: Rng, valid: unknown, pValid = 0.45): unknown => (r.chance(pValid) ? structuredClone(valid) : mutate(r, valid));

/** A JSON body in one of many encodings: mostly right, sometimes malformed, mislabelled or huge. */
function jsonBody(r: Rng, value: unknown): { headers: Record<string, string>; body?: Buffer; chunked?: boolean } {
  const text = JSON.stringify(value) ?? 'null';
  const json = { 'content-type': 'application/json' };
  const k = r.int(100);
  if (k < 60) return { headers: json, body: Buffer.from(text), chunked: r.chance(0.05) };
  if (k < 68) {
    const raw = r.pick<(s: string) => string>([
      (s) => s.slice(0, Math.max(1, Math.floor(s.length / 2))),
      (s) => `${s},`,
      (s) => s.replace(/"/g, "'"),
      (s) => `\ufeff${s}`,
      (s) => `${s}${s}`,
      () => '{"call_session_id": NaN, "messages": [}',
      () => '{"total_duration_seconds": 1e999, "quality_threshold": -1e999}',
      () => `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
      () => `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`,
      () => 'null',
      () => '"string"',
      () => '12',
      () => '',
      () => `{"a":"${NUL}"}`,
      () => '{"a":"\\ud800\\udc00\\u0000"}',
      () => '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}',
    ])(text);
    return { headers: json, body: Buffer.from(raw) };
  }
  if (k < 73) {
    const form = new URLSearchParams();
    if (value && typeof value === 'object') for (const [key, v] of Object.entries(value)) form.append(key, typeof v === 'string' ? v : JSON.stringify(v) ?? '');
    return { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()) };
  }
  if (k < 77) return { headers: { 'content-type': r.pick(['text/plain', 'text/html', 'application/xml']) }, body: Buffer.from(text) };
  if (k < 80) return { headers: {}, body: Buffer.from(text) };
  if (k < 83) return { headers: json, body: Buffer.from(JSON.stringify({ pad: 'x'.repeat(300_000), value })), chunked: r.chance(0.5) };
  if (k < 87) {
    const ct = r.pick(['application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=nope', 'application/json; charset=']);
    return { headers: { 'content-type': ct }, body: Buffer.from(text) };
  }
  if (k < 90) {
    const ce = r.pick(['gzip', 'deflate', 'br', 'compress', 'identity, gzip', 'x-unknown']);
    return { headers: { ...json, 'content-encoding': ce }, body: Buffer.from(text) };
  }
  if (k < 93) return { headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync(Buffer.from(text)) };
  if (k < 97) {
    const ct = r.pick(['application/vnd.api+json', 'application/merge-patch+json', 'multipart/form-data; boundary=x', 'application/json-seq', '*/*', 'application']);
    return { headers: { 'content-type': ct }, body: Buffer.from(text) };
  }
  return { headers: json };
}

/** A form body (the 46elks webhooks): usually right, sometimes garbled, oversize or too many fields. */
function formBody(r: Rng, fields: Record<string, string | string[]>): { headers: Record<string, string>; body?: Buffer } {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const k = r.int(100);
  const encode = (f: Record<string, string | string[]>) => {
    const p = new URLSearchParams();
    for (const [key, v] of Object.entries(f)) for (const one of Array.isArray(v) ? v : [v]) p.append(key, one);
    return Buffer.from(p.toString());
  };
  if (k < 72) return { headers: form, body: encode(fields) };
  if (k < 78) return { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(fields)) };
  if (k < 82) return { headers: form, body: Buffer.from(`callid=x&wav=${'a'.repeat(70_000)}`) };
  if (k < 86) return { headers: form, body: Buffer.from(Array.from({ length: 1_500 }, (_, i) => `p${i}=${i}`).join('&')) };
  if (k < 90) return { headers: form, body: Buffer.from(r.pick(['a=%zz&b=%E0%A4%A&c=%', '%%%&&&===', 'state', `id=${NUL}&state=${NUL}`, '=&=&=', 'a[b][c]=1&a[]=2'])) };
  if (k < 93) return { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-16' }, body: encode(fields) };
  if (k < 96) return { headers: {}, body: encode(fields) };
  return { headers: form };
}

/** Mutates form fields: a field dropped, garbled, repeated, or an extra one. */
function fuzzForm(r: Rng, fields: Record<string, string>, pValid = 0.45): Record<string, string | string[]> {
  if (r.chance(pValid)) return { ...fields };
  const out: Record<string, string | string[]> = { ...fields };
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const keys = Object.keys(out);
    const key = keys.length > 0 ? r.pick(keys) : 'x';
    const w = weird(r);
    switch (r.int(5)) {
      case 0:
        delete out[key];
        break;
      case 1:
        out[key] = typeof w === 'string' ? w : (JSON.stringify(w) ?? '');
        break;
      case 2:
        out[key] = [String(out[key] ?? ''), r.pick(['1', '', 'x'])];
        break;
      case 3:
        out[r.pick(['extra', 'from', 'to', 'duration', 'cost', 'actions', 'wav'])] = r.pick(['-1', 'NaN', '1e999', 'Infinity', '', phoneLike(r), 'x'.repeat(5_000)]);
        break;
      default:
        out[key] = r.pick(['-1', 'NaN', '1e999', '0x10', ' 1', 'not a url', 'javascript:alert(1)', 'file:///etc/passwd', '[{"record":', '{"a":1}', phoneLike(r)]);
    }
  }
  return out;
}

/** Leaves printable ASCII (and stray `%`) as it is and encodes the rest: an HTTP client sends nothing else. */
const printable = (s: string): string => s.replace(/[^!-~]/gu, (c) => enc(c));

/** Query strings: the valid pairs, sometimes dropped, repeated, array-keyed, huge or mis-encoded. */
type Pair = { k: string; v: string | null; raw?: boolean };
function query(r: Rng, valid: Array<[string, string]>, pValid = 0.5): string {
  let pairs: Pair[] = valid.map(([k, v]) => ({ k, v }));
  if (!r.chance(pValid)) {
    const n = 1 + r.int(3);
    for (let i = 0; i < n; i++) {
      const one = pairs.length > 0 ? r.pick(pairs) : { k: 'q', v: 'x' };
      switch (r.int(11)) {
        case 0:
          pairs = pairs.filter((p) => p !== one);
          break;
        case 1:
          pairs.push({ k: one.k, v: r.pick(['', 'x', one.v ?? '']) });
          break;
        case 2:
          pairs.push({ k: `${one.k}[]`, v: one.v }, { k: `${one.k}[]`, v: 'x' });
          break;
        case 3:
          pairs.push({ k: `${one.k}[a]`, v: 'b' });
          break;
        case 4:
          pairs.push({ k: r.pick(['unknown', 'callback', '__proto__', 'constructor', '', 'x'.repeat(300)]), v: 'x' });
          break;
        case 5:
          one.v = 'x'.repeat(r.pick([501, 3_000]));
          break;
        case 6:
          one.v = null;
          break;
        case 7:
          pairs.push({ k: r.pick(['%', '%zz', '%00', '%E0%A4%A', one.k]), v: r.pick(['%', '%zz', '%00', '%E0%A4%A', '%2B46701234567', '+']), raw: true });
          break;
        case 8:
          one.v = nastyString(r).slice(0, 2_000);
          break;
        default: {
          const w = weird(r);
          one.v = typeof w === 'string' ? w.slice(0, 2_000) : (JSON.stringify(w) ?? '').slice(0, 2_000);
        }
      }
    }
  }
  if (pairs.length === 0) return '';
  const s = pairs.map((p) => (p.raw ? `${printable(p.k)}=${printable(p.v ?? '')}` : p.v === null ? enc(p.k) : `${enc(p.k)}=${enc(p.v)}`)).join('&');
  return `?${s}`;
}

/** Path parameters: the real ones, unknown UUIDs and things that are no UUID at all. */
const WEIRD_SEGMENTS = [
  'nope',
  '1',
  '-1',
  'null',
  'undefined',
  '%20',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '..',
  '%2e%2e',
  '%2F',
  'a%2Fb',
  enc('🙂'),
  enc("' or 1=1--"),
  enc('+46701234567'),
  '%2B46701234567',
  'x'.repeat(3_000),
  enc('{}'),
  enc('<script>'),
  'NaN',
  '1e999',
  ';',
  '*',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];
function idSegment(r: Rng, real: readonly string[], pReal = 0.6): string {
  const k = r.next();
  if (k < pReal && real.length > 0) return r.pick(real);
  if (k < pReal + 0.12) return r.uuid();
  const id = real.length > 0 ? r.pick(real) : r.uuid();
  return r.pick([
    ...WEIRD_SEGMENTS,
    id.toUpperCase(),
    id.replace(/-/g, ''),
    enc(`{${id}}`),
    `${id}x`,
    `${id}%00`,
    `${id}%20`,
    id.slice(0, -1),
  ]);
}

// ── fixtures: real state for the handlers to reach ──────────────────────────────────────────────

type Live = { sessionId: string; attemptNo: number };
type Fixtures = {
  apiKey: string;
  verificationSecret: string;
  webhookSecret: string;
  elksUrl: string;
  week: string;
  tenantA: Tenant;
  tenantB: Tenant;
  reportA: string;
  reportB: string;
  badBusinessAuth: Array<Record<string, string>>;
  events: unknown[];
  pending: string[];
  forTranscript: string[];
  retryable: string[];
  cancellable: string[];
  live: Live[];
  completed: string[];
  verifications: Array<{ id: string; storeId: string; phone: string }>;
  audio: string[];
  /** Dedicated to the bursts: each starts from a known state. */
  burst: {
    event: unknown;
    verification: { id: string; storeId: string; phone: string };
    transcriptSession: string;
    completed: string[];
    retry: string;
    cancel: string;
  };
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function sendJson(stack: Stack, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const agent = new http.Agent();
  const port = Number(new URL(stack.baseUrl).port);
  const req: FuzzRequest = { route: 'setup', method, path, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) };
  const res = await send(agent, port, req, `setup-${Date.now()}`);
  agent.destroy();
  return { status: res.status, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
}

async function setup(stack: Stack, r: Rng): Promise<Fixtures> {
  const { deps, config } = stack;
  const { sql } = deps;
  const phone = () => mobile(r);
  await setOpeningHours(deps, GROCERY);
  await setOpeningHours(deps, HARDWARE);

  // Two businesses with graded calls and a weekly report each.
  const tenantA = await createTenant(deps, 'Fuzz A');
  const tenantB = await createTenant(deps, 'Fuzz B');
  const monday = DateTime.now().setZone(config.TZ_CALLS).startOf('week').minus({ weeks: 1 });
  const week = monday.toISODate()!;
  for (const t of [tenantA, tenantB]) {
    for (let d = 0; d < 4; d++) {
      await insertGradedCall(deps, t.storeId, monday.plus({ days: d, hours: 12 }).toJSDate(), {
        quality: 0.4 + d * 0.15,
        summary: r.pick(['Kunden saknade laktosfri grädde i mejeriet.', 'Lång kö i kassan vid femtiden.', 'Bra hjälp i bageriet, färska bullar.']),
        sentiment: r.pick(['positive', 'negative', 'mixed', 'neutral']),
        themes: ['kö', 'mejeri'],
        departments: ['Kassa', 'Mejeri'],
      });
    }
  }
  const report = async (t: Tenant) => {
    const res = await sendJson(stack, 'POST', '/api/ai/business/reports/generate', { authorization: `Bearer ${t.token}` }, { store_id: t.storeId, analysis_week: week });
    if (res.status !== 201) throw new Error(`report generation answered ${res.status}: ${JSON.stringify(res.body)}`);
    return String(res.body.report_id);
  };
  const reportA = await report(tenantA);
  const reportB = await report(tenantB);

  // Sessions through the verification webhook, as Supabase creates them.
  const events: unknown[] = [];
  const fire = async (storeId = GROCERY) => {
    const event = verificationEvent({
      id: r.uuid(),
      store_id: storeId,
      phone_number: phone(),
      transaction_amount: 312.5,
      transaction_time: new Date(Date.now() - 10 * 60_000).toISOString(),
      verification_status: 'verified',
      verified_at: new Date().toISOString(),
    });
    const res = await sendJson(stack, 'POST', '/webhooks/verification', { authorization: `Bearer ${config.VERIFICATION_WEBHOOK_SECRET}` }, event);
    if (res.status !== 202) throw new Error(`verification webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
    events.push(event);
    return String(res.body.call_session_id);
  };
  const many = async (n: number, storeId?: string) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await fire(storeId));
    return ids;
  };
  const pending = await many(6, HARDWARE);
  const forTranscript = await many(8);
  const retryable = await many(6);
  const cancellable = await many(6);
  const liveIds = await many(3);
  await sql`update feedback_call_sessions set session_status = 'failed', retry_count = 1, failure_reason = 'no_answer', next_attempt_at = null
            where id = any(${retryable})`;

  // Live calls: the prompts rendered and the call state in Redis, exactly as dialAttempt leaves them.
  const prompts = await renderCallPrompts(deps, GROCERY);
  const live: Live[] = [];
  for (const sessionId of liveIds) {
    await sql`update feedback_call_sessions set session_status = 'in_progress', retry_count = 1, next_attempt_at = null where id = ${sessionId}`;
    await createCallState(deps, { ...prompts, sessionId, attemptNo: 1, placedAt: Date.now() });
    live.push({ sessionId, attemptNo: 1 });
  }
  const audio = [...new Set(Object.values(prompts.prompts).map((p) => new URL(p.url).pathname.split('/').pop()!))];

  // Completed calls with transcripts, for the analysis endpoints.
  const completed: string[] = [];
  const answerSets = [ANSWERS.engagedGrocery, ANSWERS.negativeGrocery, ANSWERS.brief, ANSWERS.english, ANSWERS.otherGrocery];
  for (let i = 0; i < 10; i++) completed.push(await seedCompletedCall(deps, { answers: answerSets[i % answerSets.length]!, phone: phone() }));

  // Verifications without a session, for /initiate.
  const verifications: Fixtures['verifications'] = [];
  for (let i = 0; i < 8; i++) {
    const storeId = i % 2 ? HARDWARE : GROCERY;
    const p = phone();
    verifications.push({ id: await insertVerification(stack, { storeId, phone: p }), storeId, phone: p });
  }

  const burstPhone = phone();
  const burst: Fixtures['burst'] = {
    event: verificationEvent({
      id: r.uuid(),
      store_id: HARDWARE,
      phone_number: burstPhone,
      transaction_amount: '99.90',
      transaction_time: new Date(Date.now() - 5 * 60_000).toISOString(),
      verification_status: 'verified',
      verified_at: new Date().toISOString(),
    }),
    verification: await (async () => {
      const p = phone();
      return { id: await insertVerification(stack, { storeId: GROCERY, phone: p }), storeId: GROCERY, phone: p };
    })(),
    transcriptSession: await fire(),
    completed: [await seedCompletedCall(deps, { answers: ANSWERS.engagedGrocery, phone: phone() }), await seedCompletedCall(deps, { answers: ANSWERS.negativeGrocery, phone: phone() })],
    retry: await fire(),
    cancel: await fire(),
  };
  await sql`update feedback_call_sessions set session_status = 'failed', retry_count = 1, failure_reason = 'busy', next_attempt_at = null
            where id = ${burst.retry}`;

  const jwt = (claims: Record<string, unknown>, sub: string | null, opts: { secret?: string; aud?: string; exp?: string } = {}) => {
    let t = new SignJWT({ role: 'authenticated', ...claims }).setProtectedHeader({ alg: 'HS256' }).setAudience(opts.aud ?? 'authenticated').setIssuedAt();
    if (sub !== null) t = t.setSubject(sub);
    return t.setExpirationTime(opts.exp ?? '5m').sign(new TextEncoder().encode(opts.secret ?? config.SUPABASE_JWT_SECRET));
  };
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
  const badBusinessAuth: Array<Record<string, string>> = [
    {},
    { authorization: '' },
    { authorization: 'Bearer' },
    { authorization: 'Bearer ' },
    { authorization: 'Bearer a.b.c' },
    { authorization: `bearer ${tenantA.token}` },
    { authorization: `Bearer ${tenantA.token} extra` },
    { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
    { authorization: `Bearer ${'x'.repeat(6_000)}.a.b` },
    { 'x-api-key': config.ADMIN_API_KEY },
    bearer(await tokenFor(deps, tenantA.userId, { expiresIn: '-10m' })),
    bearer(await tokenFor(deps, tenantA.userId, { secret: 'not-the-secret-0123456789abcdef0123' })),
    bearer(await jwt({}, 'not-a-uuid')),
    bearer(await jwt({}, r.uuid())),
    bearer(await jwt({}, null)),
    bearer(await jwt({}, tenantA.userId, { aud: 'anon' })),
    bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: tenantA.userId, aud: 'authenticated' })}.x`),
    bearer(`${b64({ alg: 'RS256', kid: 'nope' })}.${b64({ sub: tenantA.userId, aud: 'authenticated' })}.c2ln`),
    bearer(`${b64(null)}.${b64({ sub: tenantA.userId })}.c2ln`),
    bearer(`${Buffer.from('{not json').toString('base64url')}.e30.c2ln`),
    bearer(`${b64({ alg: 'HS256' })}.${Buffer.from(`{"sub":"${NUL}"}`).toString('base64url')}.c2ln`),
  ];

  return {
    apiKey: config.ADMIN_API_KEY,
    verificationSecret: config.VERIFICATION_WEBHOOK_SECRET,
    webhookSecret: config.WEBHOOK_SECRET,
    elksUrl: stack.sim.elksUrl,
    week,
    tenantA,
    tenantB,
    reportA,
    reportB,
    badBusinessAuth,
    events,
    pending,
    forTranscript,
    retryable,
    cancellable,
    live,
    completed,
    verifications,
    audio,
    burst,
  };
}

// ── the generators, one per route ───────────────────────────────────────────────────────────────

type Auth = 'none' | 'apiKey' | 'business' | 'verification' | 'webhookToken';
type Draft = { method: string; path: string; auth: Auth; json?: unknown; form?: Record<string, string | string[]>; tenant?: 'A' | 'B' };
type RouteGen = { key: string; gen: (r: Rng) => Draft };

const isoAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function transcriptMessages(r: Rng) {
  const answers = r.pick([ANSWERS.engagedGrocery, ANSWERS.negativeGrocery, ANSWERS.brief, ANSWERS.english, ANSWERS.otherGrocery]);
  return [
    { speaker: 'ai', content: 'Hej! Går det bra att vi spelar in ett kort samtal?', timestamp_ms: 0, message_order: 0, message_type: 'greeting' },
    { speaker: 'customer', content: 'Ja, det går bra.', timestamp_ms: 4_000, message_order: 1, message_type: 'consent', confidence_score: 0.93, language_detected: 'sv' },
    ...answers.flatMap((content, i) => [
      { speaker: 'ai', content: 'Hur var ditt besök?', timestamp_ms: 10_000 + i * 25_000, message_order: 2 + 2 * i, message_type: 'question' },
      { speaker: 'customer', content, timestamp_ms: 15_000 + i * 25_000, message_order: 3 + 2 * i, message_type: 'answer' },
    ]),
  ];
}

function routeGenerators(fx: Fixtures): RouteGen[] {
  const allSessions = [...fx.pending, ...fx.forTranscript, ...fx.retryable, ...fx.cancellable, ...fx.live.map((l) => l.sessionId), ...fx.completed];
  const anyStore = (r: Rng) => r.pick([fx.tenantA.storeId, fx.tenantA.storeId, fx.tenantB.storeId, GROCERY, r.uuid()]);
  const isoDay = (r: Rng) => r.pick([fx.week, fx.week, '2026-01-05', '2026-02-30', '2026-13-01', '0000-01-01', '9999-12-31', '2026-1-5', '1970-01-01']);

  const simple = (key: string, path: string, valid: Array<[string, string]> = []): RouteGen => ({
    key,
    gen: (r) => ({ method: 'GET', path: `${path}${r.chance(0.3) ? query(r, valid.length > 0 ? valid : [['x', '1']], 0.2) : ''}`, auth: 'none' }),
  });

  const elksQuery = (r: Rng, kind: string): string => {
    const live = r.pick(fx.live).sessionId;
    const k46 = kind as WebhookKind;
    /** The query 46elks would get from us: every binding (kind, session, attempt, turn, step, expiry) signed. */
    const signed = (s: string, a: number, n?: number, step: NextStep = {}): Array<[string, string]> => [
      ...new URLSearchParams(new URL(webhookUrl('http://x', fx.webhookSecret, k46, s, a, n, step)).search).entries(),
    ];
    const tokenOf = (pairs: Array<[string, string]>) => pairs.find(([key]) => key === 't')![1];
    const turn = r.int(6);
    const withTurn = kind === 'next' || kind === 'recording';
    const k = r.int(100);
    let pairs: Array<[string, string]>;
    if (k < 50) {
      pairs = signed(live, 1, withTurn ? turn : undefined, kind === 'next' && r.chance(0.3) ? { ack: true } : {});
    } else if (k < 65) {
      pairs = signed(r.uuid(), 1 + r.int(3), turn);
    } else if (k < 72) {
      pairs = signed(live, 2);
    } else if (k < 82) {
      // A token that is not this URL's: garbage, another attempt's, another kind's, truncated, padded, expired.
      const other = r.pick(['voice-start', 'next', 'recording', 'hangup'].filter((x) => x !== kind)) as WebhookKind;
      const good = signed(live, 1);
      const expired = [...new URLSearchParams(new URL(webhookUrl('http://x', fx.webhookSecret, k46, live, 1, undefined, {}, Date.now() - 30 * 3600_000)).search).entries()];
      const wrongKind = [...new URLSearchParams(new URL(webhookUrl('http://x', fx.webhookSecret, other, live, 1)).search).entries()];
      pairs = r.pick([
        good.map(([key, v]): [string, string] => [key, key === 't' ? r.pick(['', 'x', 'x'.repeat(101), `${v}=`, v.slice(1)]) : v]),
        good.map(([key, v]): [string, string] => [key, key === 't' ? tokenOf(signed(live, 2)) : v]),
        good.map(([key, v]): [string, string] => [key, key === 'e' ? String(Number(v) + 3600) : v]),
        wrongKind,
        expired,
      ]);
    } else {
      const a = r.pick(['0', '4', '1.5', '-1', '1e0', ' 1', '0x1', 'NaN', '']);
      const n = r.pick(['51', '-1', 'NaN', '1e1', '', '99999999999999999999']);
      const e = r.pick(['', '-1', 'NaN', '1e99', '99999999999999999999', '1.5']);
      pairs = [['s', r.pick([live, live.toUpperCase(), 'nope', '+46701234567', ''])], ['a', a], ['n', n], ['f', r.pick(['1', '2', 'true'])], ['e', e], ['t', tokenOf(signed(live, 1))]];
    }
    return query(r, pairs, 0.75);
  };
  const callid = (r: Rng) => r.pick([`c${r.hex(16)}`, r.uuid(), '']);
  const elks = (kind: string, form: (r: Rng) => Record<string, string>): RouteGen => ({
    key: `post /webhooks/46elks/${kind}`,
    gen: (r) => ({ method: 'POST', path: `/webhooks/46elks/${kind}${elksQuery(r, kind)}`, auth: 'webhookToken', form: fuzzForm(r, form(r)) }),
  });

  const business = (key: string, gen: (r: Rng) => Omit<Draft, 'auth'>): RouteGen => ({
    key,
    gen: (r) => ({ ...gen(r), auth: 'business', tenant: r.chance(0.8) ? 'A' : 'B' }),
  });
  const internal = (key: string, gen: (r: Rng) => Omit<Draft, 'auth'>): RouteGen => ({ key, gen: (r) => ({ ...gen(r), auth: 'apiKey' }) });

  const dryRun = (r: Rng) => ({
    messages: transcriptMessages(r),
    business_context: {
      store_name: 'Lindqvists Livs',
      departments: ['Frukt & grönt', 'Mejeri', 'Kassa'],
      baseline_facts: ['Ingen manuell fiskdisk'],
      ...(r.chance(0.5) ? { operating_hours: { monday: { open: '08:00', close: '21:00' }, sunday: null } } : {}),
      ...(r.chance(0.5) ? { timezone: r.pick(['Europe/Stockholm', 'Mars/Olympus', '']) } : {}),
      ...(r.chance(0.5) ? { transaction_time: isoAgo(30), transaction_amount: 250 } : {}),
    },
    total_duration_seconds: 90,
  });

  return [
    simple('get /health', '/health'),
    simple('get /ready', '/ready'),
    simple('get /metrics', '/metrics'),
    simple('get /openapi.json', '/openapi.json'),
    {
      key: 'get /docs',
      gen: (r) => ({
        method: 'GET',
        path: r.pick(['/docs', '/docs/', '/docs/index.html', '/docs/swagger-ui.css', '/docs/swagger-ui-init.js', '/docs/nope.js', '/docs/%2e%2e/%2e%2e/package.json', '/docs/%', `/docs/${r.pick(WEIRD_SEGMENTS)}`, '/docs/?url=http://evil']),
        auth: 'none',
      }),
    },
    {
      key: 'get /audio/{file}',
      gen: (r) => {
        const real = r.pick(fx.audio);
        const file = r.chance(0.4) ? real : r.pick([real.replace(/\.(wav|mp3)$/, (m) => (m === '.wav' ? '.mp3' : '.wav')), `${r.hex(32)}.wav`, `${r.hex(32)}.mp3`, real.toUpperCase(), `${real}.wav`, `${r.hex(31)}.wav`, `..%2F..%2F${real}`, ...WEIRD_SEGMENTS]);
        return { method: 'GET', path: `/audio/${file}${r.chance(0.1) ? query(r, [['v', '1']], 0) : ''}`, auth: 'none' };
      },
    },
    elks('voice-start', (r) => ({ callid: callid(r), direction: 'outgoing', from: '+46766860000', to: mobile(r), result: 'newoutgoing' })),
    elks('next', (r) => ({ callid: callid(r), result: r.pick(['ok', 'failed', 'timeout', '']), ...(r.chance(0.3) ? { why: 'silence' } : {}) })),
    elks('recording', (r) => ({ callid: callid(r), wav: `${fx.elksUrl}/recordings/${r.hex(16)}.wav`, duration: String(r.int(30)) })),
    elks('hangup', (r) => ({
      ...(r.chance(0.8) ? { id: callid(r) } : { callid: callid(r) }),
      state: r.pick(['success', 'failed', 'busy', 'ongoing']),
      start: isoAgo(2),
      duration: String(r.int(200)),
      cost: String(r.int(5_000)),
      actions: r.pick([JSON.stringify([{ play: 'x' }, { record: 'y' }, { record: 'z' }]), '[]', '', 'not json']),
    })),
    {
      key: 'post /webhooks/verification',
      gen: (r) => {
        const k = r.next();
        const fresh = verificationEvent({
          id: r.uuid(),
          store_id: r.pick([GROCERY, HARDWARE, fx.tenantA.storeId]),
          phone_number: r.chance(0.8) ? mobile(r) : phoneLike(r),
          transaction_amount: r.pick<number | string>([312.5, '99.90', 0, 1_500, 9_999_999_999.99]),
          transaction_time: isoAgo(10 + r.int(600)),
          verification_status: 'verified',
          verified_at: r.pick([new Date().toISOString(), null, isoAgo(60 * 72)]),
        });
        const json = k < 0.15 ? r.pick(fx.events) : fuzzed(r, fresh, 0.4);
        return { method: 'POST', path: '/webhooks/verification', auth: 'verification', json };
      },
    },
    internal('post /api/ai/calls/initiate', (r) => {
      const v = r.pick(fx.verifications);
      const valid = {
        customer_verification_id: r.chance(0.85) ? v.id : r.uuid(),
        phone_number: r.pick([v.phone, v.phone, `0${v.phone.slice(3)}`, phoneLike(r)]),
        store_id: r.chance(0.85) ? v.storeId : r.pick([GROCERY, HARDWARE, r.uuid()]),
        ...(r.chance(0.5) ? { priority: r.pick(['low', 'normal', 'high', 'urgent']) } : {}),
      };
      return { method: 'POST', path: '/api/ai/calls/initiate', json: fuzzed(r, valid) };
    }),
    internal('get /api/ai/calls/{call_session_id}/status', (r) => ({ method: 'GET', path: `/api/ai/calls/${idSegment(r, allSessions)}/status` })),
    internal('get /api/ai/calls/{call_session_id}/transcript', (r) => ({
      method: 'GET',
      path: `/api/ai/calls/${idSegment(r, [...fx.completed, ...fx.forTranscript, ...fx.pending])}/transcript`,
    })),
    internal('post /api/ai/calls/{call_session_id}/transcript', (r) => {
      const valid = { messages: transcriptMessages(r), total_duration_seconds: 60 + r.int(60), ...(r.chance(0.3) ? { openai_session_id: `sess_${r.hex(12)}` } : {}) };
      return { method: 'POST', path: `/api/ai/calls/${idSegment(r, [...fx.forTranscript, ...fx.forTranscript, ...fx.live.map((l) => l.sessionId), ...fx.completed], 0.7)}/transcript`, json: fuzzed(r, valid, 0.5) };
    }),
    internal('put /api/ai/calls/{call_session_id}/retry', (r) => ({
      method: 'PUT',
      path: `/api/ai/calls/${idSegment(r, [...fx.retryable, ...fx.retryable, ...fx.pending, ...fx.completed])}/retry`,
      ...(r.chance(0.2) ? { json: weird(r) } : {}),
    })),
    internal('delete /api/ai/calls/{call_session_id}', (r) => ({
      method: 'DELETE',
      path: `/api/ai/calls/${idSegment(r, [...fx.cancellable, ...fx.cancellable, ...fx.live.map((l) => l.sessionId), ...fx.completed.slice(-3)])}${query(r, r.chance(0.7) ? [['erase', r.pick(['true', 'false'])]] : [], 0.6)}`,
    })),
    internal('post /api/ai/calls/erase', (r) => ({ method: 'POST', path: '/api/ai/calls/erase', json: fuzzed(r, { phone_number: phoneLike(r) }) })),
    internal('post /api/ai/analysis/quality', (r) => {
      const valid = r.chance(0.5) ? { call_session_id: r.chance(0.85) ? r.pick(fx.completed) : r.pick([...fx.pending, r.uuid()]) } : dryRun(r);
      return { method: 'POST', path: '/api/ai/analysis/quality', json: fuzzed(r, valid, 0.4) };
    }),
    internal('post /api/ai/analysis/fraud-detection', (r) => {
      const checks = ['timing', 'content', 'context', 'pattern', 'model'].filter(() => r.chance(0.5));
      const valid = { call_session_id: r.chance(0.85) ? r.pick(fx.completed) : r.pick([...fx.pending, r.uuid()]), ...(checks.length > 0 ? { check_types: checks } : {}) };
      return { method: 'POST', path: '/api/ai/analysis/fraud-detection', json: fuzzed(r, valid) };
    }),
    internal('post /api/ai/analysis/summarize', (r) => ({
      method: 'POST',
      path: '/api/ai/analysis/summarize',
      json: fuzzed(r, { call_session_id: r.chance(0.85) ? r.pick(fx.completed) : r.pick([...fx.pending, r.uuid()]) }),
    })),
    internal('delete /api/ai/analysis/cleanup-low-grade', (r) => {
      const valid = { ...(r.chance(0.6) ? { quality_threshold: r.pick([0.2, 0.5, 0.9]) } : {}), ...(r.chance(0.5) ? { grace_days: r.pick([0, 7, 30]) } : {}), dry_run: r.chance(0.7) };
      return { method: 'DELETE', path: '/api/ai/analysis/cleanup-low-grade', ...(r.chance(0.9) ? { json: fuzzed(r, valid) } : {}) };
    }),
    internal('get /api/ai/analysis/metrics', (r) => ({
      method: 'GET',
      path: `/api/ai/analysis/metrics${query(r, [...(r.chance(0.5) ? ([['store_id', r.pick([GROCERY, HARDWARE, r.uuid()])]] as Array<[string, string]>) : []), ...(r.chance(0.5) ? ([['since', isoAgo(r.int(10_000))]] as Array<[string, string]>) : [])])}`,
    })),
    business('post /api/ai/business/reports/generate', (r) => {
      const valid = { store_id: anyStore(r), ...(r.chance(0.7) ? { analysis_week: isoDay(r) } : {}), ...(r.chance(0.3) ? { force: true } : {}) };
      return { method: 'POST', path: '/api/ai/business/reports/generate', json: fuzzed(r, valid, 0.5) };
    }),
    business('get /api/ai/business/reports/{report_id}', (r) => ({ method: 'GET', path: `/api/ai/business/reports/${idSegment(r, [fx.reportA, fx.reportA, fx.reportB])}` })),
    business('get /api/ai/business/reports', (r) => ({
      method: 'GET',
      path: `/api/ai/business/reports${query(r, [
        ...(r.chance(0.5) ? ([['store_id', anyStore(r)]] as Array<[string, string]>) : []),
        ...(r.chance(0.4) ? ([['start_date', isoDay(r)], ['end_date', isoDay(r)]] as Array<[string, string]>) : []),
        ...(r.chance(0.4) ? ([['page', r.pick(['1', '2', '0', '10000', '1e3'])], ['page_size', r.pick(['20', '100', '101', '0'])]] as Array<[string, string]>) : []),
      ])}`,
    })),
    business('get /api/ai/business/search', (r) => {
      const q = r.pick(['kassa', 'mejeri grädde', '"lång kö"', 'kö -bageri', 'kassa or mejeri', 'kassorna', "!&|():*<->'\\", `a${NUL}b`, '🙂', 'or', '-', '""', '+46701234567', 'x'.repeat(500)]);
      const pairs: Array<[string, string]> = [['q', q]];
      if (r.chance(0.4)) pairs.push(['store_id', anyStore(r)]);
      if (r.chance(0.3)) pairs.push(['start_date', isoDay(r)], ['end_date', isoDay(r)]);
      if (r.chance(0.4)) pairs.push(['scope', r.pick(['all', 'feedback', 'reports', 'nope'])]);
      if (r.chance(0.3)) pairs.push(['min_quality', r.pick(['0.5', '.5', '1', '2', '-1'])]);
      if (r.chance(0.3)) pairs.push(['sentiment', r.pick(['positive', 'negative', 'mixed', 'neutral', 'angry'])]);
      if (r.chance(0.3)) pairs.push(['max_results', r.pick(['1', '20', '100', '101', '0'])]);
      if (r.chance(0.3)) pairs.push([r.pick(['offset', 'page']), r.pick(['0', '1', '5', '9999999', '10001'])]);
      return { method: 'GET', path: `/api/ai/business/search${query(r, pairs)}` };
    }),
    business('get /api/ai/business/trends', (r) => ({
      method: 'GET',
      path: `/api/ai/business/trends${query(r, [...(r.chance(0.5) ? ([['store_id', anyStore(r)]] as Array<[string, string]>) : []), ['weeks', r.pick(['1', '12', '52', '53', '0'])]])}`,
    })),
    business('get /api/ai/business/recommendations', (r) => ({
      method: 'GET',
      path: `/api/ai/business/recommendations${query(r, [
        ...(r.chance(0.5) ? ([['store_id', anyStore(r)]] as Array<[string, string]>) : []),
        ['days', r.pick(['1', '28', '90', '91'])],
        ['max_results', r.pick(['1', '20', '50', '51'])],
      ])}`,
    })),
  ];
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

const JUNK_HEADERS: Array<Record<string, string>> = [
  { 'x-request-id': 'bad id <script>' },
  { 'x-request-id': 'r'.repeat(300) },
  { 'x-forwarded-for': 'not-an-ip' },
  { 'x-forwarded-for': '+46701234567' },
  { 'x-forwarded-for': '1.2.3.4, 5.6.7.8' },
  { 'x-forwarded-for': '::ffff:127.0.0.1' },
  { 'x-forwarded-for': '' },
  { accept: 'application/xml' },
  { accept: 'text/html' },
  { 'accept-encoding': 'gzip, br' },
  { 'x-http-method-override': 'DELETE' },
  { range: 'bytes=0-10' },
  { 'if-none-match': '*' },
  { cookie: 'a=b; '.repeat(200) },
  { 'content-type': 'application/json' },
];

/** A draft made concrete: credentials, the body's encoding, sometimes another method, odd headers. */
function finish(r: Rng, fx: Fixtures, key: string, d: Draft): FuzzRequest {
  const headers: Record<string, string> = {};
  const valid = r.chance(0.8);
  if (d.auth === 'apiKey') {
    Object.assign(
      headers,
      valid
        ? { 'x-api-key': fx.apiKey }
        : r.pick<Record<string, string>>([
            {},
            { 'x-api-key': '' },
            { 'x-api-key': `${fx.apiKey}x` },
            { 'x-api-key': fx.apiKey.toUpperCase() },
            { 'x-api-key': 'x'.repeat(4_000) },
            { 'x-api-key': 'nyckel-åäö' },
            { authorization: `Bearer ${fx.apiKey}` },
          ]),
    );
  } else if (d.auth === 'business') {
    Object.assign(headers, valid ? { authorization: `Bearer ${d.tenant === 'B' ? fx.tenantB.token : fx.tenantA.token}` } : r.pick(fx.badBusinessAuth));
  } else if (d.auth === 'verification') {
    Object.assign(
      headers,
      valid
        ? { authorization: `Bearer ${fx.verificationSecret}` }
        : r.pick<Record<string, string>>([{}, { authorization: 'Bearer' }, { authorization: `Bearer ${fx.verificationSecret}x` }, { authorization: fx.verificationSecret }, { 'x-api-key': fx.apiKey }]),
    );
  } else if (r.chance(0.1)) {
    Object.assign(headers, r.pick<Record<string, string>>([{ authorization: 'Bearer x' }, { 'x-api-key': fx.apiKey }, { authorization: `Bearer ${fx.tenantA.token}` }]));
  }

  let method = d.method;
  if (r.chance(0.06)) method = r.pick(METHODS.filter((m) => m !== d.method));
  let body: Buffer | undefined;
  let chunked: boolean | undefined;
  const withBody = d.json !== undefined || (method !== 'GET' && method !== 'HEAD' && r.chance(0.1)) || r.chance(0.03);
  if (d.form) {
    const f = formBody(r, d.form);
    Object.assign(headers, f.headers);
    body = f.body;
  } else if (withBody) {
    const j = jsonBody(r, d.json === undefined ? weird(r) : d.json);
    Object.assign(headers, j.headers);
    body = j.body;
    chunked = j.chunked;
  }
  if (r.chance(0.12)) Object.assign(headers, r.pick(JUNK_HEADERS));
  return { route: key, method, path: d.path, headers, body, chunked };
}

/** Paths no route serves (and a few near misses): the catch-all must answer them as well. */
const UNROUTED = [
  '/',
  '/api',
  '/api/ai',
  '/api/ai/calls',
  '/api/ai/calls/',
  '/api/ai/calls/x/y/z',
  '/api/ai/analysis',
  '/api/ai/business',
  '/api/ai/business/',
  '/api/ai/business/reports/generate/x',
  '/webhooks',
  '/webhooks/46elks',
  '/webhooks/46elks/unknown',
  '/webhooks/verification/x',
  '/audio',
  '/audio/',
  '/%',
  '/%E0%A4%A',
  '//',
  '/health/../ready',
  '/HEALTH',
  '/metrics.json',
  '/openapi.yaml',
  `/${'x'.repeat(4_000)}`,
  '/api/ai/calls/%2B46701234567',
  '/.env',
  '/wp-login.php',
];

/**
 * The cases that found bugs, kept as fixed regressions with the exact answer expected (each was a
 * 500 before its fix):
 * - a path parameter that is not valid percent-encoding: the router's URIError (status 400) fell
 *   through the error handler to 500 — src/http/error-handler.ts;
 * - a body that does not decompress (Content-Encoding gzip/deflate/br on plain bytes), and a form
 *   with more than 1,000 fields (body-parser `parameters.too.many`): same — src/http/error-handler.ts;
 * - report weeks and date filters that are no calendar day or outside what Postgres stores
 *   (2026-02-30, 0000-01-01; a week of 9999-12-31 ends in year 10000) — IsoDate and
 *   GenerateReportRequest in packages/types/src/reports.ts, CalendarDate (search) in business.ts;
 * - a verification's amount beyond numeric(12, 2) and times in year 0 or 9999 (the 48 h deadline
 *   overflows), and /metrics?since in year 0 — Timestamp in packages/types/src/domain.ts, calls.ts, analysis.ts;
 * - a transcript message with U+0000 in its text, or timestamp_ms/message_order past a Postgres
 *   integer — TranscriptMessage in packages/types/src/calls.ts.
 */
function regressions(fx: Fixtures): FuzzRequest[] {
  const api = { 'x-api-key': fx.apiKey };
  const biz = { authorization: `Bearer ${fx.tenantA.token}` };
  const json = { 'content-type': 'application/json' };
  const live = fx.live[0]!.sessionId;
  const elksQ = new URL(webhookUrl('http://x', fx.webhookSecret, 'next', live, 1, 0)).search;
  const event = (record: Record<string, unknown>) =>
    Buffer.from(
      JSON.stringify(
        verificationEvent({
          id: '7f3c1a52-0d4e-4b8a-9c61-2f0e5d7a9b13',
          store_id: GROCERY,
          phone_number: '+46701234567',
          transaction_amount: 100,
          transaction_time: isoAgo(10),
          verification_status: 'verified',
          verified_at: new Date().toISOString(),
          ...record,
        }),
      ),
    );
  const message = (over: Record<string, unknown>) =>
    Buffer.from(
      JSON.stringify({
        messages: [
          { speaker: 'ai', content: 'Hej! Går det bra att vi spelar in?', timestamp_ms: 0, message_order: 0 },
          { speaker: 'customer', content: 'Ja.', timestamp_ms: 3_000, message_order: 1, ...over },
        ],
        total_duration_seconds: 90,
      }),
    );
  const cases: Array<[string, number, Omit<FuzzRequest, 'route' | 'expect'>]> = [
    ['undecodable path parameter (audio)', 400, { method: 'GET', path: '/audio/%C0%AF', headers: {} }],
    ['undecodable path parameter (retry)', 400, { method: 'PUT', path: '/api/ai/calls/%E0%A4%A/retry', headers: api }],
    ['undecodable path parameter (delete)', 400, { method: 'DELETE', path: '/api/ai/calls/%zz?erase=false', headers: api }],
    ['undecodable path parameter (report)', 400, { method: 'GET', path: '/api/ai/business/reports/%', headers: biz }],
    ['body that does not inflate', 400, { method: 'POST', path: '/api/ai/calls/initiate', headers: { ...api, ...json, 'content-encoding': 'deflate' }, body: Buffer.from('{}') }],
    ['body that does not un-brotli', 400, { method: 'POST', path: '/webhooks/verification', headers: { authorization: `Bearer ${fx.verificationSecret}`, ...json, 'content-encoding': 'br' }, body: event({}) }],
    ['body that does not gunzip', 400, { method: 'POST', path: '/api/ai/analysis/summarize', headers: { ...api, ...json, 'content-encoding': 'gzip' }, body: Buffer.from('{"call_session_id":1}') }],
    ['46elks form with 1,500 fields', 413, { method: 'POST', path: `/webhooks/46elks/next${elksQ}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(Array.from({ length: 1_500 }, (_, i) => `p${i}=${i}`).join('&')) }],
    ...(['9999-12-31', '2026-02-30', '0000-01-01'] as const).map(
      (week): [string, number, Omit<FuzzRequest, 'route' | 'expect'>] => [
        `report week ${week}`,
        400,
        { method: 'POST', path: '/api/ai/business/reports/generate', headers: { ...biz, ...json }, body: Buffer.from(JSON.stringify({ store_id: fx.tenantA.storeId, analysis_week: week })) },
      ],
    ),
    ['report list from 2026-13-01', 400, { method: 'GET', path: '/api/ai/business/reports?start_date=2026-13-01', headers: biz }],
    ['report list from 0000-01-01', 400, { method: 'GET', path: `/api/ai/business/reports?store_id=${fx.tenantA.storeId}&start_date=0000-01-01`, headers: biz }],
    ['verification amount beyond numeric(12,2)', 400, { method: 'POST', path: '/webhooks/verification', headers: { authorization: `Bearer ${fx.verificationSecret}`, ...json }, body: event({ transaction_amount: '99999999999' }) }],
    ['verification verified in 9999', 400, { method: 'POST', path: '/webhooks/verification', headers: { authorization: `Bearer ${fx.verificationSecret}`, ...json }, body: event({ verified_at: '9999-12-31T23:59:59Z' }) }],
    ['verification bought in year 0', 400, { method: 'POST', path: '/webhooks/verification', headers: { authorization: `Bearer ${fx.verificationSecret}`, ...json }, body: event({ transaction_time: '0000-01-01T00:00:00Z' }) }],
    ['search from 0000-01-01', 400, { method: 'GET', path: '/api/ai/business/search?q=kassa&start_date=0000-01-01&end_date=9999-12-31', headers: biz }],
    ['metrics since year 0', 400, { method: 'GET', path: '/api/ai/analysis/metrics?since=0000-01-01T00:00:00Z', headers: api }],
    ['transcript text with U+0000', 400, { method: 'POST', path: `/api/ai/calls/${fx.forTranscript[0]}/transcript`, headers: { ...api, ...json }, body: message({ content: `a${NUL}b` }) }],
    ['transcript message_type with U+0000', 400, { method: 'POST', path: `/api/ai/calls/${fx.forTranscript[0]}/transcript`, headers: { ...api, ...json }, body: message({ message_type: NUL }) }],
    ['transcript timestamp_ms 2^31', 400, { method: 'POST', path: `/api/ai/calls/${fx.forTranscript[0]}/transcript`, headers: { ...api, ...json }, body: message({ timestamp_ms: 2 ** 31 }) }],
    ['transcript message_order 2^31', 400, { method: 'POST', path: `/api/ai/calls/${fx.forTranscript[0]}/transcript`, headers: { ...api, ...json }, body: message({ message_order: 2 ** 31 }) }],
  ];
  return cases.map(([name, expect, req]) => ({ ...req, route: `regression: ${name}`, expect }));
}

// ── the served routes, read from the app itself ─────────────────────────────────────────────────

type LayerLike = { route?: { path: unknown; methods: Record<string, boolean> }; handle?: unknown; rawPath?: unknown };
type RouterLike = { stack: LayerLike[] };
const isRouter = (h: unknown): h is RouterLike => typeof h === 'function' && Array.isArray((h as { stack?: unknown }).stack);
const toOpenApiPath = (p: string) => p.replace(/:(\w+)/g, '{$1}');

/**
 * `method path` of every route in the Express router stack, nested routers included; a middleware
 * mounted on its own path with no route under it (the Swagger UI at /docs) counts as `get <path>`.
 * Mount paths come from the layers' `rawPath` (router 2.x): should that change, the prefixes go
 * missing and the comparison with the OpenAPI document fails loudly rather than passing.
 */
function servedRoutes(app: unknown): string[] {
  const routes = new Set<string>();
  const mounts = new Set<string>();
  const walk = (router: RouterLike, prefix: string) => {
    for (const layer of router.stack) {
      const own = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      if (layer.route) {
        const ps = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of ps) for (const m of Object.keys(layer.route.methods)) if (m !== '_all') routes.add(`${m} ${toOpenApiPath(prefix + String(p))}`);
      } else if (isRouter(layer.handle)) walk(layer.handle, prefix + own);
      else if (own) mounts.add(prefix + own);
    }
  };
  walk((app as { router: RouterLike }).router, '');
  const all = [...routes];
  for (const m of mounts) if (!all.some((r) => r.split(' ')[1]!.startsWith(`${m}/`))) all.push(`get ${m}`);
  return all.sort();
}

// ── checks ──────────────────────────────────────────────────────────────────────────────────────

const CODES = ERROR_STATUS as Record<string, number>;

/** Every error answer is the ErrorResponse of DESIGN §5, with the status its code maps to. */
function shapeProblem(o: Outcome): string | null {
  if (o.status < 400 || o.req.method === 'HEAD') return null;
  // The Swagger UI (HTML, not the JSON API) refuses any …/package.json under /docs itself, in text.
  if (o.req.path.startsWith('/docs/') && o.req.path.split('?')[0]!.endsWith('/package.json') && o.status === 404) return null;
  if (!o.contentType.startsWith('application/json')) return `content-type "${o.contentType}"`;
  let b: Record<string, unknown>;
  try {
    b = JSON.parse(o.body) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  if (typeof b.error !== 'string' || typeof b.message !== 'string' || typeof b.timestamp !== 'string') return 'not {error, message, timestamp}';
  if (Number.isNaN(Date.parse(b.timestamp))) return `timestamp "${b.timestamp}"`;
  if (CODES[b.error] !== o.status) return `error "${b.error}" does not map to ${o.status}`;
  return null;
}

const excerpt = (s: string | Buffer | undefined, n = 240) => {
  if (s === undefined) return '(none)';
  const t = typeof s === 'string' ? s : s.toString('utf8');
  return JSON.stringify(t.length > n ? `${t.slice(0, n)}…(${t.length} chars)` : t);
};
const explain = (o: Outcome) =>
  `${o.req.method} ${o.req.path.slice(0, 200)} [${o.req.route}, ${o.id}] → ${o.status || o.error}\n` +
  `    request headers: ${excerpt(JSON.stringify(o.req.headers), 300)}\n    request body: ${excerpt(o.req.body)}\n    response: ${excerpt(o.body, 400)}`;

// ── the drill ───────────────────────────────────────────────────────────────────────────────────

describe('fuzz drill: 2,000 fuzzed requests across every endpoint → no 5xx', () => {
  let stack: Stack;
  let fx: Fixtures;
  let gens: RouteGen[];
  const r = createRng(SEED);

  beforeAll(async () => {
    stack = await startStack({
      workers: false,
      env: { RATE_LIMIT_IP: '1000000', RATE_LIMIT_INTERNAL: '1000000', RATE_LIMIT_BUSINESS: '1000000', RATE_LIMIT_AUTH_FAILURES: '1000000' },
    });
    fx = await setup(stack, r);
    gens = routeGenerators(fx);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('fuzzes every route the app serves: the router stack, the OpenAPI document and the generators agree', async () => {
    const served = servedRoutes(stack.app());
    const res = await sendJson(stack, 'GET', '/openapi.json', {});
    const documented = Object.entries(res.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
      .sort();
    const generated = gens.map((g) => g.key).sort();
    expect(served).toEqual(documented);
    expect(generated).toEqual(served);
    expect(served.length).toBeGreaterThanOrEqual(28);
  });

  it('answers 2,000+ fuzzed requests without a 5xx, with ErrorResponses, no phone number logged, and stays healthy', async () => {
    // The requests, in groups: one per request, or a burst of identical ones that race.
    const groups: FuzzRequest[][] = [];
    for (let i = 0; i < PER_ROUTE; i++) for (const g of gens) groups.push([finish(r, fx, g.key, g.gen(r))]);
    for (const path of UNROUTED) groups.push([finish(r, fx, 'unrouted', { method: r.pick(METHODS), path, auth: r.pick<Auth>(['none', 'apiKey', 'business']), tenant: 'A' })]);

    const burst = (key: string, method: string, path: string, headers: Record<string, string>, json?: unknown, n = 6): FuzzRequest[] =>
      Array.from({ length: n }, () => ({
        route: `${key} (burst)`,
        method,
        path,
        headers: { ...headers, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
        body: json === undefined ? undefined : Buffer.from(JSON.stringify(json)),
      }));
    const api = { 'x-api-key': fx.apiKey };
    const biz = { authorization: `Bearer ${fx.tenantA.token}` };
    const b = fx.burst;
    const live = fx.live[0]!.sessionId;
    const q = (kind: WebhookKind, s: string, n?: number) => new URL(webhookUrl('http://x', fx.webhookSecret, kind, s, 1, n)).search;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    groups.push(
      burst('post /webhooks/verification', 'POST', '/webhooks/verification', { authorization: `Bearer ${fx.verificationSecret}` }, b.event),
      burst('post /api/ai/calls/initiate', 'POST', '/api/ai/calls/initiate', api, { customer_verification_id: b.verification.id, phone_number: b.verification.phone, store_id: b.verification.storeId }),
      burst('post /api/ai/calls/{call_session_id}/transcript', 'POST', `/api/ai/calls/${b.transcriptSession}/transcript`, api, { messages: transcriptMessages(r), total_duration_seconds: 95 }),
      burst('post /api/ai/analysis/quality', 'POST', '/api/ai/analysis/quality', api, { call_session_id: b.completed[0] }),
      burst('post /api/ai/analysis/fraud-detection', 'POST', '/api/ai/analysis/fraud-detection', api, { call_session_id: b.completed[1] }),
      burst('post /api/ai/analysis/summarize', 'POST', '/api/ai/analysis/summarize', api, { call_session_id: b.completed[1] }),
      burst('put /api/ai/calls/{call_session_id}/retry', 'PUT', `/api/ai/calls/${b.retry}/retry`, api),
      burst('delete /api/ai/calls/{call_session_id}', 'DELETE', `/api/ai/calls/${b.cancel}?erase=true`, api),
      burst('post /api/ai/business/reports/generate', 'POST', '/api/ai/business/reports/generate', biz, { store_id: fx.tenantA.storeId, analysis_week: fx.week, force: true }),
      burst('post /webhooks/46elks/voice-start', 'POST', `/webhooks/46elks/voice-start${q('voice-start', live)}`, form).map((x) => ({ ...x, body: Buffer.from('callid=c1&direction=outgoing&result=newoutgoing') })),
      burst('post /webhooks/46elks/next', 'POST', `/webhooks/46elks/next${q('next', live, 0)}`, form).map((x) => ({ ...x, body: Buffer.from('callid=c1&result=ok') })),
      burst('post /webhooks/46elks/hangup', 'POST', `/webhooks/46elks/hangup${q('hangup', live)}`, form).map((x) => ({ ...x, body: Buffer.from('id=c1&state=success&duration=42&cost=2500') })),
    );

    for (const reg of regressions(fx)) groups.push([reg]);

    const requests = r.shuffle(groups).flat();
    expect(requests.length).toBeGreaterThanOrEqual(2_000);
    // The same seed gives the same sequence: ids and times differ between runs, their lengths do not
    // (compressed bodies aside: their size depends on the bytes).
    const bodySize = (q: FuzzRequest) => (q.headers['content-encoding'] ? 'encoded' : (q.body?.length ?? '-'));
    const fingerprint = createHash('sha256')
      .update(requests.map((q) => `${q.route} ${q.method} ${q.path.length} ${bodySize(q)} ${Object.keys(q.headers).join(',')}`).join('\n'))
      .digest('hex')
      .slice(0, 16);

    const port = Number(new URL(stack.baseUrl).port);
    const agent = new http.Agent({ keepAlive: true, maxSockets: BATCH });
    const outcomes: Outcome[] = [];
    const started = Date.now();
    for (let i = 0; i < requests.length; i += BATCH) {
      const batch = requests.slice(i, i + BATCH);
      outcomes.push(...(await Promise.all(batch.map((req, j) => send(agent, port, req, `fuzz-${String(i + j).padStart(5, '0')}`)))));
    }
    agent.destroy();
    const elapsed = Date.now() - started;

    // What came back, per route (printed once, for the record).
    const byRoute = new Map<string, Map<number, number>>();
    for (const o of outcomes) {
      const m = byRoute.get(o.req.route) ?? new Map<number, number>();
      m.set(o.status, (m.get(o.status) ?? 0) + 1);
      byRoute.set(o.req.route, m);
    }
    console.info(
      `fuzz: ${outcomes.length} requests (sequence ${fingerprint}) in ${elapsed} ms\n${[...byRoute]
        .sort(([a], [b_]) => a.localeCompare(b_))
        .map(([route, m]) => `  ${route}: ${[...m].sort(([a], [b_]) => a - b_).map(([s, n]) => `${s}×${n}`).join(' ')}`)
        .join('\n')}`,
    );

    expect(outcomes.length).toBeGreaterThanOrEqual(2_000);
    const failed = outcomes.filter((o) => o.status >= 500 || o.status === 0);
    const serverLog = (o: Outcome) =>
      stack.logs
        .filter((l) => l.includes(`"requestId":"${o.id}"`) && l.includes('"level":"error"'))
        .map((l) => `    log: ${l.slice(0, 600)}`)
        .join('\n');
    if (failed.length > 0) {
      throw new Error(`${failed.length} request(s) failed with a 5xx or no answer:\n${failed.map((o) => `  ${explain(o)}\n${serverLog(o)}`).join('\n')}`);
    }
    const misshapen = outcomes.map((o) => [o, shapeProblem(o)] as const).filter(([, p]) => p !== null);
    if (misshapen.length > 0) {
      throw new Error(`${misshapen.length} error answer(s) are not an ErrorResponse:\n${misshapen.map(([o, p]) => `  ${p}: ${explain(o)}`).join('\n')}`);
    }
    // The cases that found bugs answer exactly what they should now.
    const regressed = outcomes.filter((o) => o.req.expect !== undefined && o.status !== o.req.expect);
    if (regressed.length > 0) {
      throw new Error(`${regressed.length} regression case(s) answered otherwise:\n${regressed.map((o) => `  expected ${o.req.expect}: ${explain(o)}`).join('\n')}`);
    }
    // The handlers were reached, not only the validators: every route answered 2xx at least once.
    for (const g of gens) {
      const m = byRoute.get(g.key)!;
      expect({ route: g.key, sent: [...m.values()].reduce((a, n) => a + n, 0) >= PER_ROUTE }).toEqual({ route: g.key, sent: true });
      expect({ route: g.key, ok: [...m.keys()].some((s) => s >= 200 && s < 300) }).toEqual({ route: g.key, ok: true });
    }

    // Still healthy.
    const health = await sendJson(stack, 'GET', '/health', {});
    expect(health.status).toBe(200);
    const ready = await sendJson(stack, 'GET', '/ready', {});
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready' } });

    // No phone number — valid or rejected, in any form — reached a log line.
    expectNoPhoneNumbers(stack.logs, usedPhones);
  }, 180_000);
});

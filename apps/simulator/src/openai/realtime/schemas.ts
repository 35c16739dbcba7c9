import { z } from 'zod';

/**
 * Client events of the GA Realtime protocol, checked the way the real API does: strict objects (an unknown
 * key is "Unknown parameter"), shapes from `openai/resources/realtime/realtime` (openai@6.49.0).
 */

const AudioFormat = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('audio/pcm'), rate: z.literal(24000).optional() }),
  z.strictObject({ type: z.literal('audio/pcmu') }),
  z.strictObject({ type: z.literal('audio/pcma') }),
]);

export const ServerVad = z.strictObject({
  type: z.literal('server_vad'),
  threshold: z.number().min(0).max(1).optional(),
  prefix_padding_ms: z.number().int().min(0).optional(),
  silence_duration_ms: z.number().int().min(0).optional(),
  idle_timeout_ms: z.number().int().min(5000).max(30000).nullable().optional(),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
});

export const SemanticVad = z.strictObject({
  type: z.literal('semantic_vad'),
  eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
});

const Transcription = z.strictObject({
  model: z.string().min(1).optional(),
  language: z.string().min(2).optional(),
  prompt: z.string().optional(),
  delay: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
});

const Voice = z.union([z.string().min(1), z.strictObject({ id: z.string().min(1) })]);

const AudioInput = z.strictObject({
  format: AudioFormat.optional(),
  noise_reduction: z.strictObject({ type: z.enum(['near_field', 'far_field']).optional() }).nullable().optional(),
  transcription: Transcription.nullable().optional(),
  turn_detection: z.discriminatedUnion('type', [ServerVad, SemanticVad]).nullable().optional(),
});

const AudioOutput = z.strictObject({
  format: AudioFormat.optional(),
  voice: Voice.optional(),
  speed: z.number().min(0.25).max(1.5).optional(),
});

const FunctionTool = z.strictObject({
  type: z.literal('function').optional(),
  name: z.string().min(1).max(64).optional(),
  description: z.string().optional(),
  parameters: z.unknown().optional(),
});
const McpTool = z.looseObject({ type: z.literal('mcp'), server_label: z.string() });
const Tool = z.union([FunctionTool, McpTool]);

const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), name: z.string().min(1) }),
  z.looseObject({ type: z.literal('mcp'), server_label: z.string() }),
]);

const MaxTokens = z.union([z.number().int().min(1).max(4096), z.literal('inf')]);
const Modalities = z.array(z.enum(['text', 'audio'])).min(1).max(1);

export const Session = z.strictObject({
  type: z.literal('realtime'),
  model: z.string().min(1).optional(),
  instructions: z.string().optional(),
  output_modalities: Modalities.optional(),
  audio: z.strictObject({ input: AudioInput.optional(), output: AudioOutput.optional() }).optional(),
  include: z.array(z.literal('item.input_audio_transcription.logprobs')).optional(),
  max_output_tokens: MaxTokens.optional(),
  parallel_tool_calls: z.boolean().optional(),
  prompt: z.looseObject({ id: z.string() }).nullable().optional(),
  reasoning: z.strictObject({ effort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional() }).optional(),
  tool_choice: ToolChoice.optional(),
  tools: z.array(Tool).optional(),
  tracing: z.union([z.literal('auto'), z.looseObject({})]).nullable().optional(),
  truncation: z
    .union([z.enum(['auto', 'disabled']), z.strictObject({ type: z.literal('retention_ratio'), retention_ratio: z.number().min(0).max(1) })])
    .optional(),
});
export type SessionInput = z.output<typeof Session>;

const Status = z.enum(['completed', 'incomplete', 'in_progress']).optional();
const ItemBase = { id: z.string().min(1).max(64).optional(), object: z.literal('realtime.item').optional(), status: Status };

const MessageItem = z.discriminatedUnion('role', [
  z.strictObject({
    ...ItemBase,
    type: z.literal('message'),
    role: z.literal('system'),
    content: z.array(z.strictObject({ type: z.literal('input_text').optional(), text: z.string().optional() })),
  }),
  z.strictObject({
    ...ItemBase,
    type: z.literal('message'),
    role: z.literal('user'),
    content: z.array(
      z.strictObject({
        type: z.enum(['input_text', 'input_audio', 'input_image']).optional(),
        text: z.string().optional(),
        audio: z.string().optional(),
        transcript: z.string().optional(),
        image_url: z.string().optional(),
        detail: z.enum(['auto', 'low', 'high']).optional(),
      }),
    ),
  }),
  z.strictObject({
    ...ItemBase,
    type: z.literal('message'),
    role: z.literal('assistant'),
    content: z.array(
      z.strictObject({
        type: z.enum(['output_text', 'output_audio']).optional(),
        text: z.string().optional(),
        audio: z.string().optional(),
        transcript: z.string().optional(),
      }),
    ),
  }),
]);

export const Item = z.union([
  MessageItem,
  z.strictObject({ ...ItemBase, type: z.literal('function_call'), name: z.string().min(1), arguments: z.string(), call_id: z.string().optional() }),
  z.strictObject({ ...ItemBase, type: z.literal('function_call_output'), call_id: z.string().min(1), output: z.string() }),
]);
export type ItemInput = z.output<typeof Item>;

const EventId = { event_id: z.string().max(512).optional() };

export const ResponseParams = z.strictObject({
  instructions: z.string().optional(),
  conversation: z.string().optional(),
  input: z.array(z.unknown()).optional(),
  output_modalities: Modalities.optional(),
  audio: z.strictObject({ output: z.strictObject({ format: AudioFormat.optional(), voice: Voice.optional() }).optional() }).optional(),
  max_output_tokens: MaxTokens.optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  parallel_tool_calls: z.boolean().optional(),
  prompt: z.looseObject({ id: z.string() }).nullable().optional(),
  reasoning: z.strictObject({ effort: z.enum(['minimal', 'low', 'medium', 'high', 'xhigh']).optional() }).optional(),
  tool_choice: ToolChoice.optional(),
  tools: z.array(Tool).optional(),
});

/** Client events by type. Server events (`response.audio.delta`, …) and beta names are not among them. */
export const CLIENT_EVENTS = {
  'session.update': z.strictObject({ ...EventId, type: z.literal('session.update'), session: z.looseObject({}) }),
  'input_audio_buffer.append': z.strictObject({ ...EventId, type: z.literal('input_audio_buffer.append'), audio: z.base64() }),
  'input_audio_buffer.commit': z.strictObject({ ...EventId, type: z.literal('input_audio_buffer.commit') }),
  'input_audio_buffer.clear': z.strictObject({ ...EventId, type: z.literal('input_audio_buffer.clear') }),
  'output_audio_buffer.clear': z.strictObject({ ...EventId, type: z.literal('output_audio_buffer.clear') }),
  'conversation.item.create': z.strictObject({
    ...EventId,
    type: z.literal('conversation.item.create'),
    previous_item_id: z.string().nullable().optional(),
    item: Item,
  }),
  'conversation.item.truncate': z.strictObject({
    ...EventId,
    type: z.literal('conversation.item.truncate'),
    item_id: z.string().min(1),
    content_index: z.number().int().min(0),
    audio_end_ms: z.number().int().min(0),
  }),
  'conversation.item.delete': z.strictObject({ ...EventId, type: z.literal('conversation.item.delete'), item_id: z.string().min(1) }),
  'conversation.item.retrieve': z.strictObject({ ...EventId, type: z.literal('conversation.item.retrieve'), item_id: z.string().min(1) }),
  'response.create': z.strictObject({ ...EventId, type: z.literal('response.create'), response: ResponseParams.optional() }),
  'response.cancel': z.strictObject({ ...EventId, type: z.literal('response.cancel'), response_id: z.string().optional() }),
} as const;

export type ClientEventType = keyof typeof CLIENT_EVENTS;
export type ClientEvent = { [K in ClientEventType]: z.output<(typeof CLIENT_EVENTS)[K]> }[ClientEventType];

export interface ProtocolError {
  type: 'invalid_request_error' | 'server_error';
  code: string;
  message: string;
  param: string | null;
}

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), root);

const typeName = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'number' ? (Number.isInteger(v) ? 'an integer' : 'a decimal') : `a ${typeof v}`;

/** The first issue of a failed parse as the real API words it (unknown keys first, then missing, then invalid). */
export const toProtocolError = (error: z.ZodError, root: unknown, prefix: readonly PropertyKey[] = []): ProtocolError => {
  const flat: z.core.$ZodIssue[] = [];
  const walk = (issues: readonly z.core.$ZodIssue[]) => {
    for (const i of issues) {
      if (i.code === 'invalid_union' && i.errors.length > 0) {
        // The branch that got furthest (fewest issues) explains the failure best.
        const best = [...i.errors].sort((a, b) => a.length - b.length)[0] ?? [];
        walk(best.map((b) => ({ ...b, path: [...i.path, ...b.path] })));
      } else flat.push(i);
    }
  };
  walk(error.issues);
  const unknown = flat.find((i) => i.code === 'unrecognized_keys');
  const full = (path: readonly PropertyKey[]) => [...prefix, ...path].map(String).join('.');
  if (unknown && unknown.code === 'unrecognized_keys') {
    const param = full([...unknown.path, unknown.keys[0] ?? '']);
    return { type: 'invalid_request_error', code: 'unknown_parameter', message: `Unknown parameter: '${param}'.`, param };
  }
  const missing = flat.find((i) => (i.code === 'invalid_type' || i.code === 'invalid_value') && valueAt(root, i.path) === undefined);
  if (missing) {
    const param = full(missing.path);
    return { type: 'invalid_request_error', code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param };
  }
  const first = flat[0];
  const param = first ? full(first.path) : null;
  const value = first ? valueAt(root, first.path) : undefined;
  if (first?.code === 'invalid_type') {
    return {
      type: 'invalid_request_error',
      code: 'invalid_type',
      message: `Invalid type for '${param}': expected ${first.expected}, but got ${typeName(value)} instead.`,
      param,
    };
  }
  return {
    type: 'invalid_request_error',
    code: 'invalid_value',
    message: `Invalid value: ${JSON.stringify(value) ?? 'undefined'}. ${first?.message ?? 'Invalid event.'}`,
    param,
  };
};

export type ParseResult = { ok: true; event: ClientEvent } | { ok: false; error: ProtocolError; eventId: string | null };

/** zod's own `z.base64()` pattern (zod/v4/core/regexes.js). */
const BASE64 = /^$|^(?:[0-9a-zA-Z+/]{4})*(?:(?:[0-9a-zA-Z+/]{2}==)|(?:[0-9a-zA-Z+/]{3}=))?$/;

/**
 * The caller's audio — 50 appends a second per live call — checked by hand against exactly what its
 * schema accepts (only type, audio as base64 and an optional event_id ≤ 512 characters); anything
 * else, valid or not, goes through the schema, which also words the error. zod's safeParse of every
 * append was ~6 % of this simulator's CPU at 150 live calls (CPU profile, bench/realtime.ts).
 */
function plainAppend(obj: Record<string, unknown>): ClientEvent | null {
  let keys = 0;
  for (const k in obj) {
    if (k !== 'type' && k !== 'audio' && k !== 'event_id') return null;
    keys++;
  }
  const { audio, event_id } = obj;
  if (typeof audio !== 'string' || !BASE64.test(audio)) return null;
  if (event_id !== undefined && (typeof event_id !== 'string' || event_id.length > 512)) return null;
  if (keys !== (event_id === undefined ? 2 : 3)) return null;
  return event_id === undefined ? { type: 'input_audio_buffer.append', audio } : { type: 'input_audio_buffer.append', audio, event_id };
}

/** Parses one text frame into a client event, or the `error` the real API would send for it. */
export const parseClientEvent = (text: string): ParseResult => {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {
      ok: false,
      eventId: null,
      error: { type: 'invalid_request_error', code: 'invalid_json', message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", param: null },
    };
  }
  const obj = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  const eventId = typeof obj?.event_id === 'string' ? obj.event_id : null;
  const type = obj?.type;
  if (typeof type !== 'string') {
    return { ok: false, eventId, error: { type: 'invalid_request_error', code: 'missing_required_parameter', message: "Missing required parameter: 'type'.", param: 'type' } };
  }
  if (!Object.hasOwn(CLIENT_EVENTS, type)) {
    const supported = Object.keys(CLIENT_EVENTS)
      .map((t) => `'${t}'`)
      .join(', ');
    return {
      ok: false,
      eventId,
      error: { type: 'invalid_request_error', code: 'invalid_value', message: `Invalid value: '${type}'. Supported values are: ${supported}.`, param: 'type' },
    };
  }
  const fast = type === 'input_audio_buffer.append' ? plainAppend(obj!) : null;
  if (fast) return { ok: true, event: fast };
  const parsed = CLIENT_EVENTS[type as ClientEventType].safeParse(raw);
  if (!parsed.success) return { ok: false, eventId, error: toProtocolError(parsed.error, raw) };
  return { ok: true, event: parsed.data as ClientEvent };
};

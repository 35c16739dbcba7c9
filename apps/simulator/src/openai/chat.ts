import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { analyze } from './heuristics/analyze';
import { summaryOf } from './heuristics/derive';
import { type ChatMessageLike, messageText, readConversation } from './heuristics/input';
import { sendError } from './errors';
import { type JsonSchema, generateFromSchema } from './schema/generate';
import { strictSchemaError } from './schema/strict-check';
import type { OpenAiContext } from './state';

const Message = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.unknown()), z.null()]).optional(),
});

const ResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must match '^[a-zA-Z0-9_-]+$' and be at most 64 characters"),
      description: z.string().optional(),
      strict: z.boolean().nullish(),
      schema: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);

const ChatRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(Message).min(1),
  response_format: ResponseFormat.optional(),
  n: z.number().int().min(1).max(8).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  stream: z.boolean().nullish(),
});

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

/** Snake_case keys named in a json_object prompt (e.g. "Svara med JSON med nycklarna summary, sentiment"). */
const keysIn = (text: string): string[] => {
  const keys = new Set<string>();
  const pattern = /"([a-z][a-z0-9_]*)"|\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+|summary|sentiment|themes|topics|language|departments|recommendations|priority)\b/g;
  for (const m of text.matchAll(pattern)) {
    const key = m[1] ?? m[2];
    if (key && !/^(store_name|baseline_facts|json_object|response_format)$/.test(key)) keys.add(key);
  }
  return [...keys];
};

const REFUSAL = "I'm sorry, but I can't help with that request.";

export const chatCompletionsRoute = (ctx: OpenAiContext) => (req: Request, res: Response) => {
  const parsed = ChatRequest.safeParse(req.body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') || null;
    return sendError(res, 400, `Invalid value for '${param ?? 'body'}': ${issue?.message ?? 'invalid request'}`, 'invalid_request_error', param);
  }
  const body = parsed.data;
  if (body.stream) return sendError(res, 400, 'The simulator does not support stream=true.', 'invalid_request_error', 'stream');
  const format = body.response_format ?? { type: 'text' as const };
  const messages = body.messages as ChatMessageLike[];
  const allText = messages.map((m) => messageText(m.content)).join('\n');
  if (format.type === 'json_object' && !/json/i.test(allText)) {
    return sendError(res, 400, "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", 'invalid_request_error', 'messages');
  }
  if (format.type === 'json_schema') {
    if (!format.json_schema.schema) return sendError(res, 400, "Missing required parameter: 'response_format.json_schema.schema'.", 'invalid_request_error', 'response_format.json_schema.schema');
    if (format.json_schema.strict) {
      const err = strictSchemaError(format.json_schema.name, format.json_schema.schema);
      if (err) return sendError(res, 400, err, 'invalid_request_error', 'response_format', 'invalid_json_schema');
    }
  }

  const conv = readConversation(messages);
  const analysis = analyze(conv);
  let value: unknown;
  let content: string;
  if (format.type === 'json_schema') {
    value = generateFromSchema(format.json_schema.schema as JsonSchema, conv, analysis);
    content = JSON.stringify(value);
  } else if (format.type === 'json_object') {
    const keys = keysIn(allText);
    const props = Object.fromEntries((keys.length ? keys : ['summary', 'sentiment', 'themes']).map((k) => [k, {}]));
    value = generateFromSchema({ type: 'object', properties: props }, conv, analysis);
    content = JSON.stringify(value);
  } else {
    content = summaryOf(analysis);
  }

  const refused = ctx.faults.refusalRate > 0 && ctx.rng.chance(ctx.faults.refusalRate);
  if (!refused && format.type !== 'text' && ctx.faults.malformedRate > 0 && ctx.rng.chance(ctx.faults.malformedRate)) {
    ctx.injected.malformed++;
    const obj = value as Record<string, unknown>;
    const keys = value && typeof value === 'object' ? Object.keys(obj) : [];
    if (keys.length > 0 && ctx.rng.chance(0.5)) {
      // Valid JSON that breaks the schema: a required key missing.
      const { [keys[0] as string]: _dropped, ...rest } = obj;
      content = JSON.stringify(rest);
    } else content = content.slice(0, Math.max(1, Math.floor(content.length / 2))); // truncated JSON
  }
  if (refused) ctx.injected.refusals++;

  const limit = body.max_completion_tokens ?? body.max_tokens ?? null;
  let finish: 'stop' | 'length' = 'stop';
  if (!refused && limit !== null && tokens(content) > limit) {
    content = content.slice(0, limit * 4);
    finish = 'length';
  }
  const schemaText = format.type === 'json_schema' ? JSON.stringify(format.json_schema.schema) : '';
  const promptTokens = tokens(allText + schemaText) + 3 * messages.length;
  const completionTokens = refused ? tokens(REFUSAL) : tokens(content);
  const n = body.n ?? 1;
  ctx.tokens.prompt_tokens += promptTokens;
  ctx.tokens.completion_tokens += completionTokens * n;
  ctx.tokens.total_tokens += promptTokens + completionTokens * n;

  res.json({
    id: `chatcmpl-${randomBytes(15).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      message: { role: 'assistant', content: refused ? null : content, refusal: refused ? REFUSAL : null, annotations: [] },
      logprobs: null,
      finish_reason: finish,
    })),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens * n,
      total_tokens: promptTokens + completionTokens * n,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_samtal_sim',
  });
};

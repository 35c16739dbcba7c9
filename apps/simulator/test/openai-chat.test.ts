import fc from 'fast-check';
import OpenAI from 'openai';
import { LengthFinishReasonError } from 'openai/core/error';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { ENGAGED } from '../src/elks/personas/lines-engaged';
import { NEGATIVE_SPECIFIC } from '../src/elks/personas/lines-negative';
import { BRIEF, ENGLISH, FRAUD } from '../src/elks/personas/lines-other';
import { type Simulators, startSimulators } from '../src/index';
import { analyze } from '../src/openai/heuristics/analyze';
import { readConversation } from '../src/openai/heuristics/input';
import { generateFromSchema } from '../src/openai/schema/generate';

let sims: Simulators;
let client: OpenAI;
beforeAll(async () => {
  sims = await startSimulators({ seed: 4 });
  client = new OpenAI({ apiKey: 'sk-anything', baseURL: sims.openaiUrl, maxRetries: 0 });
});
afterAll(() => sims.stop());

const STORE = JSON.stringify({
  store_name: 'Lindqvists Livs',
  departments: ['Frukt & grönt', 'Mejeri', 'Chark & ost', 'Bageri', 'Kassa', 'Pant'],
  baseline_facts: ['ingen manuell fiskdisk', 'öppet 08–21 alla dagar'],
});
const QUESTIONS = ['Hur upplevde du frukt- och gröntavdelningen?', 'Hittade du allt du letade efter?', 'Hur var väntetiden i kassan?', 'Finns det något vi kan förbättra?'];

/** A transcript in the documented convention: `AI:` / `Kund:` lines. */
const transcript = (consent: string, answers: readonly string[]): string =>
  [
    'AI: Hej! Det här är Samtal som ringer för Lindqvists Livs. Går det bra att vi spelar in ett kort samtal?',
    `Kund: ${consent}`,
    ...answers.flatMap((a, i) => [`AI: ${QUESTIONS[i % QUESTIONS.length]}`, `Kund: ${a}`]),
  ].join('\n');

const g = ENGAGED.grocery!;
const n = NEGATIVE_SPECIFIC.grocery!;
const PERSONA_TEXT = {
  engaged: transcript('Ja, det går bra.', [g.fruit![0]!, g.found![0]!, g.checkout![0]!, g.improve![0]!]),
  negative_specific: transcript('Ja, det går bra.', [n.fruit![0]!, n.found![0]!, n.checkout![0]!, n.improve![0]!]),
  brief: transcript('Ja.', ['Det var bra.', 'Helt okej.', 'Inget särskilt.', 'Nej, inget.']),
  fraud_marketing: transcript('Ja, absolut!', FRAUD.generic!.general!.slice(0, 3)),
  fraud_other_shop: transcript('Ja.', FRAUD.generic!.general!.slice(3, 5)),
  fraud_impossible: transcript('Ja.', FRAUD.grocery!.general!),
  english: transcript("Yes, that's fine.", [ENGLISH.grocery!.fruit![0]!, ENGLISH.grocery!.found![0]!, ENGLISH.generic!.general![0]!]),
};
void BRIEF;

const Grade = z.object({
  legitimacy_score: z.number().min(0).max(1),
  depth_score: z.number().min(0).max(1),
  usefulness_score: z.number().min(0).max(1),
  fraud_likelihood: z.number().min(0).max(1),
  is_fraudulent: z.boolean(),
  fraud_indicators: z.array(z.string()),
  sentiment: z.enum(['positive', 'neutral', 'negative', 'mixed']),
  language: z.enum(['sv', 'en', 'other']),
  department_mentions: z.array(z.string()),
  themes: z.array(z.string()),
  analysis_summary: z.string(),
  business_actionable_items: z.array(
    z.object({ title: z.string(), description: z.string(), priority: z.enum(['low', 'medium', 'high']), departments: z.array(z.string()) }),
  ),
  rejection_reason: z.string().nullable(),
});

const grade = async (text: string) => {
  const res = await client.chat.completions.parse({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: `Du bedömer kundfeedback. Butikskontext: ${STORE}` },
      { role: 'user', content: text },
    ],
    response_format: zodResponseFormat(Grade, 'grade'),
  });
  const parsed = res.choices[0]!.message.parsed;
  expect(parsed).not.toBeNull();
  return Grade.parse(parsed);
};

describe('structured output with the real SDK', () => {
  test('a nested schema (enums, nullable, arrays of objects, min/max, $ref definitions, recursion, formats) parses', async () => {
    const Dept = z.object({ name: z.string(), mentions: z.number().int().min(0), sentiment: z.enum(['positiv', 'neutral', 'negativ']) }).meta({ id: 'Dept' });
    type Node = { label: string; children: Node[] };
    const TreeNode: z.ZodType<Node> = z.object({ label: z.string(), get children() { return z.array(TreeNode).max(2); } });
    const Schema = z.object({
      scores: z.object({ quality: z.number().min(0).max(1), stars: z.number().int().min(1).max(5), pct: z.number().positive().max(15) }),
      follow_up: z.string().nullable(),
      departments: z.array(Dept).min(1).max(3),
      main_department: Dept.nullable(),
      quotes: z.array(z.string()).min(2).max(4),
      tree: TreeNode,
      id: z.uuid(),
      generated_at: z.iso.datetime(),
      contact: z.email(),
      code: z.string().regex(/^[A-Z]{3}-\d{2}$/),
      title: z.string().min(5).max(40),
      kind: z.literal('feedback'),
      either: z.union([z.string(), z.number()]),
    });
    const res = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: PERSONA_TEXT.engaged }],
      response_format: zodResponseFormat(Schema, 'nested'),
    });
    const parsed = Schema.parse(res.choices[0]!.message.parsed);
    expect(parsed.departments.length).toBeGreaterThanOrEqual(1);
    expect(parsed.departments[0]!.name).toBe('Frukt & grönt');
    expect(parsed.scores.stars).toBeGreaterThanOrEqual(3);
    expect(parsed.kind).toBe('feedback');
    const body = res as unknown as Record<string, unknown>;
    expect(body).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini' });
    expect(String(body.id)).toMatch(/^chatcmpl-/);
    expect(res.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', refusal: null } });
    const usage = res.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(usage.completion_tokens).toBe(Math.ceil(res.choices[0]!.message.content!.length / 4));
  });

  test('property: any zod object schema built from common parts gets a value the schema accepts', async () => {
    const names = fc.constantFrom('legitimacy_score', 'depth_score', 'summary', 'themes', 'department_mentions', 'sentiment', 'language', 'fraud_likelihood', 'is_fraudulent', 'word_count', 'title', 'foo', 'recommendations', 'priority', 'fraud_indicators', 'rejection_reason', 'quote');
    const leaf = fc.oneof(
      fc.constant<z.ZodType>(z.string()),
      fc.constant<z.ZodType>(z.boolean()),
      fc.constant<z.ZodType>(z.string().min(3).max(12)),
      fc.constant<z.ZodType>(z.uuid()),
      fc.constant<z.ZodType>(z.string().regex(/^[a-z]+_\d{2,3}$/)),
      fc.constant<z.ZodType>(z.literal('fixed')),
      fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 10 })).map(([a, b]): z.ZodType => z.number().int().min(a).max(a + b)),
      fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true })).map(([a, b]): z.ZodType => z.number().min(a).max(a + b)),
      fc.uniqueArray(fc.constantFrom('low', 'medium', 'high', 'positive', 'negative', 'sv', 'en', 'x'), { minLength: 1, maxLength: 4 }).map((v): z.ZodType => z.enum(v as [string, ...string[]])),
    );
    const { obj } = fc.letrec<{ node: z.ZodType; obj: z.ZodType; arr: z.ZodType; nullable: z.ZodType }>((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, tie('obj'), tie('arr'), tie('nullable')),
      obj: fc.dictionary(names, tie('node'), { minKeys: 1, maxKeys: 5 }).map((shape) => z.object(shape)),
      arr: fc.tuple(tie('node'), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })).map(([node, min, extra]) => z.array(node).min(min).max(min + extra)),
      nullable: tie('node').map((node) => node.nullable()),
    }));
    const texts = fc.constantFrom(...Object.values(PERSONA_TEXT), '');
    await fc.assert(
      fc.asyncProperty(obj, texts, async (schema, text) => {
        const res = await client.chat.completions.parse({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: text || 'Inget att säga.' }],
          response_format: zodResponseFormat(schema as z.ZodObject, 'random'),
        });
        schema.parse(res.choices[0]!.message.parsed);
      }),
      { numRuns: 60, seed: 42 },
    );
  });

  test('raw JSON schemas (allOf, oneOf, additionalProperties, exclusive bounds, multipleOf, $defs) validate', () => {
    const schema = {
      type: 'object',
      $defs: { Pct: { type: 'number', exclusiveMinimum: 0, maximum: 15, multipleOf: 0.25 } },
      properties: {
        reward: { $ref: '#/$defs/Pct' },
        merged: { allOf: [{ type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] }] },
        per_department: { type: 'object', additionalProperties: { type: 'object', properties: { sentiment: { enum: ['positive', 'negative', 'neutral', 'mixed'] } }, required: ['sentiment'] } },
        choice: { oneOf: [{ type: 'integer', minimum: 10, exclusiveMaximum: 12 }, { type: 'null' }] },
        tags: { type: 'array', items: { type: 'string', maxLength: 20 }, minItems: 3, uniqueItems: true },
      },
      required: ['reward', 'merged', 'per_department', 'choice', 'tags'],
    };
    const conv = readConversation([{ role: 'system', content: STORE }, { role: 'user', content: PERSONA_TEXT.negative_specific }]);
    const value = generateFromSchema(schema, conv, analyze(conv)) as Record<string, unknown>;
    expect(z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]).safeParse(value).success).toBe(true);
    expect(Object.keys(value.per_department as object).length).toBeGreaterThan(0);
  });
});

describe('grading heuristics', () => {
  test('brief grades low on depth and usefulness', async () => {
    const gr = await grade(PERSONA_TEXT.brief);
    expect(gr.depth_score).toBeLessThan(0.25);
    expect(gr.usefulness_score).toBeLessThan(0.25);
    expect(gr.is_fraudulent).toBe(false);
    expect(gr.rejection_reason).not.toBeNull();
  });

  test('engaged and negative_specific grade high and alike: informativeness, never positivity', async () => {
    const pos = await grade(PERSONA_TEXT.engaged);
    const neg = await grade(PERSONA_TEXT.negative_specific);
    for (const gr of [pos, neg]) {
      expect(gr.legitimacy_score).toBeGreaterThan(0.8);
      expect(gr.depth_score).toBeGreaterThan(0.7);
      expect(gr.usefulness_score).toBeGreaterThan(0.7);
      expect(gr.fraud_likelihood).toBeLessThan(0.2);
      expect(gr.language).toBe('sv');
      expect(gr.rejection_reason).toBeNull();
      expect(gr.department_mentions).toEqual(expect.arrayContaining(['Frukt & grönt', 'Kassa']));
    }
    for (const key of ['legitimacy_score', 'depth_score', 'usefulness_score'] as const) expect(Math.abs(pos[key] - neg[key])).toBeLessThan(0.15);
    expect(['positive', 'mixed']).toContain(pos.sentiment);
    expect(neg.sentiment).toBe('negative');
    expect(neg.business_actionable_items.length).toBeGreaterThan(0);
    expect(neg.business_actionable_items.some((i) => i.priority === 'high')).toBe(true);
    expect(neg.analysis_summary).toMatch(/^Kunden tar upp .+\. Negativt: /);
  });

  test.each(['fraud_marketing', 'fraud_other_shop', 'fraud_impossible'] as const)('%s: low legitimacy, high fraud likelihood, indicators quote the customer', async (key) => {
    const gr = await grade(PERSONA_TEXT[key]);
    expect(gr.legitimacy_score).toBeLessThan(0.35);
    expect(gr.fraud_likelihood).toBeGreaterThan(0.6);
    expect(gr.is_fraudulent).toBe(true);
    expect(gr.rejection_reason).toBe('fraud_suspected');
    expect(gr.fraud_indicators.length).toBeGreaterThan(0);
    const quote = /"(.+)"$/.exec(gr.fraud_indicators[0]!)?.[1]?.replace(/…$/, '');
    expect(PERSONA_TEXT[key]).toContain(quote);
  });

  test('english is detected as not Swedish', async () => {
    const gr = await grade(PERSONA_TEXT.english);
    expect(gr.language).toBe('en');
    expect(gr.rejection_reason).toBe('non_swedish');
    expect(gr.analysis_summary).toMatch(/engelska/);
  });

  test('transcript as JSON turns and store context as lines work too', async () => {
    const res = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Butik: Bergmans Järnhandel\nAvdelningar: Verktyg, Färg & tapet, Trädgård, El & belysning, VVS, Byggmaterial, Kassa\nFakta: säljer ingen mat; ingen hemleverans' },
        { role: 'user', content: JSON.stringify({ messages: [{ speaker: 'ai', content: 'Fick du hjälp?' }, { speaker: 'customer', content: FRAUD.hardware!.general![0]! }] }) },
      ],
      response_format: zodResponseFormat(Grade, 'grade'),
    });
    const gr = res.choices[0]!.message.parsed!;
    expect(gr.is_fraudulent).toBe(true);
    expect(gr.fraud_indicators.join(' ')).toMatch(/hemleverans|produkter butiken inte säljer/);
  });

  test('weekly report: per-call summaries as "- " lines', async () => {
    const Report = z.object({
      total_feedback_count: z.number().int(),
      positive_trends: z.array(z.string()),
      negative_issues: z.array(z.string()),
      department_insights: z.array(z.object({ department: z.string(), summary: z.string(), sentiment: z.enum(['positive', 'neutral', 'negative', 'mixed']) })),
      actionable_recommendations: z.array(z.object({ title: z.string(), description: z.string(), priority: z.enum(['low', 'medium', 'high']) })).max(5),
    });
    const summaries = [
      '- Kunden tar upp Kassa. Negativt: Det var bara en kassa öppen så jag stod i kö i tjugo minuter.',
      '- Kunden tar upp Mejeri. Negativt: Mjölken i mejeridisken hade gått ut två dagar innan.',
      '- Kunden tar upp Bageri. Positivt: Brödet från bageriet var nybakat och personalen hjälpsam.',
    ];
    const res = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: `Skriv veckorapporten. ${STORE}` }, { role: 'user', content: summaries.join('\n') }],
      response_format: zodResponseFormat(Report, 'weekly_report'),
    });
    const report = Report.parse(res.choices[0]!.message.parsed);
    expect(report.total_feedback_count).toBe(3);
    expect(report.negative_issues.join(' ')).toMatch(/kö i tjugo minuter/);
    expect(report.positive_trends.join(' ')).toMatch(/nybakat/);
    const mejeri = report.department_insights.find((d) => d.department === 'Mejeri');
    expect(mejeri?.sentiment).toBe('negative');
    expect(report.actionable_recommendations.length).toBeGreaterThan(0);
  });
});

describe('other formats and validation', () => {
  test('json_object returns the keys the prompt names; it requires the word "json" in the messages', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      response_format: { type: 'json_object' },
      messages: [{ role: 'system', content: 'Svara med JSON med nycklarna summary, sentiment, depth_score och themes.' }, { role: 'user', content: PERSONA_TEXT.engaged }],
    });
    const json = JSON.parse(res.choices[0]!.message.content!) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['depth_score', 'sentiment', 'summary', 'themes']);
    expect(typeof json.depth_score).toBe('number');
    await expect(
      client.chat.completions.create({ model: 'gpt-4o-mini', response_format: { type: 'json_object' }, messages: [{ role: 'user', content: 'Hej' }] }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/must contain the word 'json'/) });
  });

  test('plain text answers with a Swedish summary built from the customer words', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: PERSONA_TEXT.negative_specific }] });
    expect(res.choices[0]!.message.content).toMatch(/^Kunden tar upp/);
  });

  test('strict schemas must list every property in required and forbid additionalProperties (OpenAI wording)', async () => {
    const err = await client.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'x' }],
        response_format: { type: 'json_schema', json_schema: { name: 'loose', strict: true, schema: { type: 'object', properties: { a: { type: 'string' } }, required: [] , additionalProperties: false } } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as Error).message).toMatch(/'required' is required to be supplied and to be an array including every key in properties. Missing 'a'/);
  });

  test('invalid requests get 400 with OpenAI error shape', async () => {
    const res = await fetch(`${sims.openaiUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [] }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error.param).toBe('messages');
    const bad = await fetch(`${sims.openaiUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${sims.openaiUrl}/nothing`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('Invalid URL (POST /v1/nothing)');
  });

  test('max_completion_tokens cuts the content: finish_reason length, and the SDK parse throws', async () => {
    await expect(
      client.chat.completions.parse({ model: 'gpt-4o-mini', max_completion_tokens: 5, messages: [{ role: 'user', content: PERSONA_TEXT.engaged }], response_format: zodResponseFormat(Grade, 'grade') }),
    ).rejects.toBeInstanceOf(LengthFinishReasonError);
  });

  test('stats count requests per endpoint and token usage', () => {
    const stats = sims.openai.stats();
    expect(stats.endpoints['POST /v1/chat/completions']!.requests).toBeGreaterThan(10);
    expect(stats.usage.total_tokens).toBe(stats.usage.prompt_tokens + stats.usage.completion_tokens);
  });
});

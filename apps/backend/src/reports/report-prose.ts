import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type { Deps } from '../deps';
import { upstream } from '../http/errors';
import { scrubForBusiness } from '../observability/mask';
import type { Figures } from './report-figures';

/**
 * The prose of a weekly report: GPT-4o-mini with structured output over the week's *summaries*
 * (never raw transcripts) and the SQL figures. Numbers are ours; the model only writes words.
 */
export const REPORT_PROMPT_VERSION = 'report-sv-v1';

export const ReportProse = z.object({
  positive_trends: z.array(z.string()).max(5),
  negative_issues: z.array(z.string()).max(5),
  actionable_recommendations: z
    .array(
      z.object({
        title: z.string(),
        description: z.string(),
        priority: z.enum(['high', 'medium', 'low']),
        departments: z.array(z.string()).max(5),
      }),
    )
    .max(5),
  predictive_insights: z.array(z.string()).max(3),
});
export type ReportProse = z.infer<typeof ReportProse>;

/** Built once: zod → JSON Schema is not free, and 10,000 stores ask every Monday. */
const REPORT_FORMAT = zodResponseFormat(ReportProse, 'weekly_report');

const SYSTEM = [
  'Du är analytiker åt en svensk butik och skriver veckorapporten om kundernas återkoppling.',
  'Du får veckans siffror och korta sammanfattningar av kundsamtal. Skriv på svenska, kort och konkret.',
  'positive_trends: det kunderna återkommande uppskattar. negative_issues: återkommande problem, konkreta.',
  'actionable_recommendations: åtgärder butiken kan göra nästa vecka, med prioritet och berörda avdelningar.',
  'predictive_insights: vad som sannolikt händer om inget görs, grundat i siffrorna.',
  'Hitta inte på något som inte stöds av sammanfattningarna. Nämn aldrig enskilda kunder eller personuppgifter.',
].join('\n');

export type ProseResult = { prose: ReportProse; model: string; tokens: number };

/** The model's words reach the business: no phone number survives in them either. */
function scrubProse(p: ReportProse): ReportProse {
  const scrub = (list: string[]) => list.map((s) => scrubForBusiness(s));
  return {
    positive_trends: scrub(p.positive_trends),
    negative_issues: scrub(p.negative_issues),
    actionable_recommendations: p.actionable_recommendations.map((r) => ({
      ...r,
      title: scrubForBusiness(r.title),
      description: scrubForBusiness(r.description),
      departments: scrub(r.departments),
    })),
    predictive_insights: scrub(p.predictive_insights),
  };
}

export async function writeReportProse(
  ctx: Pick<Deps, 'openai' | 'config'>,
  input: { storeName: string; departments: string[]; week: string; figures: Figures; summaries: string[] },
): Promise<ProseResult> {
  const f = input.figures;
  const user = [
    `Butik: ${input.storeName}`,
    `Avdelningar: ${input.departments.join(', ') || 'okänt'}`,
    `Vecka: ${input.week}`,
    `Antal återkopplingar: ${f.feedbackCount}; snittkvalitet: ${f.avgQuality ?? 'saknas'}`,
    `Vanligaste teman: ${f.themes.map((t) => `${t.theme} (${t.count})`).join(', ') || 'inga'}`,
    `Avdelningar som nämns: ${Object.entries(f.departments).map(([d, v]) => `${d} (${v.mentions}, negativ andel ${v.negative_share})`).join(', ') || 'inga'}`,
    'Sammanfattningar:',
    ...input.summaries.map((s) => `- ${scrubForBusiness(s.replace(/\s+/g, ' ').trim())}`),
  ].join('\n');
  try {
    const completion = await ctx.openai.chat.completions.parse(
      {
        model: ctx.config.OPENAI_MODEL,
        temperature: 0.2,
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: user },
        ],
        response_format: REPORT_FORMAT,
      },
      { timeout: 60_000, maxRetries: 3 },
    );
    const parsed = completion.choices[0]?.message.parsed;
    if (!parsed) throw new Error(completion.choices[0]?.message.refusal ?? 'no structured answer');
    return { prose: scrubProse(parsed), model: completion.model, tokens: completion.usage?.total_tokens ?? 0 };
  } catch (err) {
    throw upstream('openai', `weekly report prose failed: ${(err as Error).message}`, err);
  }
}

import { type Analysis, departmentStems } from './analyze';
import { RECOMMENDATIONS, STEM_EXCEPTIONS } from './lexicon';
import { mentions, shorten, words } from './text';
import {
  keyQuotesOf, negativesOf, positivesOf, reasoningOf, recommendationsOf, rejectionOf, summaryOf, themesOf,
} from './derive';

/** A value proposed for a field by its name; the schema filler coerces it to the field's JSON schema. */
export type Suggestion =
  | { kind: 'fraction'; value: number }
  | { kind: 'signed'; value: number }
  | { kind: 'count'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'text'; value: string }
  | { kind: 'list'; value: string[] }
  | { kind: 'label'; value: string; level?: number }
  | { kind: 'null' };

export interface FieldScope {
  analysis: Analysis;
  /** The array element being filled (a department, a quote, a recommendation), if any. */
  focus: string | null;
  /** A department (the analysis is then scoped to its sentences) or a text element. */
  focusKind: 'department' | 'text' | null;
  /** Property names from the root to here (lowercase snake_case). */
  path: readonly string[];
}

const frac = (value: number): Suggestion => ({ kind: 'fraction', value });
const text = (value: string): Suggestion => ({ kind: 'text', value });
const list = (value: string[]): Suggestion => ({ kind: 'list', value });
const bool = (value: boolean): Suggestion => ({ kind: 'bool', value });

export const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

const inFraudContext = (s: FieldScope): boolean => s.path.some((p) => /fraud|suspic|bedräg|fusk/.test(p));

const departmentsIn = (text: string, known: readonly string[]): string[] => {
  const tokens = words(text);
  return known.filter((d) => mentions(tokens, departmentStems(d), STEM_EXCEPTIONS) > 0);
};

const textFocus = (s: FieldScope): string | null => (s.focusKind === 'text' ? s.focus : null);

const titleOf = (s: FieldScope): string => {
  if (s.focus && s.focusKind === 'department') return s.focus;
  if (s.focus) {
    const templated = Object.entries(RECOMMENDATIONS).find(([, rec]) => rec === s.focus)?.[0];
    const theme = templated ?? themesOf(s.focus)[0];
    return theme ? theme.charAt(0).toUpperCase() + theme.slice(1) : shorten(s.focus, 60);
  }
  return s.analysis.themes[0] ?? 'Kundåterkoppling';
};

type Rule = [RegExp, (s: FieldScope, name: string) => Suggestion | undefined];

/**
 * Field-name rules, tried in order on the snake_case property name (documented in README.md).
 * The first rule whose pattern matches and returns a suggestion wins.
 */
const RULES: Rule[] = [
  [/fraud.*(likelihood|probability|score|risk|confidence)|(likelihood|probability|risk).*fraud|^risk_score$|spam_score/, (s) => frac(s.analysis.scores.fraud)],
  [/^(is_)?(fraud|fraudulent|suspicious|suspected|spam)$|^is_.*(fraud|suspic)|suspicious$/, (s) => bool(s.analysis.scores.fraud >= 0.5)],
  [/legitima|authentic|genuine|credib|trovärd/, (s) => frac(s.analysis.scores.legitimacy)],
  [/depth|richness|detail(ed)?(_level|_score|ness)?$/, (s) => frac(s.analysis.scores.depth)],
  [/useful|actionab.*score|informativ|helpfulness|value_score|relevance/, (s) => frac(s.analysis.scores.usefulness)],
  [/confidence|certainty|säkerhet/, (s) => frac(inFraudContext(s) ? Math.max(s.analysis.scores.fraud, 1 - s.analysis.scores.fraud) : s.analysis.scores.confidence)],
  [/likelihood|probability/, (s) => frac(inFraudContext(s) ? s.analysis.scores.fraud : s.analysis.scores.confidence)],
  [/sentiment|tone|stämning/, (s, n) => (/score|value|polarity/.test(n) ? { kind: 'signed', value: s.analysis.sentimentScore } : { kind: 'label', value: s.analysis.sentiment })],
  [/overall|quality|total_score|^score$|grade|rating|stars/, (s) => frac(s.analysis.scores.overall)],
  [/_score$|^score_/, (s) => frac(s.analysis.scores.overall)],
  [/is_swedish|swedish/, (s) => bool(s.analysis.language === 'sv')],
  [/language|^lang$|locale|språk/, (s) => ({ kind: 'label', value: s.analysis.language })],
  [/consent|samtycke/, (s) => bool(s.analysis.consent ?? true)],
  [/opt_?out|do_not_call|no_more_calls/, (s) => bool(s.analysis.optOut)],
  [/declin|refus/, (s) => bool(s.analysis.consent === false)],
  [/qualif|eligible|passes|approved/, (s) => bool(s.analysis.scores.overall >= 0.5 && s.analysis.scores.fraud < 0.5 && s.analysis.language === 'sv')],
  [/vague|too_short|thin|needs_follow|follow_up_needed/, (s) => bool(s.analysis.scores.depth < 0.35)],
  [/rejection|reject_reason|disqualif/, (s) => {
    const reason = rejectionOf(s.analysis);
    return reason ? text(reason) : { kind: 'null' };
  }],
  [/fraud_(indicators|reasons|signals|evidence|flags)|red_flags|suspicious_(phrases|quotes|content)|warning/, (s) => list(s.analysis.fraudFindings)],
  [/indicator|evidence|quote|citat|excerpt|example|snippet/, (s) => {
    const focus = textFocus(s);
    if (focus) return text(focus);
    return list(inFraudContext(s) ? s.analysis.fraudQuotes : keyQuotesOf(s.analysis));
  }],
  [/department|avdelning/, (s) => {
    if (s.focusKind === 'department' && s.focus) return text(s.focus);
    const focus = textFocus(s);
    return list(focus ? departmentsIn(focus, s.analysis.store.departmentsKnown) : s.analysis.departments);
  }],
  [/theme|topic|tag|keyword|categor|subject|area/, (s) => {
    const focus = textFocus(s);
    return list(focus && themesOf(focus).length ? themesOf(focus) : s.analysis.themes);
  }],
  [/positive|strength|praise|highlight|compliment|went_well|beröm/, (s) => list(positivesOf(s.analysis))],
  [/negative|issue|problem|complaint|weakness|concern|pain|klagomål|brist/, (s) => list(negativesOf(s.analysis))],
  [/recommend|action|suggest|improve|next_step|åtgärd|förslag/, (s) => {
    const focus = textFocus(s);
    return focus ? text(focus) : list(recommendationsOf(s.analysis));
  }],
  [/reason|rationale|explanation|justification|motivering|comment|note/, (s) => text(reasoningOf(s.analysis))],
  [/summary|sammanfattning|overview|description|beskrivning|insight|finding/, (s) => text(textFocus(s) ?? summaryOf(s.analysis))],
  [/priority|severity|urgency|prioritet/, (s) => {
    // Share of negative sentences; an element (a recommendation, an issue) is at least medium.
    const { positive, negative } = s.analysis;
    const share = negative.length / Math.max(1, positive.length + negative.length);
    const level = s.focusKind === 'text' ? Math.max(0.5, share) : share;
    return { kind: 'label', value: level >= 0.67 ? 'high' : level >= 0.34 ? 'medium' : 'low', level };
  }],
  [/trend|direction|change/, (s) => ({ kind: 'label', value: s.analysis.sentimentScore > 0.2 ? 'improving' : s.analysis.sentimentScore < -0.2 ? 'declining' : 'stable', level: (s.analysis.sentimentScore + 1) / 2 })],
  [/word_count|words|antal_ord/, (s) => ({ kind: 'count', value: s.analysis.wordCount })],
  [/feedback_count|total_feedback|call_count|number_of_calls|items_count/, (s) => ({ kind: 'count', value: s.analysis.items.length })],
  [/mention|count|number_of|antal|frequency|occurrences/, (s) => ({ kind: 'count', value: Math.max(1, s.analysis.sentences.length) })],
  [/title|headline|rubrik|^name$|label|heading/, (s) => text(titleOf(s))],
  [/^text$|^content$|^message$|^detail|^body$|^item$|^value$/, (s) => text(textFocus(s) ?? summaryOf(s.analysis))],
];

export const suggest = (rawName: string, scope: FieldScope): Suggestion | undefined => {
  const name = snake(rawName);
  for (const [pattern, fn] of RULES) {
    if (pattern.test(name)) {
      const suggestion = fn(scope, name);
      if (suggestion) return suggestion;
    }
  }
  return undefined;
};

/** Elements that seed an array of objects (one object per element), chosen by the array's name. */
export const seedsFor = (rawName: string, scope: FieldScope): string[] => {
  const name = snake(rawName);
  const a = scope.analysis;
  if (/department|avdelning/.test(name)) return a.departments;
  if (/fraud|indicator|evidence|quote|suspic/.test(name)) return a.fraudQuotes.length ? a.fraudQuotes : /fraud|suspic/.test(name) ? [] : keyQuotesOf(a);
  if (/recommend|action|suggest|improve|åtgärd/.test(name)) return recommendationsOf(a);
  if (/positive|strength|praise|highlight/.test(name)) return positivesOf(a);
  if (/negative|issue|problem|complaint|concern/.test(name)) return negativesOf(a);
  if (/theme|topic|trend|insight|categor/.test(name)) return a.themes;
  if (/message|turn|transcript|segment|sentence|line/.test(name)) return a.sentences;
  return a.specificSentences.length ? a.specificSentences : a.sentences;
};

import type { Suggestion } from '../heuristics/fields';

/** Spellings that name the same value (compared lowercase). */
const SYNONYMS: ReadonlyArray<readonly string[]> = [
  ['positive', 'positiv', 'pos', 'good', 'bra'],
  ['negative', 'negativ', 'neg', 'bad', 'dålig'],
  ['neutral', 'neutralt'],
  ['mixed', 'blandad', 'blandat', 'blandade'],
  ['sv', 'swedish', 'svenska', 'sv-se', 'sv_se', 'se'],
  ['en', 'english', 'engelska', 'en-us', 'en-gb', 'en_us'],
  ['high', 'hög', 'hog', 'critical', 'kritisk'],
  ['medium', 'medel', 'moderate', 'normal'],
  ['low', 'låg', 'lag', 'minor'],
  ['improving', 'up', 'increasing', 'better', 'förbättrad'],
  ['declining', 'down', 'decreasing', 'worse', 'försämrad'],
  ['stable', 'flat', 'unchanged', 'oförändrad'],
  ['true', 'yes', 'ja'],
  ['false', 'no', 'nej'],
];

const ORDINAL = ['low', 'medium', 'high'];

const norm = (v: unknown): string => String(v).toLowerCase();

/** Position of a value on the low/medium/high scale, or -1. */
const ordinalOf = (v: unknown): number => {
  const group = SYNONYMS.find((g) => g.includes(norm(v)));
  return group ? ORDINAL.indexOf(group[0] ?? '') : -1;
};

/** Picks the enum value that best matches a suggestion; the first value when nothing fits. */
export const chooseEnum = (values: readonly unknown[], sug: Suggestion | undefined): unknown => {
  if (values.length === 0) return null;
  if (!sug) return values[0];
  const byName = (wanted: string): unknown => {
    const w = wanted.toLowerCase();
    const exact = values.find((v) => norm(v) === w);
    if (exact !== undefined) return exact;
    const group = SYNONYMS.find((g) => g.includes(w));
    return group ? values.find((v) => group.includes(norm(v))) : undefined;
  };
  if (sug.kind === 'null') return values.includes(null) ? null : values[0];
  if (sug.kind === 'bool') return byName(String(sug.value)) ?? (values.includes(sug.value) ? sug.value : values[0]);
  if (sug.kind === 'text' || sug.kind === 'label') {
    const hit = byName(sug.value);
    if (hit !== undefined) return hit;
  }
  if (sug.kind === 'list') {
    for (const item of sug.value) {
      const hit = byName(item);
      if (hit !== undefined) return hit;
    }
  }
  const level = sug.kind === 'fraction' ? sug.value : sug.kind === 'label' ? sug.level : undefined;
  if (level !== undefined) {
    // Ordinal enums (low/medium/high, or any list of numbers) are picked by position.
    const ordinal = values.map(ordinalOf);
    if (ordinal.every((o) => o >= 0)) {
      const target = Math.min(2, Math.floor(level * 3));
      let best = 0;
      ordinal.forEach((o, i) => {
        if (Math.abs(o - target) < Math.abs((ordinal[best] ?? 0) - target)) best = i;
      });
      return values[best];
    }
    if (values.every((v) => typeof v === 'number')) {
      const sorted = [...(values as number[])].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor(level * sorted.length))];
    }
  }
  if (sug.kind === 'count' && values.includes(sug.value)) return sug.value;
  return values[0];
};

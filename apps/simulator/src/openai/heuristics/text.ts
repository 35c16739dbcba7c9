/** Word and sentence helpers shared by the heuristics (Swedish-aware: å, ä, ö, é count as letters). */

export const words = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}]+(?:[-'’][\p{L}\p{N}]+)*/gu) ?? [];

export const sentences = (text: string): string[] =>
  text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}\p{N}]/u.test(s));

const SHORT_SUFFIXES = ['', 'n', 'en', 'et', 'er', 'erna', 'ar', 'arna', 'or', 'orna', 's', 'na', 'a', 'e', 't'];

/**
 * Does a token contain the stem? Stems of 5+ letters match as prefixes ("mejeri" ~ "mejeridisken");
 * shorter stems match with an inflection suffix or as the first part of a compound of 4+ more letters
 * ("ost" ~ "osten", "ostdisken"), minus explicit exceptions ("jord" is not "jordgubbar").
 */
export const stemMatches = (token: string, stem: string, except: readonly string[] = []): boolean => {
  if (except.some((e) => token.startsWith(e))) return false;
  if (stem.length >= 5) return token.startsWith(stem);
  if (!token.startsWith(stem)) return false;
  const rest = token.slice(stem.length);
  return SHORT_SUFFIXES.includes(rest) || rest.length >= 4;
};

export const mentions = (tokens: readonly string[], stems: readonly string[], except: readonly string[] = []): number =>
  tokens.reduce((n, token) => n + (stems.some((stem) => stemMatches(token, stem, except)) ? 1 : 0), 0);

export const clamp01 = (n: number): number => Math.min(1, Math.max(0, n));
export const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Trims a quote to at most `max` characters at a word boundary. */
export const shorten = (text: string, max = 160): string => {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max / 2)).replace(/[,;:]$/, '')}…`;
};

export const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

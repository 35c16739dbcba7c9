/**
 * Builds a short string matching a JSON-schema `pattern` (JS regex syntax): the first alternative of
 * every group, the minimum count of every quantifier (at least 1 for `+`), the first member of every
 * character class. Lookarounds and back-references produce nothing. Returns null if the result does not match.
 */
export const sampleFromPattern = (pattern: string): string | null => {
  let i = 0;
  const peek = (): string | undefined => pattern[i];

  const escapeChar = (c: string): string => {
    switch (c) {
      case 'd':
        return '1';
      case 'w':
      case 'D':
      case 'S':
        return 'a';
      case 's':
        return ' ';
      case 'W':
        return '-';
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'b':
      case 'B':
        return '';
      default:
        return c;
    }
  };

  const parseEscape = (): string => {
    const c = pattern[i++] ?? '';
    if (c === 'p' || c === 'P') {
      const end = pattern.indexOf('}', i);
      const prop = pattern.slice(i + 1, end);
      i = end + 1;
      if (/^(N|Nd|Number)$/.test(prop)) return '1';
      if (/^(Lu|Uppercase_Letter)$/.test(prop)) return c === 'P' ? 'a' : 'A';
      return c === 'P' ? '-' : 'a';
    }
    if (c === 'u' && pattern[i] !== '{') {
      const hex = pattern.slice(i, i + 4);
      i += 4;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    if (c === 'x') {
      const hex = pattern.slice(i, i + 2);
      i += 2;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    if (/[1-9]/.test(c)) return '';
    return escapeChar(c);
  };

  const parseClass = (): string => {
    const negated = peek() === '^';
    if (negated) i++;
    const members: string[] = [];
    let first = true;
    while (i < pattern.length && (pattern[i] !== ']' || first)) {
      first = false;
      let c = pattern[i++] ?? '';
      if (c === '\\') c = parseEscape();
      if (pattern[i] === '-' && pattern[i + 1] !== ']' && i + 1 < pattern.length) {
        i++;
        let to = pattern[i++] ?? c;
        if (to === '\\') to = parseEscape();
        const from = c.charCodeAt(0);
        for (let code = from; code <= to.charCodeAt(0) && code < from + 200; code++) members.push(String.fromCharCode(code));
      } else members.push(c);
    }
    i++; // ]
    if (!negated) return members[0] ?? 'a';
    return ['a', 'x', '0', '1', ' ', '_', 'Z'].find((c) => !members.includes(c)) ?? '~';
  };

  const parseQuantifier = (): number => {
    const c = peek();
    let min = 1;
    if (c === '*' || c === '?') {
      i++;
      min = 0;
    } else if (c === '+') {
      i++;
      min = 1;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (!m) return 1;
      i += m[0].length;
      min = Number(m[1]);
    } else return 1;
    if (peek() === '?') i++;
    return min;
  };

  const parseAlternation = (): string => {
    const first = parseSequence();
    while (peek() === '|') {
      i++;
      parseSequence();
    }
    return first;
  };

  const parseSequence = (): string => {
    let out = '';
    while (i < pattern.length && peek() !== '|' && peek() !== ')') {
      const c = pattern[i++] ?? '';
      let atom: string;
      let zeroWidth = false;
      if (c === '^' || c === '$') {
        atom = '';
        zeroWidth = true;
      } else if (c === '(') {
        let lookaround = false;
        if (peek() === '?') {
          i++;
          const kind = pattern[i++];
          if (kind === '<' && (peek() === '=' || peek() === '!')) {
            i++;
            lookaround = true;
          } else if (kind === '=' || kind === '!') lookaround = true;
          else if (kind === '<') i = pattern.indexOf('>', i) + 1;
        }
        const inner = parseAlternation();
        i++; // )
        atom = lookaround ? '' : inner;
        zeroWidth = lookaround;
      } else if (c === '[') atom = parseClass();
      else if (c === '\\') atom = parseEscape();
      else if (c === '.') atom = 'a';
      else atom = c;
      const count = zeroWidth ? 1 : parseQuantifier();
      out += atom.repeat(count);
    }
    return out;
  };

  try {
    const sample = parseAlternation();
    return new RegExp(pattern, 'u').test(sample) ? sample : null;
  } catch {
    return null;
  }
};

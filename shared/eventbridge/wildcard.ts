import type { WildcardPattern } from './pattern-types';

/**
 * Parses an EventBridge wildcard: `*` matches any run of characters (including none),
 * `\*` is a literal asterisk and `\\` a literal backslash. Returns an error message instead of
 * throwing so the validator can attach the pattern path.
 */
export function parseWildcard(source: string): WildcardPattern | string {
  const segments: string[] = [];
  let current = '';
  let previousWasStar = false;
  for (let i = 0; i < source.length; i += 1) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1];
      if (next !== '*' && next !== '\\') {
        return `wildcard "${source}" has a backslash at position ${i} that escapes neither "*" nor "\\"`;
      }
      current += next;
      i += 1;
      previousWasStar = false;
    } else if (ch === '*') {
      // EventBridge rejects "**": it adds nothing over "*" and makes matching needlessly costly.
      if (previousWasStar) {
        return `wildcard "${source}" has consecutive "*" characters at position ${i}`;
      }
      segments.push(current);
      current = '';
      previousWasStar = true;
    } else {
      current += ch;
      previousWasStar = false;
    }
  }
  segments.push(current);
  return { source, segments };
}

/** Whole-string glob match; leftmost placement of each middle segment is enough with only `*`. */
export function matchesWildcard(pattern: WildcardPattern, value: string): boolean {
  const { segments } = pattern;
  const first = segments[0] ?? '';
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  const end = value.length - last.length;
  let position = first.length;
  for (const segment of segments.slice(1, -1)) {
    const found = value.indexOf(segment, position);
    if (found === -1 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
}

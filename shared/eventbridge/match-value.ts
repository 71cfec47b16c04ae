import { isInRange } from './ip-address';
import type { Exclusion, NumericBound, ValueMatcher } from './pattern-types';
import { matchesWildcard } from './wildcard';

/** A leaf value in an event: what EventBridge compares against (objects are never leaves). */
export type EventScalar = string | number | boolean | null;

function fold(text: string): string {
  return text.toLowerCase();
}

function aboveLower(bound: NumericBound | undefined, value: number): boolean {
  if (bound === undefined) return true;
  return bound.inclusive ? value >= bound.value : value > bound.value;
}

function belowUpper(bound: NumericBound | undefined, value: number): boolean {
  if (bound === undefined) return true;
  return bound.inclusive ? value <= bound.value : value < bound.value;
}

/**
 * Only a string can hit a prefix / suffix / case-insensitive / wildcard exclusion and only a
 * number a numeric one, so any other present value (null, true, 5) passes anything-but.
 */
function isExcluded(exclusion: Exclusion, value: EventScalar): boolean {
  switch (exclusion.kind) {
    case 'values':
      return exclusion.values.some((excluded) => excluded === value);
    case 'prefix':
      return typeof value === 'string' && value.startsWith(exclusion.prefix);
    case 'suffix':
      return typeof value === 'string' && value.endsWith(exclusion.suffix);
    case 'equals-ignore-case':
      return typeof value === 'string' && exclusion.values.some((excluded) => fold(excluded) === fold(value));
    case 'wildcard':
      return typeof value === 'string' && exclusion.patterns.some((pattern) => matchesWildcard(pattern, value));
  }
}

/**
 * Whether one event value satisfies one matcher. Types never coerce: "5" is not 5, "true" is not
 * true, and string operators ignore numbers. `exists` is decided per field, not per value.
 */
export function matchesValue(matcher: ValueMatcher, value: EventScalar): boolean {
  switch (matcher.kind) {
    case 'exact':
      // Strict equality already compares numbers numerically: JSON 300.0 parses to 300.
      return value === matcher.value;
    case 'prefix':
      if (typeof value !== 'string') return false;
      return matcher.ignoreCase ? fold(value).startsWith(fold(matcher.prefix)) : value.startsWith(matcher.prefix);
    case 'suffix':
      if (typeof value !== 'string') return false;
      return matcher.ignoreCase ? fold(value).endsWith(fold(matcher.suffix)) : value.endsWith(matcher.suffix);
    case 'equals-ignore-case':
      return typeof value === 'string' && fold(value) === fold(matcher.value);
    case 'wildcard':
      return typeof value === 'string' && matchesWildcard(matcher.pattern, value);
    case 'numeric':
      return typeof value === 'number' && aboveLower(matcher.lower, value) && belowUpper(matcher.upper, value);
    case 'cidr':
      return typeof value === 'string' && isInRange(matcher.range, value);
    case 'anything-but':
      return !isExcluded(matcher.exclusion, value);
    case 'exists':
      return false;
  }
}

/**
 * Types for Amazon EventBridge event patterns: the JSON shape authors write (EventPattern)
 * and the checked form the matcher walks (CompiledPattern).
 */

/** A literal a leaf may list: matched by type and value, never coerced. */
export type PatternLiteral = string | number | boolean | null;

/** The forms `anything-but` accepts; prefix and suffix take one value, not a list (AWS docs). */
export type AnythingButOperand =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** One content-filter operator object inside a leaf array. */
export type PatternOperator =
  | { readonly prefix: string | { readonly 'equals-ignore-case': string } }
  | { readonly suffix: string | { readonly 'equals-ignore-case': string } }
  | { readonly 'equals-ignore-case': string }
  | { readonly wildcard: string }
  | { readonly 'anything-but': AnythingButOperand }
  // Loose on purpose: a tuple type would reject `["numeric", ">", 0]` written without `as const`.
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/** A leaf: matches when any of its entries matches. */
export type PatternLeaf = readonly (PatternLiteral | PatternOperator)[];

/** An event pattern as written in a rule; `$or` holds alternative sub-patterns. */
export interface EventPattern {
  readonly [field: string]: PatternLeaf | EventPattern | readonly EventPattern[];
}

/** Bound of a numeric range. */
export interface NumericBound {
  readonly value: number;
  readonly inclusive: boolean;
}

/** A parsed `*` glob: literal segments that sat between unescaped asterisks. */
export interface WildcardPattern {
  readonly source: string;
  readonly segments: readonly string[];
}

/** An inclusive range of addresses of one IP family. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly first: bigint;
  readonly last: bigint;
}

/** What an `anything-but` excludes. */
export type Exclusion =
  | { readonly kind: 'values'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'suffix'; readonly suffix: string }
  | { readonly kind: 'equals-ignore-case'; readonly values: readonly string[] }
  | { readonly kind: 'wildcard'; readonly patterns: readonly WildcardPattern[] };

/** One checked leaf entry. */
export type ValueMatcher =
  | { readonly kind: 'exact'; readonly value: PatternLiteral }
  | { readonly kind: 'prefix'; readonly prefix: string; readonly ignoreCase: boolean }
  | { readonly kind: 'suffix'; readonly suffix: string; readonly ignoreCase: boolean }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'wildcard'; readonly pattern: WildcardPattern }
  | { readonly kind: 'numeric'; readonly lower?: NumericBound; readonly upper?: NumericBound }
  | { readonly kind: 'cidr'; readonly range: IpRange }
  | { readonly kind: 'anything-but'; readonly exclusion: Exclusion }
  | { readonly kind: 'exists'; readonly exists: boolean };

export interface CompiledLeaf {
  readonly kind: 'leaf';
  readonly matchers: readonly ValueMatcher[];
}

export interface CompiledField {
  readonly name: string;
  readonly node: CompiledLeaf | CompiledObject;
}

export interface CompiledObject {
  readonly kind: 'object';
  readonly fields: readonly CompiledField[];
  /** Alternatives from `$or`; absent when the level has none. */
  readonly anyOf?: readonly CompiledObject[];
  /**
   * True when every leaf below only says `exists: false`. Such a sub-pattern asks that a field be
   * missing from the whole event, so across an array of objects it must hold for every element.
   */
  readonly absenceOnly: boolean;
}

/** The checked form of a pattern. */
export type CompiledPattern = CompiledObject;

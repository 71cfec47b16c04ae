import { parseCidr } from './ip-address';
import { EventPatternError } from './pattern-error';
import type {
  CompiledField,
  CompiledLeaf,
  CompiledObject,
  CompiledPattern,
  EventPattern,
  Exclusion,
  NumericBound,
  ValueMatcher,
  WildcardPattern,
} from './pattern-types';
import { parseWildcard } from './wildcard';

/** The key that turns a list of sub-patterns into alternatives. */
export const OR_KEY = '$or';

/** Operator names; EventBridge refuses them as field names inside `$or`, where they would be ambiguous. */
export const OPERATOR_NAMES: readonly string[] = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
];

const ROOT = '(root)';
const LOWER_OPS = new Set(['>', '>=']);
const UPPER_OPS = new Set(['<', '<=']);

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function fail(path: string, reason: string): never {
  throw new EventPatternError(path, reason);
}

function childPath(path: string, key: string): string {
  return path === ROOT ? key : `${path}.${key}`;
}

function requireString(value: unknown, path: string, what: string): string {
  if (typeof value !== 'string') fail(path, `${what} must be a string, not ${describe(value)}`);
  return value;
}

function requireStringList(value: unknown, path: string, what: string): readonly string[] {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || value.length === 0) {
    fail(path, `${what} must be a string or a non-empty list of strings, not ${describe(value)}`);
  }
  return value.map((item: unknown, i) => requireString(item, `${path}[${i}]`, what));
}

function requireWildcard(source: string, path: string): WildcardPattern {
  const parsed = parseWildcard(source);
  if (typeof parsed === 'string') fail(path, parsed);
  return parsed;
}

function singleEntry(operand: PlainObject, path: string, what: string): [string, unknown] {
  const entries = Object.entries(operand);
  const [entry] = entries;
  if (entry === undefined || entries.length > 1) {
    fail(path, `${what} must have exactly one key, found ${entries.length === 0 ? 'none' : entries.map(([k]) => `"${k}"`).join(', ')}`);
  }
  return entry;
}

/** prefix / suffix take a string or `{ "equals-ignore-case": string }`. */
function compileAffix(kind: 'prefix' | 'suffix', operand: unknown, path: string): ValueMatcher {
  if (typeof operand === 'string') {
    return kind === 'prefix'
      ? { kind, prefix: operand, ignoreCase: false }
      : { kind, suffix: operand, ignoreCase: false };
  }
  if (isPlainObject(operand)) {
    const [name, value] = singleEntry(operand, path, `${kind} object`);
    if (name !== 'equals-ignore-case') {
      fail(path, `${kind} only accepts "equals-ignore-case" as a nested operator, not "${name}"`);
    }
    const text = requireString(value, path, `${kind} equals-ignore-case`);
    return kind === 'prefix'
      ? { kind, prefix: text, ignoreCase: true }
      : { kind, suffix: text, ignoreCase: true };
  }
  return fail(path, `${kind} must be a string or { "equals-ignore-case": string }, not ${describe(operand)}`);
}

function compileAnythingButValues(operand: unknown, path: string): Exclusion {
  const values = Array.isArray(operand) ? (operand as unknown[]) : [operand];
  if (values.length === 0) fail(path, 'anything-but list must not be empty');
  for (const [i, value] of values.entries()) {
    const valid = typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
    if (!valid) {
      fail(path, `anything-but values must be strings or numbers, not ${describe(value)} at index ${i}`);
    }
  }
  const kinds = new Set(values.map((value) => typeof value));
  if (kinds.size > 1) fail(path, 'anything-but list must contain only strings or only numbers, not both');
  return { kind: 'values', values: values as (string | number)[] };
}

function compileAnythingButObject(operand: PlainObject, path: string): Exclusion {
  const [name, value] = singleEntry(operand, path, 'anything-but object');
  switch (name) {
    case 'prefix':
    case 'suffix': {
      // The AWS docs say anything-but takes a single prefix (or suffix), not a list.
      if (Array.isArray(value)) fail(path, `anything-but ${name} takes a single string, not a list`);
      const text = requireString(value, path, `anything-but ${name}`);
      if (text === '') fail(path, `anything-but ${name} must not be empty`);
      return name === 'prefix' ? { kind: 'prefix', prefix: text } : { kind: 'suffix', suffix: text };
    }
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', values: requireStringList(value, path, 'anything-but equals-ignore-case') };
    case 'wildcard':
      return {
        kind: 'wildcard',
        patterns: requireStringList(value, path, 'anything-but wildcard').map((source) => requireWildcard(source, path)),
      };
    default:
      return fail(path, `unsupported anything-but form "${name}"; expected prefix, suffix, equals-ignore-case or wildcard`);
  }
}

function compileAnythingBut(operand: unknown, path: string): ValueMatcher {
  const exclusion = isPlainObject(operand)
    ? compileAnythingButObject(operand, path)
    : compileAnythingButValues(operand, path);
  return { kind: 'anything-but', exclusion };
}

function requireNumber(value: unknown, path: string, operator: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(path, `numeric value after "${String(operator)}" must be a number, not ${describe(value)}`);
  }
  return value;
}

/** EventBridge's grammar: ["=", n], [lower-op, n], [upper-op, n] or [lower-op, n, upper-op, m]. */
function compileNumeric(operand: unknown, path: string): ValueMatcher {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    fail(path, 'numeric takes [operator, number] or [">" or ">=", number, "<" or "<=", number]');
  }
  const [op, first, upperOp, second] = operand as unknown[];
  if (typeof op !== 'string' || !(op === '=' || LOWER_OPS.has(op) || UPPER_OPS.has(op))) {
    fail(path, `unknown numeric operator ${describe(op)}; expected one of =, <, <=, >, >=`);
  }
  const value = requireNumber(first, path, op);
  if (op === '=') {
    if (operand.length !== 2) fail(path, 'numeric "=" takes exactly one number');
    return { kind: 'numeric', lower: { value, inclusive: true }, upper: { value, inclusive: true } };
  }
  if (UPPER_OPS.has(op)) {
    if (operand.length !== 2) {
      fail(path, `numeric upper bound "${op}" must come after the lower bound, as in [">", 0, "${op}", 10]`);
    }
    return { kind: 'numeric', upper: { value, inclusive: op === '<=' } };
  }
  const lower: NumericBound = { value, inclusive: op === '>=' };
  if (operand.length === 2) return { kind: 'numeric', lower };
  if (typeof upperOp !== 'string' || !UPPER_OPS.has(upperOp)) {
    fail(path, `numeric range must close with "<" or "<=", not ${describe(upperOp)}`);
  }
  const top = requireNumber(second, path, upperOp);
  if (!(value < top)) fail(path, `numeric lower bound ${value} must be less than upper bound ${top}`);
  return { kind: 'numeric', lower, upper: { value: top, inclusive: upperOp === '<=' } };
}

function compileOperator(raw: PlainObject, path: string): ValueMatcher {
  const [name, operand] = singleEntry(raw, path, 'an operator object');
  switch (name) {
    case 'prefix':
    case 'suffix':
      return compileAffix(name, operand, path);
    case 'equals-ignore-case':
      return { kind: 'equals-ignore-case', value: requireString(operand, path, 'equals-ignore-case') };
    case 'wildcard':
      return { kind: 'wildcard', pattern: requireWildcard(requireString(operand, path, 'wildcard'), path) };
    case 'anything-but':
      return compileAnythingBut(operand, path);
    case 'numeric':
      return compileNumeric(operand, path);
    case 'exists':
      // A YAML or string-templated "true" is a common slip; EventBridge refuses it too.
      if (typeof operand !== 'boolean') fail(path, `exists must be true or false, not ${describe(operand)}`);
      return { kind: 'exists', exists: operand };
    case 'cidr': {
      const range = parseCidr(requireString(operand, path, 'cidr'));
      if (typeof range === 'string') fail(path, range);
      return { kind: 'cidr', range };
    }
    default:
      return fail(
        path,
        `unknown operator "${name}"; expected one of ${OPERATOR_NAMES.join(', ')} (nested fields go in an object, not inside a match list)`,
      );
  }
}

function compileLeaf(raw: readonly unknown[], path: string): CompiledLeaf {
  // An empty list could never match; EventBridge rejects it rather than create a dead rule.
  if (raw.length === 0) fail(path, 'match lists must not be empty');
  const matchers = raw.map((entry, i): ValueMatcher => {
    const entryPath = `${path}[${i}]`;
    if (entry === null || typeof entry === 'string' || typeof entry === 'boolean') {
      return { kind: 'exact', value: entry };
    }
    if (typeof entry === 'number') {
      if (!Number.isFinite(entry)) fail(entryPath, `match numbers must be finite, not ${String(entry)}`);
      return { kind: 'exact', value: entry };
    }
    if (isPlainObject(entry)) return compileOperator(entry, entryPath);
    return fail(entryPath, `match values must be strings, numbers, booleans, null or operator objects, not ${describe(entry)}`);
  });
  return { kind: 'leaf', matchers };
}

function isAbsenceOnly(node: CompiledLeaf | CompiledObject): boolean {
  if (node.kind === 'object') return node.absenceOnly;
  return node.matchers.every((m) => m.kind === 'exists' && !m.exists);
}

function compileOr(raw: unknown, path: string): readonly CompiledObject[] {
  const orPath = childPath(path, OR_KEY);
  if (!Array.isArray(raw)) fail(orPath, `${OR_KEY} must be a list of sub-patterns, not ${describe(raw)}`);
  if (raw.length < 2) fail(orPath, `${OR_KEY} needs at least two sub-patterns`);
  return raw.map((branch: unknown, i) => {
    const branchPath = `${orPath}[${i}]`;
    if (!isPlainObject(branch)) fail(branchPath, `${OR_KEY} entries must be objects, not ${describe(branch)}`);
    return compileObject(branch, branchPath, true);
  });
}

function compileObject(raw: PlainObject, path: string, insideOr: boolean): CompiledObject {
  const keys = Object.keys(raw);
  if (keys.length === 0) fail(path, 'empty objects are not allowed');
  const fields: CompiledField[] = [];
  let anyOf: readonly CompiledObject[] | undefined;
  for (const key of keys) {
    const value = raw[key];
    if (key === OR_KEY) {
      anyOf = compileOr(value, path);
      continue;
    }
    const fieldPath = childPath(path, key);
    if (insideOr && OPERATOR_NAMES.includes(key)) {
      fail(fieldPath, `"${key}" is an operator name and cannot be a field name inside ${OR_KEY}`);
    }
    if (Array.isArray(value)) {
      fields.push({ name: key, node: compileLeaf(value, fieldPath) });
    } else if (isPlainObject(value)) {
      fields.push({ name: key, node: compileObject(value, fieldPath, insideOr) });
    } else {
      fail(fieldPath, `must be a list of match values or a nested object, not ${describe(value)}`);
    }
  }
  const absenceOnly =
    fields.every((field) => isAbsenceOnly(field.node)) && (anyOf ?? []).every((branch) => branch.absenceOnly);
  return anyOf === undefined
    ? { kind: 'object', fields, absenceOnly }
    : { kind: 'object', fields, anyOf, absenceOnly };
}

/** Checks a pattern and returns the form the matcher walks; throws EventPatternError naming the bad spot. */
export function compilePattern(pattern: unknown): CompiledPattern {
  if (!isPlainObject(pattern)) fail(ROOT, `the pattern must be a JSON object, not ${describe(pattern)}`);
  return compileObject(pattern, ROOT, false);
}

/** Throws EventPatternError unless EventBridge would accept `pattern`; returns it typed. */
export function validatePattern(pattern: unknown): EventPattern {
  compilePattern(pattern);
  return pattern as EventPattern;
}

import { matchesValue, type EventScalar } from './match-value';
import type { CompiledLeaf, CompiledObject, CompiledPattern } from './pattern-types';

type EventObject = Record<string, unknown>;

function isEventObject(value: unknown): value is EventObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is EventScalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Own properties only, so a field named "constructor" or "__proto__" is just a missing field. */
function fieldOf(target: EventObject | undefined, name: string): unknown {
  return target !== undefined && Object.hasOwn(target, name) ? target[name] : undefined;
}

/** Arrays, however deeply nested, are "crushed out": their members stand for the field itself. */
function flatten(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

/**
 * A leaf matches when any listed matcher accepts any of the field's values. A field is present
 * when it has at least one scalar value (null counts); an object or an empty array is not a leaf,
 * which is why `exists: false` matches them, as the AWS docs show.
 */
function matchesLeaf(leaf: CompiledLeaf, raw: unknown): boolean {
  const values = flatten(raw).filter(isScalar);
  return leaf.matchers.some((matcher) =>
    matcher.kind === 'exists'
      ? matcher.exists === values.length > 0
      : values.some((value) => matchesValue(matcher, value)),
  );
}

function matchesObjectAt(node: CompiledObject, target: EventObject | undefined): boolean {
  const fieldsMatch = node.fields.every(({ name, node: child }) => {
    const raw = fieldOf(target, name);
    return child.kind === 'leaf' ? matchesLeaf(child, raw) : matchesNode(child, raw);
  });
  return fieldsMatch && (node.anyOf === undefined || node.anyOf.some((branch) => matchesObjectAt(branch, target)));
}

/**
 * Matches a nested sub-pattern against whatever the event holds there. Against an array of
 * objects, one element must satisfy the whole sub-pattern, so fields from different elements
 * never combine (EventBridge's "array-consistent" matching). A sub-pattern that only asks for
 * absence must hold for every element, since a field present in any element is present.
 */
function matchesNode(node: CompiledObject, raw: unknown): boolean {
  if (!Array.isArray(raw)) return matchesObjectAt(node, isEventObject(raw) ? raw : undefined);
  const elements = flatten(raw).filter(isEventObject);
  if (elements.length === 0) return matchesObjectAt(node, undefined);
  return node.absenceOnly
    ? elements.every((element) => matchesObjectAt(node, element))
    : elements.some((element) => matchesObjectAt(node, element));
}

/** Whether `event` satisfies an already-compiled pattern. */
export function matchesCompiledPattern(pattern: CompiledPattern, event: unknown): boolean {
  return matchesNode(pattern, event);
}

/**
 * Amazon EventBridge event-pattern matching (content filtering), so alarm rules can be checked
 * locally and in tests exactly as EventBridge will apply them. Semantics follow the AWS docs
 * ("Event patterns", "Content filtering", "Comparison operators") and, where they are silent,
 * aws/event-ruler, the engine EventBridge runs.
 */
import { matchesCompiledPattern } from './match-pattern';
import type { EventPattern } from './pattern-types';
import { compilePattern } from './validate-pattern';

export { EventPatternError } from './pattern-error';
export { compilePattern, validatePattern } from './validate-pattern';
export { matchesCompiledPattern } from './match-pattern';
export type { AnythingButOperand, CompiledPattern, EventPattern, PatternLeaf, PatternLiteral, PatternOperator } from './pattern-types';

/**
 * Whether `event` matches `pattern`. The pattern is checked first, so an invalid one throws
 * EventPatternError rather than silently matching nothing. For hot paths, compile once with
 * compilePattern and call matchesCompiledPattern.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesCompiledPattern(compilePattern(pattern), event);
}

import type { AslDefinition, AslState } from './asl-types';

/**
 * Static checks on a state machine definition, beyond what asl-validator's schema covers:
 * the rules this project holds every workflow to. Each returns human-readable problems
 * (empty when the definition passes), so a test failure says exactly what to fix.
 */

interface NamedState {
  name: string;
  state: AslState;
}

/** Every state, including those nested in Parallel branches and Map processors. */
export function allStates(definition: AslDefinition): NamedState[] {
  const found: NamedState[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    found.push({ name, state });
    for (const nested of nestedDefinitions(state)) found.push(...allStates(nested));
  }
  return found;
}

function nestedDefinitions(state: AslState): AslDefinition[] {
  return [...(state.Branches ?? []), ...(state.Iterator ? [state.Iterator] : []), ...(state.ItemProcessor ? [state.ItemProcessor] : [])];
}

const tasks = (definition: AslDefinition) => allStates(definition).filter(({ state }) => state.Type === 'Task');

/**
 * A heartbeat at or above the task timeout can never fire, which Step Functions rejects at
 * deploy time (and which usually means the two numbers were mixed up).
 */
export function heartbeatProblems(definition: AslDefinition): string[] {
  return tasks(definition)
    .filter(({ state }) => state.HeartbeatSeconds !== undefined && state.TimeoutSeconds !== undefined)
    .filter(({ state }) => (state.HeartbeatSeconds as number) >= (state.TimeoutSeconds as number))
    .map(({ name, state }) => `${name}: HeartbeatSeconds ${state.HeartbeatSeconds} must be less than TimeoutSeconds ${state.TimeoutSeconds}`);
}

/**
 * Every Task needs a timeout: Step Functions' default is the execution's own limit (a year),
 * so a hung callback or Lambda would otherwise hold the request forever.
 */
export function timeoutProblems(definition: AslDefinition): string[] {
  return tasks(definition)
    .filter(({ state }) => state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined)
    .map(({ name }) => `${name}: Task has neither TimeoutSeconds nor TimeoutSecondsPath`);
}

/** Every Task has a Retry covering each of `errors` (e.g. LAMBDA_SERVICE_ERRORS). */
export function retryProblems(definition: AslDefinition, errors: readonly string[]): string[] {
  const problems: string[] = [];
  for (const { name, state } of tasks(definition)) {
    const retried = new Set((state.Retry ?? []).flatMap((r) => r.ErrorEquals));
    const missing = errors.filter((e) => !retried.has(e));
    if (missing.length > 0) problems.push(`${name}: Retry does not cover ${missing.join(', ')}`);
  }
  return problems;
}

/** Every Task catches States.ALL (directly or as its last catcher), except those listed. */
export function catchProblems(definition: AslDefinition, exempt: readonly string[] = []): string[] {
  return tasks(definition)
    .filter(({ name }) => !exempt.includes(name))
    .filter(({ state }) => !(state.Catch ?? []).some((c) => c.ErrorEquals.includes('States.ALL')))
    .map(({ name }) => `${name}: Task has no Catch for States.ALL`);
}

/** Where a state can go next: Next, Choice rules and Default, Catch targets. */
export function transitionsOf(state: AslState): string[] {
  return [
    ...(state.Next ? [state.Next] : []),
    ...(state.Choices ?? []).map((c) => c.Next),
    ...(state.Default ? [state.Default] : []),
    ...(state.Catch ?? []).map((c) => c.Next),
  ];
}

/** StartAt and every transition name a state of the same (sub)machine. */
export function missingTargetProblems(definition: AslDefinition): string[] {
  const problems: string[] = [];
  if (!(definition.StartAt in definition.States)) problems.push(`StartAt "${definition.StartAt}" is not a state`);
  for (const [name, state] of Object.entries(definition.States)) {
    for (const target of transitionsOf(state)) {
      if (!(target in definition.States)) problems.push(`${name}: transition to unknown state "${target}"`);
    }
    for (const nested of nestedDefinitions(state)) problems.push(...missingTargetProblems(nested));
  }
  return problems;
}

/** States no path from StartAt reaches (in the top-level machine and in nested ones). */
export function unreachableStates(definition: AslDefinition): string[] {
  const seen = new Set<string>();
  const queue = [definition.StartAt];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    const state = definition.States[name];
    if (seen.has(name) || !state) continue;
    seen.add(name);
    queue.push(...transitionsOf(state));
  }
  const unreachable = Object.keys(definition.States).filter((name) => !seen.has(name));
  for (const state of Object.values(definition.States)) {
    for (const nested of nestedDefinitions(state)) unreachable.push(...unreachableStates(nested));
  }
  return unreachable;
}

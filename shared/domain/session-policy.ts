import { SERVICES } from '../catalogue/services';
import type { PolicyConditions, ServiceDefinition, ServiceKey } from '../catalogue/types';
import { ValidationError } from './errors';
import { SESSION_POLICY_MAX_CHARS } from './issuance';
import { resolvePlaceholders, type GrantScope } from './target-account';

export type { GrantScope } from './target-account';

export interface IamPolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: PolicyConditions;
}

export interface IamPolicyDocument {
  Version: '2012-10-17';
  Statement: IamPolicyStatement[];
}

/** True when the service's resources or conditions hold `${account}` or `${region}`. */
const hasPlaceholders = (service: ServiceDefinition): boolean =>
  /\$\{(account|region)\}/.test(JSON.stringify([service.resources ?? [], service.conditions ?? {}]));

function resolveConditions(conditions: PolicyConditions, scope: GrantScope): PolicyConditions {
  const out: PolicyConditions = {};
  for (const [operator, keys] of Object.entries(conditions)) {
    out[operator] = {};
    for (const [key, value] of Object.entries(keys)) {
      out[operator][key] = Array.isArray(value) ? value.map((v) => resolvePlaceholders(v, scope)) : resolvePlaceholders(value, scope);
    }
  }
  return out;
}

/**
 * One Allow statement per service: its actions on its resources (`*` when it names none), under
 * its conditions, with `${account}` and `${region}` resolved for this grant.
 */
function statementFor(service: ServiceDefinition, scope: GrantScope | undefined): IamPolicyStatement {
  if (!scope && hasPlaceholders(service)) {
    throw new Error(`service ${service.key} has \${account}/\${region} placeholders: compile its policy for a grant (account and region)`);
  }
  const resolve = (text: string) => (scope ? resolvePlaceholders(text, scope) : text);
  const resources = service.resources?.map(resolve);
  return {
    Sid: service.sid,
    Effect: 'Allow',
    Action: [...service.actions],
    Resource: resources && resources.length > 0 ? resources : '*',
    ...(service.conditions && Object.keys(service.conditions).length > 0
      ? { Condition: scope ? resolveConditions(service.conditions, scope) : service.conditions }
      : {}),
  };
}

/**
 * The approved services' definitions in catalogue order, duplicates removed, so the same
 * approval always yields the same policy text whatever order it was asked in.
 */
function selectServices(
  serviceKeys: readonly ServiceKey[],
  services: readonly ServiceDefinition[],
): ServiceDefinition[] {
  if (serviceKeys.length === 0) {
    // An empty session policy would be refused by STS, and leaving it off would grant the
    // whole base role: neither is what an empty request means.
    throw new ValidationError('at least one service is required', [
      { field: 'services', rule: 'required', message: 'name at least one service' },
    ]);
  }
  const known = new Set(services.map((s) => s.key));
  const unknown = [...new Set(serviceKeys.filter((k) => !known.has(k)))];
  if (unknown.length > 0) {
    const list = unknown.map((k) => `"${k}"`).join(', ');
    const message = `unknown service ${list}; known: ${services.map((s) => s.key).join(', ')}`;
    throw new ValidationError(
      message,
      [{ field: 'services', rule: 'known-service', message }],
      'UNKNOWN_SERVICE',
    );
  }
  const wanted = new Set(serviceKeys);
  return services.filter((s) => wanted.has(s.key));
}

const documentFor = (selected: readonly ServiceDefinition[], scope: GrantScope | undefined): IamPolicyDocument => ({
  Version: '2012-10-17',
  Statement: selected.map((service) => statementFor(service, scope)),
});

const render = (selected: readonly ServiceDefinition[], scope: GrantScope | undefined): string => JSON.stringify(documentFor(selected, scope));

/** The session policy document for these services (catalogue order, deduplicated). */
export function sessionPolicyDocument(
  serviceKeys: readonly ServiceKey[],
  services: readonly ServiceDefinition[] = SERVICES,
  scope?: GrantScope,
): IamPolicyDocument {
  return documentFor(selectServices(serviceKeys, services), scope);
}

/**
 * Length in characters of the session policy these services render to, without the size
 * check, so it also measures a policy over SESSION_POLICY_MAX_CHARS. Requests are not checked
 * with it: create-request calls compileSessionPolicy, which throws SESSION_POLICY_TOO_LARGE.
 */
export function sessionPolicyLength(
  serviceKeys: readonly ServiceKey[],
  services: readonly ServiceDefinition[] = SERVICES,
  scope?: GrantScope,
): number {
  return render(selectServices(serviceKeys, services), scope).length;
}

/**
 * Greedy: drop the longest statements first until the rest fits. Not always the fewest
 * services, but it is predictable and usually one or two services.
 */
export function servicesToDrop(selected: readonly ServiceDefinition[], scope?: GrantScope): {
  drop: ServiceDefinition[];
  remainingLength: number;
} {
  const bySizeDesc = selected
    .map((service, index) => ({ service, index, size: JSON.stringify(statementFor(service, scope)).length }))
    .sort((a, b) => b.size - a.size || a.index - b.index);
  const drop: ServiceDefinition[] = [];
  let kept = [...selected];
  for (const { service } of bySizeDesc) {
    if (kept.length === 0 || render(kept, scope).length <= SESSION_POLICY_MAX_CHARS) break;
    drop.push(service);
    kept = kept.filter((s) => s !== service);
  }
  return { drop, remainingLength: kept.length === 0 ? 0 : render(kept, scope).length };
}

function tooLarge(selected: readonly ServiceDefinition[], length: number, scope: GrantScope | undefined): ValidationError {
  const over = length - SESSION_POLICY_MAX_CHARS;
  const { drop, remainingLength } = servicesToDrop(selected, scope);
  const dropKeys = drop.map((s) => s.key);
  const suggestion =
    drop.length < selected.length
      ? `drop ${dropKeys.join(', ')} to bring it to ${remainingLength} characters`
      : 'no subset of these services fits; ask for them in separate requests';
  return new ValidationError(
    `the session policy for these services is ${length} characters, ${over} over the ` +
      `${SESSION_POLICY_MAX_CHARS}-character limit STS allows; ${suggestion}`,
    [{ field: 'services', rule: 'session-policy-size', message: suggestion }],
    'SESSION_POLICY_TOO_LARGE',
  );
}

/**
 * The inline session policy passed to STS AssumeRole: one Allow statement per approved
 * service, compact JSON, placeholders resolved with `scope` (the granted account and the
 * target's region; required when a service has placeholders). Throws ValidationError for an unknown service or when the text
 * exceeds SESSION_POLICY_MAX_CHARS (code SESSION_POLICY_TOO_LARGE, naming services to drop).
 */
export function compileSessionPolicy(
  serviceKeys: readonly ServiceKey[],
  services: readonly ServiceDefinition[] = SERVICES,
  scope?: GrantScope,
): string {
  const selected = selectServices(serviceKeys, services);
  const text = render(selected, scope);
  if (text.length > SESSION_POLICY_MAX_CHARS) throw tooLarge(selected, text.length, scope);
  return text;
}

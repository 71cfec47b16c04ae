import type { ServiceDefinition } from '../catalogue/types';
import type { AccessRequest } from '../domain/request';

/** What one service of a grant allows, as approvers are shown it. */
export interface ServicePermissions {
  /** The service's human name (its key when the catalogue no longer has it). */
  name: string;
  actions: string[];
  /** `*`, or the ARNs (placeholders resolved for this grant). */
  resources: string[];
  /** The statement's IAM condition block, as compact JSON, when it has one. */
  condition?: string;
}

interface Statement {
  Sid?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * The exact permissions a request grants, per service: read from the session policy compiled at
 * submission (the text STS will receive), so an approver sees what a click grants. Requests
 * stored before the policy was kept show their services' catalogue actions instead.
 */
export function grantedPermissions(
  request: Pick<AccessRequest, 'services' | 'sessionPolicy'>,
  services: readonly ServiceDefinition[],
): ServicePermissions[] {
  if (request.sessionPolicy) {
    const statements = (JSON.parse(request.sessionPolicy) as { Statement: Statement[] }).Statement;
    return statements.map((s) => ({
      name: services.find((d) => d.sid === s.Sid)?.name ?? s.Sid ?? 'statement',
      actions: list(s.Action),
      resources: list(s.Resource),
      ...(s.Condition ? { condition: JSON.stringify(s.Condition) } : {}),
    }));
  }
  return request.services.map((key) => {
    const service = services.find((s) => s.key === key);
    return {
      name: service?.name ?? key,
      actions: service ? [...service.actions] : [],
      resources: service?.resources ? [...service.resources] : ['*'],
      ...(service?.conditions ? { condition: JSON.stringify(service.conditions) } : {}),
    };
  });
}

/** The permissions as plain-text lines for an email: one line of actions per service, then where. */
export function permissionLines(permissions: readonly ServicePermissions[]): string[] {
  return permissions.flatMap((p) => [
    `  ${p.name}: ${p.actions.join(', ')}`,
    `    on ${p.resources.join(', ')}`,
    ...(p.condition ? [`    when ${p.condition}`] : []),
  ]);
}

import { formatIssue, isObject, isString, isStringList, withoutFormat, type CatalogueCheck, type Issues } from './compiled-format';
import type { Catalogue, ServiceDefinition, Target, WatchedRole } from './types';

/**
 * getCatalogue's reader of build/catalogue.json: the least check, for a function that only lists
 * targets and the services they offer. Its cold start is held to 1.25 times an empty handler's
 * (about 2 ms of its own on this machine), so it reads the compiled file with none of the full
 * check's code: not shared/catalogue/compiled.ts, not the built-in service table of
 * shared/catalogue/services.ts (format 2 lists every service), not the session-policy size check
 * (shared/catalogue/load-json.ts). Every other function runs the full check on the same file at
 * its own cold start, and the package step validated it before that.
 *
 * What it checks: the format version; lists of services, targets and watched roles whose
 * entries have the fields a listing reads (a service's key and actions, a target's id,
 * requester groups and services, a watched role's ARN); service keys listed once; and every
 * service a target offers listed. What it does not check: that the built-in services are this
 * code's (a package compiled by another version lists its own), that names and actions are
 * well formed, or anything a grant needs. It lists the services as the file has them, unfrozen.
 */
export const readCompiledCatalogueShape: CatalogueCheck = (data) => {
  const format = formatIssue(data);
  if (format !== undefined || !isObject(data)) return { issues: [format!] };
  const issues: Issues = [];
  const services = entriesOf(data, 'services', isServiceShape, 'a service with a key and actions', issues);
  const targets = entriesOf(data, 'targets', isTargetShape, 'a target with an id, requesterGroups and services', issues);
  const watched = entriesOf(data, 'watchedRoles', isWatchedRoleShape, 'a watched role with a roleArn', issues);
  if (issues.length === 0) referenceIssues(services as ServiceDefinition[], targets as Target[], issues);
  if (issues.length > 0) return { issues };
  return { catalogue: { ...withoutFormat(data), services: services as ServiceDefinition[], targets: targets as Target[], watchedRoles: watched as WatchedRole[] } as Catalogue };
};

// The least shapes a listing reads. Declared once, not per call: each function a cold start runs
// is compiled on its first call.
const isServiceShape = (s: Record<string, unknown>) => isString(s.key) && isStringList(s.actions);
const isTargetShape = (t: Record<string, unknown>) => isString(t.id) && isStringList(t.requesterGroups) && isStringList(t.services);
const isWatchedRoleShape = (w: Record<string, unknown>) => isString(w.roleArn);

/** Issues for a service key listed twice, and for a service a target offers that is not listed. */
function referenceIssues(services: ServiceDefinition[], targets: Target[], issues: Issues): void {
  const keys = new Set<string>();
  for (let i = 0; i < services.length; i++) {
    if (keys.has(services[i]!.key)) issues.push(`services[${i}].key: must be a new service key`);
    keys.add(services[i]!.key);
  }
  for (let i = 0; i < targets.length; i++) {
    const offered = targets[i]!.services;
    for (let j = 0; j < offered.length; j++) if (!keys.has(offered[j]!)) issues.push(`targets[${i}].services[${j}]: unknown service "${offered[j]}"`);
  }
}

/** The list `data[name]`, an issue for each entry that is not an object of the `ok` shape (or for a missing list). */
function entriesOf(data: Record<string, unknown>, name: string, ok: (entry: Record<string, unknown>) => boolean, what: string, issues: Issues): unknown[] {
  const entries = data[name];
  if (!Array.isArray(entries)) return issues.push(`${name}: must be a list`), [];
  for (let i = 0; i < entries.length; i++) {
    const entry: unknown = entries[i];
    if (!isObject(entry) || !ok(entry)) issues.push(`${name}[${i}]: must be ${what}`);
  }
  return entries;
}

/**
 * The catalogue as the functions ship it: compiled at `npm run package` from the YAML, after the
 * full validation (zod schema, IAM's action list), into the very `Catalogue` the broker reads,
 * every service included (the format: shared/catalogue/compiled-format.ts). A function then only
 * parses JSON and runs the cheap structural check below at cold start: no zod, no IAM data, and a cost that
 * grows slowly with the catalogue (200 accounts x 5 targets load in a few milliseconds; see the
 * `catalogueScale` section of `npm run bench`).
 *
 * Fields this check does not know (targets' or the file's, added by later features) pass through
 * unchecked: whoever adds one adds its check here too. The built-in services are the exception:
 * each must be this code's definition exactly, as `npm run package` writes it (same fields, same
 * order), and the functions then use this code's frozen definitions, never the file's.
 *
 * The check refuses what a hand edit or a stale package could bring: another format version,
 * built-in services that are not this code's, a field of the wrong type or shape, an unknown
 * service, a duplicate id, or a `*` action a target does not allow. It is no substitute for the
 * package step's validation, which also names YAML lines and knows IAM's actions. Whether each
 * target's session policy fits STS's limit is a separate step (shared/catalogue/policy-size.ts,
 * in loadCatalogueJson). getCatalogue, which compiles no policy and whose cold start is held to
 * 1.25 times an empty handler's, runs neither:
 * only the least check of shared/catalogue/listing.ts (see docs/architecture.md).
 */
import { ROLE_ARN } from '../domain/arn';
import { REGION } from '../domain/issuance';
import { ACCOUNT_PLACEHOLDER, roleArnIn } from '../domain/target-account';
import { COMPILED_CATALOGUE_FORMAT, formatIssue, isObject, isString, isStringList, withoutFormat, type CatalogueCheck, type CompiledCatalogue, type Issues } from './compiled-format';
import { SERVICE_KEYS, SERVICES } from './services';
import type { Catalogue, ServiceDefinition, Target, WatchedRole } from './types';

/**
 * The compiled form of a validated catalogue: the Catalogue as is (any other top-level field
 * included, so later catalogue fields ship without changes here), every service included.
 */
export function compileCatalogue(catalogue: Catalogue): CompiledCatalogue {
  return { compiledCatalogue: COMPILED_CATALOGUE_FORMAT, ...catalogue };
}

const ACCOUNT_ID = /^\d{12}$/;
const TARGET_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const SERVICE_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ACTION = /^(?:\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
const SID = /^[A-Za-z0-9]+$/;
const WILDCARD_ACTION = /^(?:\*|[a-z0-9-]+:\*)$/;

const isSeconds = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function checkService(s: unknown, at: string, issues: Issues, seen: Set<string>): s is ServiceDefinition {
  if (!isObject(s)) return issues.push(`${at}: must be a service`), false;
  const before = issues.length;
  if (!isString(s.key) || !SERVICE_KEY.test(s.key) || SERVICE_KEYS.includes(s.key) || seen.has(s.key)) issues.push(`${at}.key: must be a new service key`);
  else seen.add(s.key);
  if (s.custom !== true) issues.push(`${at}.custom: must be true`);
  if (!isString(s.name)) issues.push(`${at}.name: must be a string`);
  if (!isString(s.sid) || !SID.test(s.sid)) issues.push(`${at}.sid: must be letters and digits`);
  if (!isStringList(s.actions) || !s.actions.every((a) => ACTION.test(a))) issues.push(`${at}.actions: must be a list of IAM actions`);
  if (!isString(s.consolePath) || !s.consolePath.startsWith('/')) issues.push(`${at}.consolePath: must be a path starting with /`);
  if (s.resources !== undefined && !isStringList(s.resources)) issues.push(`${at}.resources: must be a list of ARNs`);
  if (s.conditions !== undefined && !isObject(s.conditions)) issues.push(`${at}.conditions: must be a condition block`);
  return issues.length === before;
}

function checkTarget(t: unknown, at: string, issues: Issues, services: readonly ServiceDefinition[], ids: Set<string>): void {
  if (!isObject(t)) return void issues.push(`${at}: must be a target`);
  if (!isString(t.id) || !TARGET_ID.test(t.id) || ids.has(t.id)) issues.push(`${at}.id: must be a new target id`);
  else ids.add(t.id);
  const roleArn = isString(t.roleArn) ? t.roleArn : '';
  if (t.accounts !== undefined) {
    if (t.account !== undefined) issues.push(`${at}: has both account and accounts`);
    if (!isStringList(t.accounts) || !t.accounts.every((a) => ACCOUNT_ID.test(a))) issues.push(`${at}.accounts: must be a list of 12-digit account ids`);
    if (!ROLE_ARN.test(roleArnIn(roleArn, '000000000000')) || ROLE_ARN.exec(roleArnIn(roleArn, '000000000000'))![2] !== '000000000000') {
      issues.push(`${at}.roleArn: must be a role ARN with \${account} as its account`);
    }
  } else {
    if (!isString(t.account) || !ACCOUNT_ID.test(t.account)) issues.push(`${at}.account: must be a 12-digit account id`);
    if (!ROLE_ARN.test(roleArn) || roleArn.includes(ACCOUNT_PLACEHOLDER) || ROLE_ARN.exec(roleArn)![2] !== t.account) {
      issues.push(`${at}.roleArn: must be a role ARN in the target's account`);
    }
  }
  if (!isString(t.partition)) issues.push(`${at}.partition: must be a partition`);
  if (!isString(t.region) || !REGION.test(t.region)) issues.push(`${at}.region: must be a region`);
  if (t.issuer !== 'chained' && t.issuer !== 'user') issues.push(`${at}.issuer: must be chained or user`);
  if (!isSeconds(t.roleMaxSessionSeconds, 900, 43_200)) issues.push(`${at}.roleMaxSessionSeconds: must be 900..43200`);
  if (!isSeconds(t.maxDurationSeconds, 900, 43_200)) issues.push(`${at}.maxDurationSeconds: must be 900..43200`);
  if (!isSeconds(t.approvalTimeoutSeconds, 300, 7 * 24 * 3600)) issues.push(`${at}.approvalTimeoutSeconds: must be 300..604800`);
  if (!isStringList(t.requesterGroups)) issues.push(`${at}.requesterGroups: must list at least one group`);
  if (!isStringList(t.approverEmails)) issues.push(`${at}.approverEmails: must list at least one email`);
  if (!isStringList(t.approverGroups, 0)) issues.push(`${at}.approverGroups: must be a list of groups`);
  if (!Number.isInteger(t.approvalsRequired) || (t.approvalsRequired as number) < 1 || (isStringList(t.approverEmails) && (t.approvalsRequired as number) > t.approverEmails.length)) {
    issues.push(`${at}.approvalsRequired: must be 1..the number of approver emails`);
  }
  if (t.ticketPattern !== undefined && !isString(t.ticketPattern)) issues.push(`${at}.ticketPattern: must be a string`);
  if (!isStringList(t.services)) return void issues.push(`${at}.services: must list at least one service`);
  const offered = t.services.map((key) => services.find((s) => s.key === key));
  t.services.forEach((key, i) => {
    const service = offered[i];
    if (!service) issues.push(`${at}.services[${i}]: unknown service "${key}"`);
    else if (t.allowWildcardActions !== true && service.actions.some((a) => WILDCARD_ACTION.test(a))) {
      issues.push(`${at}.services[${i}]: service "${key}" grants a * action the target does not allow`);
    }
  });
  if (t.autoApprove !== undefined) {
    const auto = t.autoApprove;
    if (!isObject(auto) || !isStringList(auto.services) || !auto.services.every((k) => (t.services as string[]).includes(k)) || !isSeconds(auto.maxDurationSeconds, 900, 43_200)) {
      issues.push(`${at}.autoApprove: must name services of the target and a maxDurationSeconds`);
    }
  }
}

/** The catalogue as read: this code's built-in services, then the custom ones (frozen, as the built-in ones are). */
function assemble(data: Record<string, unknown>, custom: ServiceDefinition[], targets: unknown[], watched: unknown[]): Catalogue {
  const services: ServiceDefinition[] = [...SERVICES, ...custom.map((s) => Object.freeze({ ...s, actions: Object.freeze([...s.actions]) as string[] }))];
  return { ...withoutFormat(data), services, targets: targets as Target[], watchedRoles: watched as WatchedRole[] } as Catalogue;
}

/** The built-in services as this code defines them, as JSON text, computed on first use. */
let builtInText: string[] | undefined;

/**
 * Issues for the built-in services at the head of `listed`: each must be this code's, field for
 * field (a package compiled by another version of the broker, or edited by hand). Stops at the
 * first entry that is missing or another service, since every later index would be off too.
 */
function builtInIssues(listed: unknown[], issues: Issues): void {
  builtInText ??= SERVICES.map((s) => JSON.stringify(s));
  const rule = 'as this broker defines it (the package is stale or edited by hand); package again';
  for (const [i, service] of SERVICES.entries()) {
    const entry = listed[i];
    if (JSON.stringify(entry) === builtInText[i]) continue;
    if (!isObject(entry) || entry.key !== service.key) {
      const found = isObject(entry) && isString(entry.key) ? `"${entry.key}"` : entry === undefined ? 'nothing' : 'no service';
      issues.push(`services[${i}]: must be the built-in service "${service.key}" ${rule} (found ${found})`);
      return;
    }
    const fields = new Set([...Object.keys(service), ...Object.keys(entry)]);
    const differing = [...fields].filter((f) => JSON.stringify(entry[f]) !== JSON.stringify((service as unknown as Record<string, unknown>)[f]));
    issues.push(`services[${i}]${differing.length > 0 ? `.${differing[0]}` : ''}: must be the built-in service "${service.key}" ${rule}`);
  }
}

/**
 * The catalogue in `data` (parsed build/catalogue.json), or the problems found, one
 * `path: problem` line each.
 */
export const readCompiledCatalogue: CatalogueCheck = (data) => {
  const format = formatIssue(data);
  if (format !== undefined || !isObject(data)) return { issues: [format!] };
  const issues: Issues = [];
  const seen = new Set<string>();
  if (!Array.isArray(data.services)) return { issues: ['services: must be a list'] };
  const listed: unknown[] = data.services;
  // Built-in services that are not this code's make every later check's indices and services
  // meaningless: that is the whole answer (the fix is to package again).
  builtInIssues(listed, issues);
  if (issues.length > 0) return { issues };
  const valid: ServiceDefinition[] = [];
  listed.slice(SERVICES.length).forEach((s, i) => {
    if (checkService(s, `services[${SERVICES.length + i}]`, issues, seen)) valid.push(s);
  });
  const services: ServiceDefinition[] = [...SERVICES, ...valid];
  const ids = new Set<string>();
  const targets = Array.isArray(data.targets) ? (data.targets as unknown[]) : (issues.push('targets: must be a list'), []);
  targets.forEach((t, i) => checkTarget(t, `targets[${i}]`, issues, services, ids));
  const watched = Array.isArray(data.watchedRoles) ? (data.watchedRoles as unknown[]) : (issues.push('watchedRoles: must be a list'), []);
  watched.forEach((w, i) => {
    if (!isObject(w) || !isString(w.roleArn) || !ROLE_ARN.test(w.roleArn)) issues.push(`watchedRoles[${i}].roleArn: must be a role ARN`);
  });
  if (issues.length > 0) return { issues };
  return { catalogue: assemble(data, valid, targets, watched) };
};

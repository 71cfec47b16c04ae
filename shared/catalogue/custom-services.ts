/**
 * Catalogue additions: the file's `services` map (custom services that extend the built-in ones),
 * `accountSets`, and the checks that need the whole file (which keys name services, the `*`
 * rule, and the size of each target's largest session policy). Used by the catalogue schema
 * (shared/catalogue/schema.ts) only; whether each action is known to AWS is checked apart, from
 * IAM's action list, where the YAML is loaded (shared/catalogue/iam-actions.ts), so that list
 * never reaches a function bundle.
 */
import * as z from 'zod/mini';
import { SESSION_POLICY_MAX_CHARS } from '../domain/issuance';
import { servicesToDrop, sessionPolicyLength } from '../domain/session-policy';
import { unknownPlaceholders } from '../domain/target-account';
import { SERVICE_KEYS, SERVICES } from './services';
import type { PolicyConditions, ServiceDefinition } from './types';

type Ctx = z.core.$RefinementCtx;

/** A custom service's key: 1-63 characters of a-z, 0-9 and -, starting with a letter or digit. */
export const CUSTOM_SERVICE_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** An IAM action as a policy names it: `prefix:Name`, `*` and `?` allowed in the name; or `*`. */
export const ACTION = /^(?:\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$/;
/** An action that grants every action (of a service, or of all): needs `allowWildcardActions`. */
export const isWildcardAction = (action: string): boolean => action === '*' || /^[a-z0-9-]+:\*$/.test(action);
/**
 * A resource ARN as a policy names it (after `${account}`/`${region}` are filled in): partition,
 * service, region (may be empty or a wildcard), account (12 digits, `aws`, `*` or empty), resource.
 */
export const RESOURCE_ARN = /^arn:(aws|aws-us-gov|aws-cn):[a-z0-9-]+:[a-z0-9*?-]*:(\d{12}|aws|\*)?:[\x21-\x7e]+$/;
/** A console path after the console host, e.g. `/s3/buckets` or `/ecs/v2/clusters`. */
const CONSOLE_PATH = /^\/[\x21-\x7e]{0,200}$/;
const ACCOUNT_SET_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ACCOUNT_ID = /^\d{12}$/;

const SAMPLE_SCOPE = { account: '123456789012', region: 'us-east-1' };

const strict = <T extends z.core.$ZodLooseShape>(shape: T) => {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown key; allowed here: ${allowed}` : undefined),
  });
};

function rejectRepeats(items: readonly string[], ctx: Ctx, what: string) {
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    const at = first.get(item);
    if (at === undefined) first.set(item, index);
    else ctx.addIssue({ code: 'custom', path: [index], message: `${what} "${item}" is already listed at [${at}]` });
  });
}

const action = z.string().check(
  z.refine((a: string) => ACTION.test(a), {
    error: (issue) => `${JSON.stringify(issue.input)} is not an IAM action such as s3:GetObject or s3:List* (service prefix, colon, action name)`,
  }),
);

const placeholderCheck = (text: string, ctx: Ctx) => {
  for (const p of unknownPlaceholders(text)) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} has the placeholder ${p}; only \${account} and \${region} exist` });
  }
};

const resource = z.string().check(z.superRefine((arn: string, ctx) => {
  if (unknownPlaceholders(arn).length > 0) return placeholderCheck(arn, ctx);
  const sample = arn.split('${account}').join(SAMPLE_SCOPE.account).split('${region}').join(SAMPLE_SCOPE.region);
  if (arn !== '*' && !RESOURCE_ARN.test(sample)) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(arn)} is not a resource ARN such as arn:aws:s3:::data-\${account}/* (arn:partition:service:region:account:resource, or *)`,
    });
  }
}));

const conditionValue = z.string().check(z.superRefine(placeholderCheck));
const conditions = z.record(
  z.string().check(z.regex(/^(?:(?:ForAllValues|ForAnyValue):)?[A-Za-z]+$/, { error: 'must be an IAM condition operator such as StringEquals' })),
  z.record(
    z.string().check(z.regex(/^[A-Za-z0-9-]+:[\w/:.-]+$/, { error: 'must be a condition key such as aws:ResourceTag/team' })),
    z.union([conditionValue, z.array(conditionValue).check(z.minLength(1, { error: 'must list at least one value' }))], {
      error: 'must be a string or a list of strings',
    }),
  ),
);

/** One entry of the file's `services` map. */
export const customServiceSchema = strict({
  name: z.string().check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(100, { error: 'must be at most 100 characters' })),
  description: z.optional(z.string().check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(500, { error: 'must be at most 500 characters' }))),
  actions: z.array(action).check(
    z.minLength(1, { error: 'must list at least one action' }),
    z.superRefine((actions: string[], ctx) => rejectRepeats(actions, ctx, 'action')),
  ),
  resources: z.optional(
    z.array(resource).check(
      z.minLength(1, { error: 'must list at least one ARN (leave resources out for *)' }),
      z.superRefine((arns: string[], ctx) => rejectRepeats(arns, ctx, 'resource')),
    ),
  ),
  conditions: z.optional(conditions),
  console: z.string().check(z.regex(CONSOLE_PATH, { error: 'must be a console path starting with /, such as /s3/buckets' })),
  globalConsole: z.optional(z.boolean()),
});
export type CustomServiceEntry = z.output<typeof customServiceSchema>;

/** `accountSets`: name -> account ids. */
export const accountSetsSchema = z.record(
  z.string(),
  z.array(
    z.string({
      error: (issue) =>
        typeof issue.input === 'number' ? 'must be a quoted string such as "333333333333": a YAML number loses leading zeros' : undefined,
    }).check(z.regex(ACCOUNT_ID, { error: 'must be a 12-digit AWS account id' })),
  ).check(
    z.minLength(1, { error: 'must list at least one account' }),
    z.superRefine((ids: string[], ctx) => rejectRepeats(ids, ctx, 'account')),
  ),
);

/** `s3-data-read` -> `S3DataRead`: the statement id of a custom service. */
const sidOf = (key: string): string =>
  key.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');

/** A custom service as the rest of the broker reads services. */
export function customServiceDefinition(key: string, entry: CustomServiceEntry): ServiceDefinition {
  return Object.freeze({
    key,
    name: entry.name,
    sid: sidOf(key),
    actions: Object.freeze([...entry.actions]) as string[],
    consolePath: entry.console,
    ...(entry.globalConsole === true && { globalConsole: true }),
    custom: true as const,
    ...(entry.description !== undefined && { description: entry.description }),
    ...(entry.resources !== undefined && { resources: Object.freeze([...entry.resources]) as string[] }),
    ...(entry.conditions !== undefined && { conditions: entry.conditions as PolicyConditions }),
  });
}

/** The keys of `services`: well-formed, not a built-in key, and a statement id no other service has. */
export function checkServiceKeys(services: Record<string, CustomServiceEntry>, ctx: Ctx) {
  const sids = new Map(SERVICES.map((s) => [s.sid.toLowerCase(), s.key]));
  for (const key of Object.keys(services)) {
    if (!CUSTOM_SERVICE_KEY.test(key)) {
      ctx.addIssue({ code: 'custom', path: ['services', key], message: 'is not a service key: 1-63 characters of a-z, 0-9 and -, starting with a letter or digit' });
      continue;
    }
    if (SERVICE_KEYS.includes(key)) {
      ctx.addIssue({ code: 'custom', path: ['services', key], message: `"${key}" is a built-in service; a custom service needs a key of its own` });
      continue;
    }
    const sid = sidOf(key).toLowerCase();
    const taken = sids.get(sid);
    if (taken !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['services', key], message: `its statement id ${sidOf(key)} is already used by service "${taken}"; choose another key` });
    } else sids.set(sid, key);
  }
}

/**
 * A target's `accounts`, expanded: the named `accountSets` entry, or the ids as listed (repeats
 * refused). Undefined when the target has no `accounts` or they are not usable.
 */
export function resolveAccounts(
  accounts: string | string[] | undefined,
  sets: Record<string, string[]>,
  ctx: Ctx,
  path: PropertyKey[],
): string[] | undefined {
  if (accounts === undefined) return undefined;
  if (typeof accounts === 'string') {
    const set = Object.hasOwn(sets, accounts) ? sets[accounts] : undefined;
    if (!ACCOUNT_SET_NAME.test(accounts) || set === undefined) {
      const known = Object.keys(sets);
      ctx.addIssue({ code: 'custom', path, message: `unknown account set "${accounts}"; known: ${known.join(', ') || 'none (add it under accountSets)'}` });
      return undefined;
    }
    return set;
  }
  if (accounts.length === 0) {
    ctx.addIssue({ code: 'custom', path, message: 'must list at least one account' });
    return undefined;
  }
  const first = new Map<string, number>();
  accounts.forEach((id, index) => {
    const at = first.get(id);
    if (at === undefined) first.set(id, index);
    else ctx.addIssue({ code: 'custom', path: [...path, index], message: `account "${id}" is already listed at [${at}]` });
  });
  return accounts;
}

interface TargetServicesEntry {
  id: string;
  services: unknown;
  allowWildcardActions?: boolean | undefined;
  autoApprove?: { services: unknown } | undefined;
}

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * A target's services, with the custom ones known: each key names a service; a service with a
 * `*` action only where the target sets allowWildcardActions; auto-approved services among the
 * target's; and the session policy of all its services (the largest any request can compile:
 * dropping a statement only shortens it) within STS's 2,048 characters, for an account of the
 * target in its region.
 */
export function checkTargetServices(
  t: TargetServicesEntry,
  index: number,
  custom: Record<string, CustomServiceEntry>,
  region: string,
  account: string | undefined,
  ctx: Ctx,
) {
  if (!Array.isArray(t.services)) return;
  const keys = t.services as string[];
  const definitions: ServiceDefinition[] = [
    ...SERVICES,
    ...Object.entries(custom).filter(([key]) => CUSTOM_SERVICE_KEY.test(key) && !SERVICE_KEYS.includes(key)).map(([key, e]) => customServiceDefinition(key, e)),
  ];
  const known = definitions.map((s) => s.key);
  let allKnown = true;
  keys.forEach((key, i) => {
    const service = definitions.find((s) => s.key === key);
    if (!service) {
      allKnown = false;
      const hint = key === 'all' ? '; to allow every built-in service write `services: all`, not in a list' : '';
      ctx.addIssue({ code: 'custom', path: ['targets', index, 'services', i], message: `unknown service "${key}"; known: ${known.join(', ')}${hint}` });
      return;
    }
    const wildcard = service.actions.find(isWildcardAction);
    if (wildcard !== undefined && t.allowWildcardActions !== true) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets', index, 'services', i],
        message: `service "${key}" grants "${wildcard}" (every action${wildcard === '*' ? '' : ' of a service'}); set allowWildcardActions: true on this target to allow it`,
      });
    }
  });
  const autoKeys = t.autoApprove && Array.isArray(t.autoApprove.services) ? (t.autoApprove.services as string[]) : [];
  autoKeys.forEach((key, i) => {
    if (!known.includes(key)) {
      ctx.addIssue({ code: 'custom', path: ['targets', index, 'autoApprove', 'services', i], message: `unknown service "${key}"; known: ${known.join(', ')}` });
    } else if (!keys.includes(key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets', index, 'autoApprove', 'services', i],
        message: `"${key}" is not one of this target's services (${keys.join(', ')})`,
      });
    }
  });
  if (!allKnown || keys.length === 0) return;
  const scope = { account: account !== undefined && ACCOUNT_ID.test(account) ? account : SAMPLE_SCOPE.account, region };
  const length = sessionPolicyLength(keys, definitions, scope);
  if (length <= SESSION_POLICY_MAX_CHARS) return;
  const selected = definitions.filter((s) => keys.includes(s.key));
  const { drop, remainingLength } = servicesToDrop(selected, scope);
  const advice =
    drop.length < selected.length
      ? `drop ${drop.map((s) => s.key).join(', ')} (leaving ${fmt(remainingLength)} characters) or split the target`
      : 'no subset fits; split the services over several targets';
  ctx.addIssue({
    code: 'custom',
    path: ['targets', index, 'services'],
    message:
      `the session policy of all ${keys.length} services of target ${t.id} is ${fmt(length)} characters, ` +
      `${fmt(length - SESSION_POLICY_MAX_CHARS)} over the ${fmt(SESSION_POLICY_MAX_CHARS)} STS allows; ${advice}`,
  });
}

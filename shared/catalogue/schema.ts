import * as z from 'zod/mini';
import { transformIssue } from '../zod-english';
import { accountOfArn, partitionOfArn, ROLE_ARN } from '../domain/arn';
import { formatDuration, parseDurationSeconds } from '../domain/duration';
import { EXTERNAL_ID, REGION, STS_MAX_SESSION_SECONDS, STS_MIN_SESSION_SECONDS } from '../domain/issuance';
import { mailbox } from '../domain/identity';
import { DEFAULT_OPEN_REQUEST_LIMITS, DEFAULT_SUBMISSION_RATE } from '../domain/limits';
import { DEFAULT_TICKET_PATTERN, FORBIDDEN_CHARACTERS, TICKET_PATTERN_PROBES } from '../domain/text';
import { ACCOUNT_PLACEHOLDER, roleArnIn } from '../domain/target-account';
import { customServiceSchema, customServiceDefinition, checkServiceKeys, checkTargetServices, accountSetsSchema, resolveAccounts, type CustomServiceEntry } from './custom-services';
import { SERVICE_KEYS, SERVICES } from './services';
import type { Catalogue, ServiceDefinition, Target, WatchedRole } from './types';

/** Region used when neither the target nor `defaults` names one. */
export const DEFAULT_REGION = 'us-east-1';
/** How long approvers have to decide when neither the target nor `defaults` says. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 4 * 3600;
/** How far ahead a request may schedule its start when the target does not say. */
export const DEFAULT_MAX_SCHEDULE_AHEAD_SECONDS = 7 * 24 * 3600;
/** Extensions a grant may have when the target does not say. */
export const DEFAULT_MAX_EXTENSIONS = 2;
/** How soon approvers must review a break-glass grant when the target does not say. */
export const DEFAULT_BREAK_GLASS_REVIEW_SECONDS = 24 * 3600;
/** Assumed MaxSessionDuration of a target role when not stated: IAM's own default. */
export const DEFAULT_ROLE_MAX_SESSION_SECONDS = 3600;

const MINUTE = 60;
const HOUR = 3600;

const TARGET_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const ACCOUNT_ID = /^\d{12}$/;

type Ctx = z.core.$RefinementCtx;

const describeValue = (value: unknown): string => {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value}"`;
  return `${typeof value} ${String(value)}`;
};

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** Wording for zod's generic complaints; field-specific wording lives on the fields. */
function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) {
    return 'is required';
  }
  if (issue.code === 'invalid_type') {
    return `must be ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
  }
  return undefined;
}

const strict = <T extends z.core.$ZodLooseShape>(shape: T) => {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? `unknown key; allowed here: ${allowed}` : undefined,
  });
};

const duration = (min: number, max: number) =>
  z.pipe(
    z.string({
      error: (issue) =>
        issue.input === undefined
          ? undefined
          : `must be a duration such as 15m, 2h, 1h30m or PT2H, got ${describeValue(issue.input)}`,
    }),
    z.transform((text: string, ctx) => {
      const seconds = parseDurationSeconds(text);
      if (seconds === undefined) {
        return transformIssue(ctx, { message: `"${text}" is not a duration such as 15m, 2h, 1h30m or PT2H` });
      }
      if (seconds < min || seconds > max) {
        return transformIssue(ctx, {
          message: `must be between ${formatDuration(min)} and ${formatDuration(max)}, got ${formatDuration(seconds)}`,
        });
      }
      return seconds;
    }),
  );

const accountId = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? 'must be a quoted string such as "111111111111": a YAML number loses leading zeros'
        : undefined,
  })
  .check(z.regex(ACCOUNT_ID, { error: 'must be a 12-digit AWS account id' }));

const ROLE_ARN_ERROR =
  'must be an IAM role ARN such as arn:aws:iam::111111111111:role/BrokerReadOnly ' +
  '(partition aws, aws-us-gov or aws-cn)';
const roleArn = z.string().check(z.regex(ROLE_ARN, { error: ROLE_ARN_ERROR }));
/** A target's role: a role ARN, or with `accounts` a template with ${account} as its account. */
const targetRoleArn = z.string().check(
  z.refine((arn: string) => ROLE_ARN.test(roleArnIn(arn, '000000000000')), { error: ROLE_ARN_ERROR }),
);

const region = z.string().check(z.regex(REGION, { error: 'must be an AWS region such as us-east-1' }));

// Any name the IdP may use, spaces, commas, quotes and brackets included: the broker reads
// groups from the token's own array, never from API Gateway's flattened "[a b]" string.
const group = z.string().check(
  z.minLength(1, { error: 'must not be empty' }),
  z.maxLength(256, { error: 'must be at most 256 characters' }),
  z.refine((name: string) => !FORBIDDEN_CHARACTERS.test(name), {
    error: 'must be a group name without control, format, line or paragraph separator characters',
  }),
  z.refine((name: string) => name.trim() === name, { error: 'must not start or end with whitespace' }),
);

/**
 * The ticket ids requests must carry: a regular expression anchored at both ends (else any text
 * around an id would pass), that accepts no URL, whitespace or markup (approvers are shown the
 * ticket and must not be sent elsewhere by it).
 */
const ticketPattern = z.string().check(z.superRefine((source: string, ctx) => {
  let pattern: RegExp;
  try {
    pattern = new RegExp(source, 'u');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `is not a regular expression: ${(e as Error).message}` });
    return;
  }
  if (!source.startsWith('^') || !source.endsWith('$') || source.endsWith('\\$')) {
    ctx.addIssue({ code: 'custom', message: 'must be anchored with ^ at the start and $ at the end, so nothing can surround the id' });
    return;
  }
  const accepted = TICKET_PATTERN_PROBES.find((probe) => pattern.test(probe));
  if (accepted !== undefined) {
    ctx.addIssue({ code: 'custom', message: `must accept ticket ids only, but accepts ${JSON.stringify(accepted)}` });
  }
}));

const description = z
  .string()
  .check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(500, { error: 'must be at most 500 characters' }));

const email = z.pipe(
  z.email({ error: 'must be an email address' }),
  z.transform((e: string) => e.toLowerCase()),
);

/** Adds an issue at each repeated entry (located by `pathOf`), naming where it first appeared. */
function rejectDuplicates(
  items: readonly string[],
  ctx: Ctx,
  what: string,
  pathOf: (index: number) => PropertyKey[] = (index) => [index],
) {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const first = firstIndex.get(item);
    if (first === undefined) firstIndex.set(item, index);
    else {
      ctx.addIssue({
        code: 'custom',
        path: pathOf(index),
        message: `${what} "${item}" is already listed at ${formatIssuePath(pathOf(first))}`,
      });
    }
  });
}

/**
 * Refuses approver emails that reach one mailbox (`carol@` and `Carol+prod@`): each would get
 * a link and a vote, so one person could approve twice.
 */
function rejectSameMailbox(emails: readonly string[], ctx: Ctx) {
  const firstIndex = new Map<string, number>();
  emails.forEach((address, index) => {
    const box = mailbox(address);
    const first = firstIndex.get(box);
    if (first === undefined) {
      firstIndex.set(box, index);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: ['approvers', 'emails', index],
      message:
        address === emails[first]
          ? `approver "${address}" is already listed at approvers.emails[${first}]`
          : `approver "${address}" reaches the same mailbox (${box}) as "${emails[first]}" at approvers.emails[${first}]; ` +
            'each approver must be a different mailbox (case, +tags and a trailing dot do not make another person)',
    });
  });
}

// Whether a key names a service is checked for the whole file (checkTargetServices), where the
// custom services of the file's `services` map are known too.
const serviceKey = z.string();

/** A non-empty list of service keys, without repeats (toTarget puts them in catalogue order). */
const serviceList = (expected: string) =>
  z
    .array(serviceKey, {
      error: (issue) =>
        issue.input === undefined ? undefined : `must be ${expected}, got ${describeValue(issue.input)}`,
    })
    .check(
      z.minLength(1, { error: 'must list at least one service' }),
      z.superRefine((keys: string[], ctx) => rejectDuplicates(keys, ctx, 'service')),
    );

const inCatalogueOrder = (keys: readonly string[], order: readonly string[]): string[] => order.filter((k) => keys.includes(k));

const targetServices = z.pipe(
  z.transform((value: unknown) => (value === 'all' ? [...SERVICE_KEYS] : value)),
  serviceList('a list of service keys, or all'),
);

const partitionOfRegion = (name: string): string =>
  name.startsWith('cn-') ? 'aws-cn' : name.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/** At most this many open requests per requester and target: `active` ACTIVE grants, `pending` not yet issued. */
const openRequestsSchema = strict({
  active: z.number({ error: 'must be a whole number' }).check(z.int('must be a whole number'), z.gte(1, { error: 'must be at least 1' }), z.lte(20, { error: 'must be at most 20' })),
  pending: z.number({ error: 'must be a whole number' }).check(z.int('must be a whole number'), z.gte(1, { error: 'must be at least 1' }), z.lte(20, { error: 'must be at most 20' })),
});

/** Submissions per requester per period (fixed windows). */
const submissionRateSchema = strict({
  count: z.number({ error: 'must be a whole number' }).check(z.int('must be a whole number'), z.gte(1, { error: 'must be at least 1' }), z.lte(10_000, { error: 'must be at most 10000' })),
  per: duration(MINUTE, 24 * HOUR),
});

const targetSchema = strict({
  id: z.string().check(
    z.regex(TARGET_ID, {
      error: 'must be 2-63 characters of a-z, 0-9 and -, starting with a letter or digit',
    }),
  ),
  description: z.optional(description),
  // Catalogue additions: exactly one of account (with a concrete roleArn) and accounts (an
  // accountSets name or a list of ids, with a roleArn template containing ${account}).
  account: z.optional(accountId),
  accounts: z.optional(z.union([z.string(), z.array(accountId)], { error: 'must be the name of an accountSets entry or a list of 12-digit account ids' })),
  allowWildcardActions: z.optional(z.boolean()),
  roleArn: targetRoleArn,
  region: z.optional(region),
  externalId: z.optional(
    z.string().check(z.regex(EXTERNAL_ID, { error: 'must be 2-1224 characters of letters, digits and +=,.@:/-_' })),
  ),
  sessionDenyRoleArn: z.optional(roleArn),
  issuer: z._default(z.enum(['chained', 'user'], { error: 'must be chained or user' }), 'chained'),
  roleMaxSessionDuration: z._default(duration(STS_MIN_SESSION_SECONDS, STS_MAX_SESSION_SECONDS), DEFAULT_ROLE_MAX_SESSION_SECONDS),
  maxDuration: duration(STS_MIN_SESSION_SECONDS, STS_MAX_SESSION_SECONDS),
  services: targetServices,
  requesterGroups: z.array(group).check(z.minLength(1, { error: 'must list at least one group' })),
  approvers: strict({
    emails: z.array(email).check(z.minLength(1, { error: 'must list at least one approver email' })),
    groups: z._default(z.array(group), []),
  }),
  approvalsRequired: z._default(z.number().check(z.int(), z.gte(1, { error: 'must be at least 1' })), 1),
  approvalTimeout: z.optional(duration(5 * MINUTE, 7 * 24 * HOUR)),
  openRequests: z.optional(openRequestsSchema),
  autoApprove: z.optional(
    strict({
      services: serviceList('a list of service keys'),
      maxDuration: duration(STS_MIN_SESSION_SECONDS, STS_MAX_SESSION_SECONDS),
      // After an auto-approved grant ends, how long before the same requester's next request on
      // this target may be auto-approved again (default: maxDuration). Until then, approvers decide.
      cooldown: z.optional(duration(0, 7 * 24 * HOUR)),
    }),
  ),
  // --- grant lifecycle (scheduled start, extensions, reminders, break-glass) ---
  maxScheduleAhead: z.optional(duration(5 * MINUTE, 30 * 24 * HOUR)),
  maxExtensions: z.optional(z.number().check(z.int(), z.gte(0, { error: 'must be 0 or more' }), z.lte(10, { error: 'must be at most 10' }))),
  maxExtendedDuration: z.optional(duration(STS_MIN_SESSION_SECONDS, STS_MAX_SESSION_SECONDS)),
  reminders: z._default(z.boolean(), true),
  breakGlass: z.optional(
    strict({
      enabled: z.boolean(),
      maxDuration: z.optional(duration(STS_MIN_SESSION_SECONDS, STS_MAX_SESSION_SECONDS)),
      requireTicket: z._default(z.boolean(), true),
      reviewWithin: z.optional(duration(15 * MINUTE, 7 * 24 * HOUR)),
      requesterGroups: z.optional(z.array(group).check(z.minLength(1, { error: 'must list at least one group' }))),
    }),
  ),
  // --- end grant lifecycle ---
}).check(z.superRefine((t, ctx) => {
  // zod runs this even when a field failed its own format check; each rule below only
  // looks at fields that are valid, so one mistake is reported once, at its own path.
  const arnValid = ROLE_ARN.test(roleArnIn(t.roleArn, '000000000000'));
  const arnAccount = accountOfArn(t.roleArn);
  const template = t.roleArn.includes(ACCOUNT_PLACEHOLDER);
  if (t.account === undefined && t.accounts === undefined) {
    ctx.addIssue({ code: 'custom', path: ['account'], message: 'is required (or `accounts`, with a roleArn containing ${account})' });
  } else if (t.account !== undefined && t.accounts !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'must not be set together with `account`: a target has one account or an account set' });
  } else if (t.accounts !== undefined && arnValid && accountOfArn(roleArnIn(t.roleArn, '000000000000')) !== '000000000000') {
    ctx.addIssue({ code: 'custom', path: ['roleArn'], message: 'must contain ${account} as its account when `accounts` is set, e.g. arn:aws:iam::${account}:role/TeamReadOnly' });
  } else if (t.account !== undefined && arnValid && template) {
    ctx.addIssue({ code: 'custom', path: ['roleArn'], message: 'contains ${account}, which only a target with `accounts` may use' });
  } else if (t.account !== undefined && arnValid && ACCOUNT_ID.test(t.account) && arnAccount !== t.account) {
    ctx.addIssue({
      code: 'custom',
      path: ['roleArn'],
      message: `is in account ${arnAccount} but account is ${t.account}`,
    });
  }
  if (
    arnValid &&
    t.region !== undefined &&
    REGION.test(t.region) &&
    partitionOfRegion(t.region) !== partitionOfArn(roleArnIn(t.roleArn, '000000000000'))
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['region'],
      message: `${t.region} is not in partition ${partitionOfArn(roleArnIn(t.roleArn, '000000000000'))} of roleArn`,
    });
  }
  lifecycleProblems(t, ctx);
  if (t.sessionDenyRoleArn !== undefined && t.accounts === undefined && ROLE_ARN.test(t.sessionDenyRoleArn) && accountOfArn(t.sessionDenyRoleArn) !== t.account) {
    ctx.addIssue({
      code: 'custom',
      path: ['sessionDenyRoleArn'],
      message: `must be a role in the target's account ${t.account} (the stack that created roleArn outputs it as SessionDenyRoleArn)`,
    });
  }
  // Over an account set, the session-deny role is a template too: the role in each account of the set.
  if (t.sessionDenyRoleArn !== undefined && t.accounts !== undefined && accountOfArn(roleArnIn(t.sessionDenyRoleArn, '000000000000')) !== '000000000000') {
    ctx.addIssue({
      code: 'custom',
      path: ['sessionDenyRoleArn'],
      message: `must have ${ACCOUNT_PLACEHOLDER} as its account, like roleArn (the SessionDenyRole of each account of the set)`,
    });
  }
  rejectSameMailbox(t.approvers.emails, ctx);
  rejectDuplicates(t.requesterGroups, ctx, 'group', (i) => ['requesterGroups', i]);
  rejectDuplicates(t.approvers.groups, ctx, 'group', (i) => ['approvers', 'groups', i]);
  // One mailbox, one vote: aliases of one person cannot make up a quorum.
  const mailboxCount = new Set(t.approvers.emails.map(mailbox)).size;
  const addressCount = new Set(t.approvers.emails).size;
  if (Number.isInteger(t.approvalsRequired) && t.approvalsRequired > mailboxCount) {
    ctx.addIssue({
      code: 'custom',
      path: ['approvalsRequired'],
      message:
        mailboxCount === addressCount
          ? `is ${t.approvalsRequired} but only ${mailboxCount} approver email(s) are listed, so no request could ever be approved`
          : `is ${t.approvalsRequired} but the ${addressCount} approver emails reach only ${mailboxCount} distinct ` +
            'mailbox(es), so only aliases could meet it (one mailbox, one vote)',
    });
  }
  if (t.autoApprove) {
    // Whether each auto-approved service is one of the target's: checkTargetServices (file level).
    const auto = t.autoApprove.maxDuration;
    if (typeof auto === 'number' && typeof t.maxDuration === 'number' && auto > t.maxDuration) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoApprove', 'maxDuration'],
        message: `${formatDuration(auto)} is longer than the target's maxDuration ${formatDuration(t.maxDuration)}`,
      });
    }
  }
}));

type TargetEntry = z.output<typeof targetSchema>;

/** Grant lifecycle settings that only make sense together with the target's maxDuration. */
function lifecycleProblems(
  t: { maxDuration: unknown; maxExtendedDuration?: unknown; breakGlass?: { maxDuration?: unknown } | undefined },
  ctx: Ctx,
) {
  const max = t.maxDuration;
  if (typeof max !== 'number') return;
  if (typeof t.maxExtendedDuration === 'number' && t.maxExtendedDuration < max) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxExtendedDuration'],
      message: `${formatDuration(t.maxExtendedDuration)} is shorter than the target's maxDuration ${formatDuration(max)}`,
    });
  }
  const glass = t.breakGlass?.maxDuration;
  if (typeof glass === 'number' && glass > max) {
    ctx.addIssue({
      code: 'custom',
      path: ['breakGlass', 'maxDuration'],
      message: `${formatDuration(glass)} is longer than the target's maxDuration ${formatDuration(max)}`,
    });
  }
}

const watchedRoleSchema = strict({
  roleArn,
  description: z.optional(description),
});

const catalogueFileShape = strict({
  version: z.literal(1, {
    error: (issue) =>
      issue.input === undefined ? undefined : 'must be 1, the only catalogue version this broker reads',
  }),
  defaults: z._default(
    strict({
      region: z.optional(region),
      approvalTimeout: z.optional(duration(5 * MINUTE, 7 * 24 * HOUR)),
      ticketPattern: z._default(ticketPattern, DEFAULT_TICKET_PATTERN),
      openRequests: z.optional(openRequestsSchema),
      submissionRate: z.optional(submissionRateSchema),
    }),
    { ticketPattern: DEFAULT_TICKET_PATTERN },
  ),
  watchedRoles: z._default(z.array(watchedRoleSchema), []),
  operators: z._default(strict({ groups: z._default(z.array(group), []) }), { groups: [] }),
  // Catalogue additions: custom services extending the built-in ones, and named account sets.
  services: z._default(z.record(z.string(), customServiceSchema), {}),
  accountSets: z._default(accountSetsSchema, {}),
  targets: z.array(targetSchema),
}).check(z.superRefine((file, ctx) => {
  rejectDuplicates(file.operators.groups, ctx, 'group', (i) => ['operators', 'groups', i]);
  rejectDuplicates(
    file.targets.map((t) => t.id),
    ctx,
    'target id',
    (i) => ['targets', i, 'id'],
  );
  rejectDuplicates(
    file.watchedRoles.map((w) => w.roleArn),
    ctx,
    'watched role',
    (i) => ['watchedRoles', i, 'roleArn'],
  );
  const defaultRegion = file.defaults.region ?? DEFAULT_REGION;
  if (!REGION.test(defaultRegion)) return;
  file.targets.forEach((t, index) => {
    const concrete = roleArnIn(t.roleArn, '000000000000');
    if (t.region !== undefined || !ROLE_ARN.test(concrete)) return;
    const partition = partitionOfArn(concrete);
    if (partitionOfRegion(defaultRegion) !== partition) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets', index, 'region'],
        message: `is required: the default region ${defaultRegion} is not in partition ${partition} of roleArn`,
      });
    }
  });
}));

/**
 * Catalogue additions, checked over the whole file: custom service keys, each target's account
 * set, and each target's services against built-in and custom ones. Runs even when another
 * field failed (`when`), so that one run reports every problem; hence it reads defensively.
 */
const fileAdditionsCheck = z.superRefine(
  (file: z.output<typeof catalogueFileShape>, ctx) => {
    if (!isRecord(file)) return;
    const services = isRecord(file.services) ? (file.services as Record<string, CustomServiceEntry>) : {};
    const sets = isRecord(file.accountSets) ? (file.accountSets as Record<string, string[]>) : {};
    const defaults = isRecord(file.defaults) ? file.defaults : { region: undefined };
    checkServiceKeys(services, ctx);
    if (!Array.isArray(file.targets)) return;
    file.targets.forEach((t: unknown, index: number) => {
      if (!isRecord(t)) return;
      const target = t as unknown as TargetEntry;
      const accounts = Array.isArray(target.accounts) || typeof target.accounts === 'string'
        ? resolveAccounts(target.accounts, sets, ctx, ['targets', index, 'accounts'])
        : undefined;
      const region = typeof target.region === 'string' ? target.region : (typeof defaults.region === 'string' ? defaults.region : DEFAULT_REGION);
      checkTargetServices(target, index, services, region, accounts?.[0] ?? target.account, ctx);
    });
  },
  { when: () => true },
);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The operator-edited catalogue file (YAML or JSON); see config/catalogue.example.yaml. */
export const catalogueFileSchema = catalogueFileShape.check(fileAdditionsCheck);

/** What the operator wrote, after parsing: durations in seconds, services in catalogue order. */
export type CatalogueFile = z.output<typeof catalogueFileSchema>;

function toTarget(t: TargetEntry, file: CatalogueFile, order: readonly string[]): Target {
  const defaults = file.defaults;
  const accounts = t.accounts === undefined ? undefined : typeof t.accounts === 'string' ? file.accountSets[t.accounts]! : t.accounts;
  const target: Target = {
    id: t.id,
    ...(t.description !== undefined && { description: t.description }),
    ...(t.account !== undefined && { account: t.account }),
    ...(accounts !== undefined && { accounts: [...accounts] }),
    roleArn: t.roleArn,
    ...(t.allowWildcardActions === true && { allowWildcardActions: true }),
    // roleArn passed ROLE_ARN (with ${account} filled in), so it has a partition.
    partition: partitionOfArn(roleArnIn(t.roleArn, '000000000000'))!,
    region: t.region ?? defaults.region ?? DEFAULT_REGION,
    ...(t.externalId !== undefined && { externalId: t.externalId }),
    ...(t.sessionDenyRoleArn !== undefined && { sessionDenyRoleArn: t.sessionDenyRoleArn }),
    issuer: t.issuer,
    roleMaxSessionSeconds: t.roleMaxSessionDuration,
    maxDurationSeconds: t.maxDuration,
    services: inCatalogueOrder(t.services, order),
    requesterGroups: t.requesterGroups,
    approverEmails: t.approvers.emails,
    approverGroups: t.approvers.groups,
    approvalsRequired: t.approvalsRequired,
    approvalTimeoutSeconds: t.approvalTimeout ?? defaults.approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    ticketPattern: defaults.ticketPattern,
    openRequests: t.openRequests ?? defaults.openRequests ?? { ...DEFAULT_OPEN_REQUEST_LIMITS },
    maxScheduleAheadSeconds: t.maxScheduleAhead ?? DEFAULT_MAX_SCHEDULE_AHEAD_SECONDS,
    maxExtensions: t.maxExtensions ?? DEFAULT_MAX_EXTENSIONS,
    reminders: t.reminders,
  };
  if (t.maxExtendedDuration !== undefined) target.maxExtendedDurationSeconds = t.maxExtendedDuration;
  if (t.breakGlass?.enabled) {
    target.breakGlass = {
      maxDurationSeconds: t.breakGlass.maxDuration ?? t.maxDuration,
      requireTicket: t.breakGlass.requireTicket,
      reviewWithinSeconds: t.breakGlass.reviewWithin ?? DEFAULT_BREAK_GLASS_REVIEW_SECONDS,
      requesterGroups: t.breakGlass.requesterGroups ?? t.requesterGroups,
    };
  }
  if (t.autoApprove) {
    target.autoApprove = {
      services: inCatalogueOrder(t.autoApprove.services, order),
      maxDurationSeconds: t.autoApprove.maxDuration,
      cooldownSeconds: t.autoApprove.cooldown ?? t.autoApprove.maxDuration,
    };
  }
  return target;
}

/** Turns a validated file into the Catalogue every other part of the broker reads. */
export function toCatalogue(file: CatalogueFile): Catalogue {
  const watchedRoles: WatchedRole[] = file.watchedRoles.map((w) => ({
    roleArn: w.roleArn,
    ...(w.description !== undefined && { description: w.description }),
  }));
  const services: ServiceDefinition[] = [...SERVICES, ...Object.entries(file.services).map(([key, entry]) => customServiceDefinition(key, entry))];
  const order = services.map((s) => s.key);
  return {
    services,
    targets: file.targets.map((t) => toTarget(t, file, order)),
    watchedRoles,
    operatorGroups: file.operators.groups,
    submissionRate: file.defaults.submissionRate
      ? { count: file.defaults.submissionRate.count, periodSeconds: file.defaults.submissionRate.per }
      : { ...DEFAULT_SUBMISSION_RATE },
  };
}

/** File schema plus the conversion to Catalogue. */
export const catalogueSchema = z.pipe(catalogueFileSchema, z.transform(toCatalogue));

const SIMPLE_KEY = /^[A-Za-z_][\w-]*$/;

/** `['targets', 1, 'approvers', 'emails', 0]` -> `targets[1].approvers.emails[0]`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && SIMPLE_KEY.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** One line per problem, `path: rule`; an unknown key is reported at its own path. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `${formatIssuePath([...issue.path, key])}: ${issue.message}`)
      : [`${formatIssuePath(issue.path)}: ${issue.message}`],
  );
}

export type CatalogueValidation =
  | { success: true; catalogue: Catalogue }
  | { success: false; issues: string[] };

/** Validates already-parsed data (from YAML or JSON); never throws for bad input. */
export function validateCatalogue(data: unknown): CatalogueValidation {
  const result = catalogueSchema.safeParse(data, { error: issueMessage });
  return result.success
    ? { success: true, catalogue: result.data }
    : { success: false, issues: formatIssues(result.error.issues) };
}

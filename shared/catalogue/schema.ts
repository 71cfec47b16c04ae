import * as z from 'zod/mini';
import { transformIssue } from '../zod-english';
import { accountOfArn, partitionOfArn, ROLE_ARN } from '../domain/arn';
import { formatDuration, parseDurationSeconds } from '../domain/duration';
import { EXTERNAL_ID, REGION, STS_MAX_SESSION_SECONDS, STS_MIN_SESSION_SECONDS } from '../domain/issuance';
import { mailbox } from '../domain/identity';
import { DEFAULT_TICKET_PATTERN, FORBIDDEN_CHARACTERS, TICKET_PATTERN_PROBES } from '../domain/text';
import { SERVICE_KEYS, SERVICES } from './services';
import type { Catalogue, Target, WatchedRole } from './types';

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

const roleArn = z.string().check(
  z.regex(ROLE_ARN, {
    error:
      'must be an IAM role ARN such as arn:aws:iam::111111111111:role/BrokerReadOnly ' +
      '(partition aws, aws-us-gov or aws-cn)',
  }),
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

const serviceKey = z.string().check(z.superRefine((key: string, ctx) => {
  if (SERVICE_KEYS.includes(key)) return;
  const hint = key === 'all' ? '; to allow every service write `services: all`, not in a list' : '';
  ctx.addIssue({
    code: 'custom',
    message: `unknown service "${key}"; known: ${SERVICE_KEYS.join(', ')}${hint}`,
  });
}));

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

const inCatalogueOrder = (keys: readonly string[]): string[] => SERVICE_KEYS.filter((k) => keys.includes(k));

const targetServices = z.pipe(
  z.transform((value: unknown) => (value === 'all' ? [...SERVICE_KEYS] : value)),
  serviceList('a list of service keys, or all'),
);

const partitionOfRegion = (name: string): string =>
  name.startsWith('cn-') ? 'aws-cn' : name.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

const targetSchema = strict({
  id: z.string().check(
    z.regex(TARGET_ID, {
      error: 'must be 2-63 characters of a-z, 0-9 and -, starting with a letter or digit',
    }),
  ),
  description: z.optional(description),
  account: accountId,
  roleArn,
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
  autoApprove: z.optional(
    strict({
      services: serviceList('a list of service keys'),
      maxDuration: duration(STS_MIN_SESSION_SECONDS, STS_MAX_SESSION_SECONDS),
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
  const arnValid = ROLE_ARN.test(t.roleArn);
  const arnAccount = accountOfArn(t.roleArn);
  if (arnValid && ACCOUNT_ID.test(t.account) && arnAccount !== t.account) {
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
    partitionOfRegion(t.region) !== partitionOfArn(t.roleArn)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['region'],
      message: `${t.region} is not in partition ${partitionOfArn(t.roleArn)} of roleArn`,
    });
  }
  lifecycleProblems(t, ctx);
  if (t.sessionDenyRoleArn !== undefined && ROLE_ARN.test(t.sessionDenyRoleArn) && accountOfArn(t.sessionDenyRoleArn) !== t.account) {
    ctx.addIssue({
      code: 'custom',
      path: ['sessionDenyRoleArn'],
      message: `must be a role in the target's account ${t.account} (the stack that created roleArn outputs it as SessionDenyRoleArn)`,
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
    t.autoApprove.services.forEach((key, index) => {
      if (!SERVICE_KEYS.includes(key) || t.services.includes(key)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['autoApprove', 'services', index],
        message: `"${key}" is not one of this target's services (${t.services.join(', ')})`,
      });
    });
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

/** The operator-edited catalogue file (YAML or JSON); see config/catalogue.example.yaml. */
export const catalogueFileSchema = strict({
  version: z.literal(1, {
    error: (issue) =>
      issue.input === undefined ? undefined : 'must be 1, the only catalogue version this broker reads',
  }),
  defaults: z._default(
    strict({
      region: z.optional(region),
      approvalTimeout: z.optional(duration(5 * MINUTE, 7 * 24 * HOUR)),
      ticketPattern: z._default(ticketPattern, DEFAULT_TICKET_PATTERN),
    }),
    { ticketPattern: DEFAULT_TICKET_PATTERN },
  ),
  watchedRoles: z._default(z.array(watchedRoleSchema), []),
  operators: z._default(strict({ groups: z._default(z.array(group), []) }), { groups: [] }),
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
    if (t.region !== undefined || !ROLE_ARN.test(t.roleArn)) return;
    const partition = partitionOfArn(t.roleArn);
    if (partitionOfRegion(defaultRegion) !== partition) {
      ctx.addIssue({
        code: 'custom',
        path: ['targets', index, 'region'],
        message: `is required: the default region ${defaultRegion} is not in partition ${partition} of roleArn`,
      });
    }
  });
}));

/** What the operator wrote, after parsing: durations in seconds, services in catalogue order. */
export type CatalogueFile = z.output<typeof catalogueFileSchema>;

function toTarget(t: TargetEntry, defaults: CatalogueFile['defaults']): Target {
  const target: Target = {
    id: t.id,
    ...(t.description !== undefined && { description: t.description }),
    account: t.account,
    roleArn: t.roleArn,
    // roleArn passed ROLE_ARN, so it has a partition.
    partition: partitionOfArn(t.roleArn)!,
    region: t.region ?? defaults.region ?? DEFAULT_REGION,
    ...(t.externalId !== undefined && { externalId: t.externalId }),
    ...(t.sessionDenyRoleArn !== undefined && { sessionDenyRoleArn: t.sessionDenyRoleArn }),
    issuer: t.issuer,
    roleMaxSessionSeconds: t.roleMaxSessionDuration,
    maxDurationSeconds: t.maxDuration,
    services: inCatalogueOrder(t.services),
    requesterGroups: t.requesterGroups,
    approverEmails: t.approvers.emails,
    approverGroups: t.approvers.groups,
    approvalsRequired: t.approvalsRequired,
    approvalTimeoutSeconds: t.approvalTimeout ?? defaults.approvalTimeout ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS,
    ticketPattern: defaults.ticketPattern,
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
      services: inCatalogueOrder(t.autoApprove.services),
      maxDurationSeconds: t.autoApprove.maxDuration,
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
  return {
    services: [...SERVICES],
    targets: file.targets.map((t) => toTarget(t, file.defaults)),
    watchedRoles,
    operatorGroups: file.operators.groups,
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

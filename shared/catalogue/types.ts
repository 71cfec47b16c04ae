import type { OpenRequestLimits, SubmissionRate } from '../domain/limits';
/** Key of a catalogue service, e.g. `ec2`, `databases`, `costexplorer`. */
export type ServiceKey = string;

/** One grantable AWS service: the IAM actions a grant of it allows and where its console opens. */
export interface ServiceDefinition {
  key: ServiceKey;
  /** Human name, e.g. "Secrets Manager". */
  name: string;
  /** Statement id in the session policy, e.g. "SecretsManager" ([A-Za-z0-9]+). */
  sid: string;
  /** IAM actions, wildcards allowed, e.g. ["rds:Describe*", "rds:List*"]. */
  actions: string[];
  /** Console path after https://<region>.console.aws.amazon.com, e.g. "/ec2/home". */
  consolePath: string;
  /** True when the console for this service is not regional (IAM, Cost Explorer, Health). */
  globalConsole?: boolean;
  // --- Catalogue additions: custom services (the catalogue's `services` map) ---
  /** Set on services defined in the catalogue file rather than built in. */
  custom?: true;
  /** Shown to requesters and approvers. */
  description?: string;
  /**
   * The ARNs the statement is limited to (default `*`); may contain `${account}` and `${region}`,
   * resolved per grant to the granted account and the target's region.
   */
  resources?: string[];
  /** An IAM Condition block added to the statement; values may contain the same placeholders. */
  conditions?: PolicyConditions;
}

/** IAM condition operator -> condition key -> value(s), as in a policy's `Condition` element. */
export type PolicyConditions = Record<string, Record<string, string | string[]>>;

export type IssuerMode = 'chained' | 'user';

export interface AutoApprovalRule {
  /** Auto-approve only when every requested service is in this list. */
  services: ServiceKey[];
  /** ...and the duration is at most this many seconds. */
  maxDurationSeconds: number;
  /**
   * After an auto-approved grant's window, this long must pass before the same requester's next
   * request on the target is auto-approved (absent: maxDurationSeconds); until then approvers decide.
   */
  cooldownSeconds?: number;
}

/** A role that can be requested, with who may ask and who decides. */
export interface Target {
  id: string;
  description?: string;
  // --- Catalogue additions: account sets. Exactly one of `account` and `accounts` is set. ---
  /** The one account of a single-account target. */
  account?: string;
  /**
   * The accounts of an account-set target (a `accountSets` entry expanded, or ids), in file
   * order; `roleArn` then contains `${account}` and each request names one of these.
   */
  accounts?: string[];
  /** A concrete role ARN, or for an account-set target a template with `${account}`. */
  roleArn: string;
  /** Services of this target may grant `*` or `<service>:*` (every action of a service). */
  allowWildcardActions?: boolean;
  /** aws | aws-us-gov | aws-cn, derived from roleArn. */
  partition: string;
  /** Region whose console the sign-in URL opens. */
  region: string;
  externalId?: string;
  /**
   * The role the broker assumes (with `externalId`) to write the ended-sessions deny on
   * `roleArn` in another account (output SessionDenyRoleArn of infra/target-account-role.yaml).
   * Absent: the broker edits the role's inline policies with its own credentials (a role in
   * the broker's own account).
   */
  sessionDenyRoleArn?: string;
  issuer: IssuerMode;
  /** The role's own MaxSessionDuration (900..43200); bounds each issuance in `user` mode. */
  roleMaxSessionSeconds: number;
  maxDurationSeconds: number;
  services: ServiceKey[];
  requesterGroups: string[];
  /** Lower-cased; each gets its own emailed link. */
  approverEmails: string[];
  /** May read and list what they can approve (IdP groups cannot be enumerated to send mail). */
  approverGroups: string[];
  approvalsRequired: number;
  approvalTimeoutSeconds: number;
  /** What a `ticket` must match (a regular expression source, anchored); from the catalogue's defaults. */
  ticketPattern?: string;
  autoApprove?: AutoApprovalRule;
  /** Open requests per requester on this target (absent: the built-in 1 ACTIVE + 2 pending). */
  openRequests?: OpenRequestLimits;
  // --- grant lifecycle (scheduled start, extensions, reminders, break-glass) ---
  /** How far ahead `startsAt` may be (default 7 days). */
  maxScheduleAheadSeconds: number;
  /** Extensions one grant may have (default 2; 0 turns them off). */
  maxExtensions: number;
  /** Longest total window with extensions; when absent, maxDurationSeconds. */
  maxExtendedDurationSeconds?: number;
  /** Remind approvers who have not decided at 25 % and 60 % of the approval timeout (default on). */
  reminders: boolean;
  /** Access without approval, alarmed and reviewed afterwards; absent when not allowed. */
  breakGlass?: BreakGlassRule;
}

/** A target's break-glass setting: who may use it, for how long, and how soon it must be reviewed. */
export interface BreakGlassRule {
  maxDurationSeconds: number;
  requireTicket: boolean;
  reviewWithinSeconds: number;
  /** Who may break the glass (default: the target's requester groups). */
  requesterGroups: string[];
}

/** A role outside the broker whose every use raises an alarm (e.g. an emergency admin role). */
export interface WatchedRole {
  roleArn: string;
  description?: string;
}

export interface Catalogue {
  services: ServiceDefinition[];
  targets: Target[];
  watchedRoles: WatchedRole[];
  /** Members of these groups may read and revoke any grant (the catalogue's `operators.groups`). */
  operatorGroups: string[];
  /** Submissions per requester (absent: the built-in 10 per hour). */
  submissionRate?: SubmissionRate;
}

import { parseArn } from './arn';
import { REQUEST_ID_PATTERN } from './ids';
import { HistoryType, type AccessRequest } from './request';
import { RequestStatus } from './status';
import { sourceIdentityMatchesEmail } from './source-identity';

/** How a watched role was obtained, as recorded by CloudTrail. */
export const RoleUseKind = {
  /** sts:AssumeRole with AWS credentials (the broker's issuer, a user, a chained role session). */
  ASSUME_ROLE: 'assume-role',
  /** sts:AssumeRoleWithSAML: a federated user straight from an identity provider. */
  ASSUME_ROLE_WITH_SAML: 'assume-role-with-saml',
  /** sts:AssumeRoleWithWebIdentity: an OIDC token (CI pipelines, Cognito, ...). */
  ASSUME_ROLE_WITH_WEB_IDENTITY: 'assume-role-with-web-identity',
  /** A person used "Switch role" in the AWS console. The broker never does this. */
  CONSOLE_SWITCH_ROLE: 'console-switch-role',
} as const;
export type RoleUseKind = (typeof RoleUseKind)[keyof typeof RoleUseKind];

/**
 * One use of a role, normalised from whichever CloudTrail event recorded it. Carries no
 * credentials: of `responseElements.credentials` the parser copies only the access key id
 * (an identifier, not a secret), never the secret access key or the session token.
 */
export interface RoleUse {
  /** CloudTrail eventID. */
  eventId: string;
  /** ISO-8601, whole seconds (CloudTrail truncates). */
  eventTime: string;
  kind: RoleUseKind;
  /** The role obtained, as an IAM role ARN. */
  roleArn: string;
  /** Account that owns the role. */
  roleAccount: string;
  roleSessionName?: string;
  /** The SourceIdentity of the new session (set by this call or inherited through chaining). */
  sourceIdentity?: string;
  /**
   * AssumeRole*: the AccessKeyId of the session STS returned
   * (`responseElements.credentials.accessKeyId`); absent for a failed call or a SwitchRole.
   * Compared with the key ids the broker recorded on its `issued` history entries, it ties a
   * session to the broker's own issuance. Never put in an alarm.
   */
  issuedAccessKeyId?: string;
  /** The caller's ARN when CloudTrail records one (SAML, web identity and cross-account copies have none). */
  callerArn?: string;
  /** For a role session caller: the role behind it. */
  sessionIssuerArn?: string;
  /** CloudTrail userIdentity.type: IAMUser, AssumedRole, SAMLUser, WebIdentityUser, AWSAccount, Root... */
  callerType: string;
  /** Account of the caller, when known. */
  callerAccount?: string;
  /** Who called, as a person would name it: the ARN, or the federated user and provider. */
  caller: string;
  sourceIp: string;
  userAgent: string;
  awsRegion: string;
  /** Account whose CloudTrail recorded the event (recipientAccountId, else the EventBridge account). */
  account: string;
  /** Set when the call failed: no session was created. */
  errorCode?: string;
  errorMessage?: string;
}

/** What an alarm says about one role use (docs/architecture.md, "Alarms on watched roles"). */
export const AlertClassification = {
  /**
   * The broker's issuer obtained the role for an active request, for its requester, and the
   * session's access key is one the broker received and recorded when issuing that request.
   */
  BROKER_GRANT: 'broker-grant',
  /** No request covers this use: someone obtained the role outside the broker. */
  OUT_OF_BAND: 'out-of-band',
  /** A request matches, but it was not active when the role was obtained. */
  OUTSIDE_WINDOW: 'outside-window',
  /**
   * A request id was used, but by the wrong caller, for the wrong person or the wrong role,
   * or by the broker's issuer principal for a session the broker's issuance did not receive.
   */
  IDENTITY_MISMATCH: 'identity-mismatch',
  /** Someone switched into the role in the AWS console; the broker never does. */
  CONSOLE_SWITCH_ROLE: 'console-switch-role',
} as const;
export type AlertClassification = (typeof AlertClassification)[keyof typeof AlertClassification];

/** How urgently a person should look; the alarm subject starts with it in brackets. */
export const AlertSeverity = {
  /** Expected use, recorded for the audit trail. */
  INFO: 'INFO',
  /** Probably benign (clock skew, a refresh racing expiry) but worth a look. */
  WARNING: 'WARNING',
  /** Someone holds the role without a grant that covers it: act now. */
  CRITICAL: 'CRITICAL',
} as const;
export type AlertSeverity = (typeof AlertSeverity)[keyof typeof AlertSeverity];

export interface Classification {
  classification: AlertClassification;
  severity: AlertSeverity;
  /** The matching request, when there is one. */
  requestId?: string;
  /** Whole sentences a person reads in the alarm: why it is classified so. */
  reasons: string[];
}

/** The broker's own principals: the Lambda role (chained issuer) and/or the IAM user (user issuer). */
export interface BrokerPrincipals {
  issuerPrincipalArns: string[];
}

/**
 * True for a session name shaped like a request id (26 upper-case Crockford base32
 * characters, see ids.ts). The issuer uses the id as RoleSessionName, which is how a
 * CloudTrail event finds its request.
 */
export const isRequestIdShaped = (sessionName: string | undefined): sessionName is string =>
  sessionName !== undefined && REQUEST_ID_PATTERN.test(sessionName);

/**
 * How long before `startsAt` the broker's own AssumeRole may be stamped and still count as
 * inside the window. The issuer may record startsAt only once STS has answered, and
 * CloudTrail truncates eventTime to whole seconds, so a legitimate grant can look a
 * moment early.
 */
export const ISSUANCE_LEEWAY_MS = 60_000;

/**
 * An outside-window use this close to the edge of a window that did open is a WARNING
 * (clock skew, a refresh racing expiry); any further away it is CRITICAL.
 */
export const NEAR_WINDOW_MS = 5 * 60_000;

/** Statuses of a request that was never issued credentials (APPROVED is only about to be). */
const NEVER_ACTIVE: readonly RequestStatus[] = [
  RequestStatus.PENDING,
  RequestStatus.APPROVED,
  RequestStatus.DENIED,
  RequestStatus.CANCELLED,
  RequestStatus.TIMED_OUT,
];

/** Statuses that cut an active window short; the history entry of the same name says when. */
const ENDED_EARLY: Partial<Record<RequestStatus, 'revoked' | 'failed'>> = {
  [RequestStatus.REVOKED]: 'revoked',
  [RequestStatus.FAILED]: 'failed',
};

/**
 * One comparable form per principal: an STS assumed-role session becomes its role, and
 * IAM paths are dropped because assumed-role ARNs never carry them. Names are
 * lower-cased because IAM role and user names are unique regardless of case.
 * Anything unrecognised compares as itself.
 */
export function canonicalPrincipal(arn: string): string {
  const parsed = parseArn(arn);
  if (!parsed) return arn.trim();
  const { partition, service, account, resource } = parsed;
  const parts = resource.split('/');
  if (service === 'sts' && parts[0] === 'assumed-role' && parts.length >= 3) {
    return `arn:${partition}:iam::${account}:role/${parts[1]!.toLowerCase()}`;
  }
  if (service === 'iam' && (parts[0] === 'role' || parts[0] === 'user') && parts.length >= 2) {
    return `arn:${partition}:iam::${account}:${parts[0]}/${parts[parts.length - 1]!.toLowerCase()}`;
  }
  return arn.trim();
}

export const samePrincipal = (a: string, b: string): boolean => canonicalPrincipal(a) === canonicalPrincipal(b);

/**
 * The IAM role ARN behind `arn:aws:sts::ACCT:assumed-role/ROLE/SESSION`; undefined for
 * anything else.
 */
export function roleArnOfAssumedRole(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'sts') return undefined;
  const parts = parsed.resource.split('/');
  if (parts[0] !== 'assumed-role' || parts.length < 3) return undefined;
  return `arn:${parsed.partition}:iam::${parsed.account}:role/${parts[1]}`;
}

/** Session name of an assumed-role ARN (the part after the role name). */
export function sessionNameOfAssumedRole(arn: string): string | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.service !== 'sts') return undefined;
  const parts = parsed.resource.split('/');
  if (parts[0] !== 'assumed-role' || parts.length < 3) return undefined;
  return parts.slice(2).join('/');
}

/** `arn:aws:iam::ACCT:role/path/NAME` -> `NAME`; the input itself when it is not a role ARN. */
export function roleNameOf(roleArn: string): string {
  const parsed = parseArn(roleArn);
  if (!parsed) return roleArn;
  const parts = parsed.resource.split('/');
  if (parsed.service === 'iam' && parts[0] === 'role' && parts.length >= 2) return parts[parts.length - 1]!;
  if (parsed.service === 'sts' && parts[0] === 'assumed-role' && parts.length >= 3) return parts[1]!;
  return roleArn;
}

export const isIamRoleArn = (arn: string): boolean => {
  const parsed = parseArn(arn);
  return parsed?.service === 'iam' && parsed.resource.startsWith('role/') && parsed.account !== '';
};

/** Which role uses raise an alarm at all, and which copies are duplicates. */
export interface AlarmScope {
  /** Every target's role plus the catalogue's extra watched roles. */
  watchedRoleArns: string[];
  /**
   * Accounts the broker's issuer runs in. A cross-account AssumeRole is recorded twice:
   * in the caller's account with the full identity, and in the role's account where the
   * caller shows only as `AWSAccount`. Copies of the second kind from these accounts are
   * skipped, because the first copy (which the broker account's rule also receives) is
   * the one that can be attributed and classified.
   */
  brokerAccountIds?: string[];
}

export type AlarmDecision = { alarm: true } | { alarm: false; reason: string };

/** Decides whether a parsed role use raises an alarm; the reason says why not, for the log. */
export function decideAlarm(use: RoleUse, scope: AlarmScope): AlarmDecision {
  if (use.errorCode !== undefined) {
    return { alarm: false, reason: `the call failed (${use.errorCode}), so no session was created` };
  }
  if (!scope.watchedRoleArns.some((watched) => samePrincipal(watched, use.roleArn))) {
    return { alarm: false, reason: `${use.roleArn} is not a watched role` };
  }
  if (
    use.callerType === 'AWSAccount' &&
    use.callerAccount !== undefined &&
    (scope.brokerAccountIds ?? []).includes(use.callerAccount)
  ) {
    return {
      alarm: false,
      reason: `cross-account copy of a call from broker account ${use.callerAccount}; the copy recorded there is classified instead`,
    };
  }
  return { alarm: true };
}

/**
 * Classifies one use of a watched role. `match.request` is the request whose id equals
 * the session name, if any; a request with any other id is ignored, because the session
 * name is the only link the broker itself writes into CloudTrail.
 *
 * Precedence: console switch, then no request (out-of-band), then identity (caller,
 * source identity, role, and for the broker's own caller the issued access key), then time
 * window. Identity wins over the window because a stranger presenting someone's request id
 * is the more serious finding.
 *
 * The session name, the caller and the SourceIdentity are all chosen by whoever holds the
 * issuer's credentials, so they alone cannot prove a grant: anyone with those credentials
 * could assume the role under an active request's id. A broker grant also needs the
 * session's access key id to be one the broker recorded on the request's `issued` history
 * entries, i.e. the credentials the broker itself received from STS.
 */
export function classifyRoleUse(
  use: RoleUse,
  match: { request?: AccessRequest },
  broker: BrokerPrincipals,
): Classification {
  const failure =
    use.errorCode === undefined ? [] : [`The call failed (${use.errorCode}), so no session was created.`];

  if (use.kind === RoleUseKind.CONSOLE_SWITCH_ROLE) {
    return {
      classification: AlertClassification.CONSOLE_SWITCH_ROLE,
      severity: AlertSeverity.CRITICAL,
      reasons: [
        `${use.caller} switched into ${use.roleArn} in the AWS console.`,
        'The broker never uses console role switching (it signs requesters in with a federation URL), so no request can cover this.',
        ...failure,
      ],
    };
  }

  const request = match.request !== undefined && match.request.id === use.roleSessionName ? match.request : undefined;
  if (request === undefined) {
    return {
      classification: AlertClassification.OUT_OF_BAND,
      severity: AlertSeverity.CRITICAL,
      reasons: [...outOfBandReasons(use, broker), ...failure],
    };
  }

  const identityProblems = identityFindings(use, request, broker);
  const window = windowFinding(use, request);

  if (identityProblems.length > 0) {
    return {
      classification: AlertClassification.IDENTITY_MISMATCH,
      severity: AlertSeverity.CRITICAL,
      requestId: request.id,
      reasons: [
        `The session name ${request.id} is a broker request, but this use does not match it.`,
        ...identityProblems,
        ...(window.inside ? [] : [window.reason]),
        ...failure,
      ],
    };
  }

  if (!window.inside) {
    return {
      classification: AlertClassification.OUTSIDE_WINDOW,
      severity: window.severity,
      requestId: request.id,
      reasons: [window.reason, ...failure],
    };
  }

  return {
    classification: AlertClassification.BROKER_GRANT,
    severity: AlertSeverity.INFO,
    requestId: request.id,
    reasons: [
      `The session name is request ${request.id} by ${request.requester.email} for target ${request.target}.`,
      window.reason,
      `The caller ${brokerCallerLabel(use)} is the broker's issuer.`,
      `The source identity ${use.sourceIdentity ?? ''} is the requester's.`,
      `The session's access key is one the broker received from STS when it issued request ${request.id}'s credentials.`,
      ...failure,
    ],
  };
}

function outOfBandReasons(use: RoleUse, broker: BrokerPrincipals): string[] {
  const session = use.roleSessionName;
  const reasons: string[] = [];
  if (session === undefined) {
    reasons.push('The event records no session name, so it cannot belong to a broker request.');
  } else if (isRequestIdShaped(session)) {
    reasons.push(`The session name ${session} looks like a broker request id, but no such request exists.`);
  } else {
    reasons.push(`The session name "${session}" is not a broker request id, so no broker grant covers this use.`);
  }
  if (isBrokerCaller(use, broker)) {
    reasons.push(
      `The caller ${brokerCallerLabel(use)} is the broker's own issuer, yet no request matches: the broker's credentials may be in use outside the broker.`,
    );
  } else {
    reasons.push(`The caller ${use.caller} is not the broker's issuer.`);
  }
  return reasons;
}

function identityFindings(use: RoleUse, request: AccessRequest, broker: BrokerPrincipals): string[] {
  const problems: string[] = [];
  if (!samePrincipal(use.roleArn, request.roleArn)) {
    problems.push(`The role obtained, ${use.roleArn}, is not the role the request was approved for, ${request.roleArn}.`);
  }
  if (!isBrokerCaller(use, broker)) {
    const issuers = broker.issuerPrincipalArns.length > 0 ? broker.issuerPrincipalArns.join(', ') : 'none configured';
    const proof =
      use.callerArn === undefined && use.sessionIssuerArn === undefined
        ? ' (CloudTrail recorded no caller ARN in this copy, so the broker cannot be confirmed as the caller)'
        : '';
    problems.push(`The caller ${use.caller} is not the broker's issuer (${issuers})${proof}.`);
  } else if (!issuedByBroker(use, request)) {
    // The caller is the issuer, but these are not credentials the broker received: someone
    // holding the issuer's credentials named the session after the request themselves.
    problems.push(
      use.issuedAccessKeyId === undefined
        ? `CloudTrail recorded no access key for this session, so it cannot be matched to the credentials the broker issued for request ${request.id}: the session is not shown to come from the broker's issuance, and the issuer's credentials may be in use outside the broker.`
        : `The session's access key is not one the broker received when issuing request ${request.id}: the session was not created by the broker's issuance, so the issuer's credentials may be in use outside the broker.`,
    );
  }
  if (use.sourceIdentity === undefined) {
    problems.push(`No source identity was set; the broker always sets the requester's, ${request.requester.email}.`);
  } else if (!sourceIdentityMatchesEmail(use.sourceIdentity, request.requester.email)) {
    problems.push(`The source identity ${use.sourceIdentity} is not the requester ${request.requester.email}.`);
  }
  return problems;
}

/**
 * True when the session's access key id is one the broker recorded on an `issued` history
 * entry of the request (first issuance and every refresh each record their own).
 */
function issuedByBroker(use: RoleUse, request: AccessRequest): boolean {
  const key = use.issuedAccessKeyId;
  if (key === undefined) return false;
  return request.history.some((h) => h.type === HistoryType.ISSUED && h.accessKeyId === key);
}

function isBrokerCaller(use: RoleUse, broker: BrokerPrincipals): boolean {
  const candidates = [use.callerArn, use.sessionIssuerArn].filter((arn): arn is string => arn !== undefined);
  return candidates.some((arn) => broker.issuerPrincipalArns.some((issuer) => samePrincipal(issuer, arn)));
}

function brokerCallerLabel(use: RoleUse): string {
  return use.sessionIssuerArn ?? use.callerArn ?? use.caller;
}

type WindowFinding = { inside: true; reason: string } | { inside: false; severity: AlertSeverity; reason: string };

/**
 * Was the request active when the role was obtained? The request is read minutes after
 * the event (CloudTrail delivery lags), so a request that is EXPIRED now was still
 * active then if the event falls inside its window; REVOKED or FAILED cut the window
 * short at the time their history entry records.
 *
 * Severity when outside: CRITICAL if the request never became active (PENDING,
 * APPROVED, DENIED, CANCELLED, TIMED_OUT, or no recorded window), if the use came after
 * a revocation or failure ended the window early, or if it is NEAR_WINDOW_MS or more
 * outside the window; WARNING if the window did open and the use is within
 * NEAR_WINDOW_MS of its edge (clock skew, a refresh racing expiry).
 */
function windowFinding(use: RoleUse, request: AccessRequest): WindowFinding {
  const t = Date.parse(use.eventTime);
  const when = formatUtc(use.eventTime);

  if (NEVER_ACTIVE.includes(request.status) || request.startsAt === undefined || request.expiresAt === undefined) {
    const why = NEVER_ACTIVE.includes(request.status)
      ? `it is ${request.status} and was never issued credentials`
      : `it is ${request.status} and has no recorded access window`;
    return {
      inside: false,
      severity: AlertSeverity.CRITICAL,
      reason: `Request ${request.id} was not active at ${when}: ${why}.`,
    };
  }

  const start = Date.parse(request.startsAt);
  const expires = Date.parse(request.expiresAt);
  const window = `${formatUtc(request.startsAt)} to ${formatUtc(request.expiresAt)}`;
  const endedHow = ENDED_EARLY[request.status];
  const endedAt = endedHow === undefined ? undefined : endedEarlyAt(request, endedHow);

  if (endedAt !== undefined && t > Date.parse(endedAt) && Date.parse(endedAt) < expires) {
    return {
      inside: false,
      severity: AlertSeverity.CRITICAL,
      reason: `Request ${request.id} was ${endedHow} at ${formatUtc(endedAt)}, before this use at ${when} (window ${window}).`,
    };
  }
  if (t < start - ISSUANCE_LEEWAY_MS) {
    const early = start - t;
    return {
      inside: false,
      severity: early < NEAR_WINDOW_MS ? AlertSeverity.WARNING : AlertSeverity.CRITICAL,
      reason: `The role was obtained at ${when}, ${formatGap(early)} before request ${request.id}'s window (${window}) opened.`,
    };
  }
  if (t > expires) {
    const late = t - expires;
    return {
      inside: false,
      severity: late < NEAR_WINDOW_MS ? AlertSeverity.WARNING : AlertSeverity.CRITICAL,
      reason: `The role was obtained at ${when}, ${formatGap(late)} after request ${request.id}'s window (${window}) closed.`,
    };
  }
  return { inside: true, reason: `The request was active at ${when} (window ${window}).` };
}

function endedEarlyAt(request: AccessRequest, type: 'revoked' | 'failed'): string {
  const entry = [...request.history].reverse().find((h) => h.type === type);
  return entry?.at ?? request.updatedAt;
}

/** `2024-11-20T14:03:12.000Z` -> `2024-11-20 14:03:12 UTC`; unparseable input is shown as is. */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function formatGap(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts = [hours > 0 ? `${hours}h` : '', minutes > 0 ? `${minutes}m` : '', seconds > 0 || total === 0 ? `${seconds}s` : ''];
  return parts.filter(Boolean).join(' ');
}

import { samePrincipal } from './arn';
import { HistoryType, type AccessRequest } from './request';
import { RoleUseKind, isRequestIdShaped, type RoleUse } from './role-use';
import { RequestStatus } from './status';
import { sourceIdentityMatchesEmail } from './source-identity';

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
  /**
   * A record matched a watched-role rule (or the trail pre-filter) but could not be read: raised
   * instead of dropping it, because a use that cannot be read cannot be shown harmless.
   */
  UNPARSEABLE_EVENT: 'unparseable-event',
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
  /** Why it is classified so, as codes (one per reason, same order): what tests and machines read. */
  findings: FindingCode[];
  /** Whole sentences a person reads in the alarm: why it is classified so. */
  reasons: string[];
}

/** The facts a classification rests on, one code per reason sentence. */
export const FindingCode = {
  CONSOLE_SWITCH: 'console-switch',
  BROKER_NEVER_SWITCHES: 'broker-never-switches',
  CALL_FAILED: 'call-failed',
  NO_SESSION_NAME: 'no-session-name',
  REQUEST_NOT_FOUND: 'request-not-found',
  SESSION_NOT_REQUEST_ID: 'session-not-request-id',
  ISSUER_WITHOUT_REQUEST: 'issuer-without-request',
  CALLER_NOT_ISSUER: 'caller-not-issuer',
  SESSION_NAMES_REQUEST: 'session-names-request',
  ROLE_NOT_REQUESTED: 'role-not-requested',
  NO_ACCESS_KEY: 'no-access-key',
  KEY_NOT_ISSUED: 'key-not-issued',
  NO_SOURCE_IDENTITY: 'no-source-identity',
  SOURCE_IDENTITY_MISMATCH: 'source-identity-mismatch',
  NEVER_ACTIVE: 'never-active',
  NO_WINDOW: 'no-window',
  ENDED_EARLY: 'ended-early',
  BEFORE_WINDOW: 'before-window',
  AFTER_WINDOW: 'after-window',
  INSIDE_WINDOW: 'inside-window',
  REQUEST_MATCHES: 'request-matches',
  ISSUER_CALLER: 'issuer-caller',
  REQUESTER_SOURCE_IDENTITY: 'requester-source-identity',
  ISSUED_KEY: 'issued-key',
} as const;
export type FindingCode = (typeof FindingCode)[keyof typeof FindingCode];

/** One reason: its code and its sentence. */
interface Finding {
  code: FindingCode;
  text: string;
}

const F = FindingCode;
const finding = (code: FindingCode, text: string): Finding => ({ code, text });

function classified(c: Omit<Classification, 'findings' | 'reasons'>, found: Finding[]): Classification {
  return { ...c, findings: found.map((f) => f.code), reasons: found.map((f) => f.text) };
}

/** The broker's own principals: the Lambda role (chained issuer) and/or the IAM user (user issuer). */
export interface BrokerPrincipals {
  issuerPrincipalArns: string[];
}

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
    use.errorCode === undefined ? [] : [finding(F.CALL_FAILED, `The call failed (${use.errorCode}), so no session was created.`)];

  if (use.kind === RoleUseKind.CONSOLE_SWITCH_ROLE) {
    return classified({ classification: AlertClassification.CONSOLE_SWITCH_ROLE, severity: AlertSeverity.CRITICAL }, [
      finding(F.CONSOLE_SWITCH, `${use.caller} switched into ${use.roleArn} in the AWS console.`),
      finding(
        F.BROKER_NEVER_SWITCHES,
        'The broker never uses console role switching (it signs requesters in with a federation URL), so no request can cover this.',
      ),
      ...failure,
    ]);
  }

  const request = match.request !== undefined && match.request.id === use.roleSessionName ? match.request : undefined;
  if (request === undefined) {
    return classified({ classification: AlertClassification.OUT_OF_BAND, severity: AlertSeverity.CRITICAL }, [
      ...outOfBandReasons(use, broker),
      ...failure,
    ]);
  }

  const identityProblems = identityFindings(use, request, broker);
  const window = windowFinding(use, request);

  if (identityProblems.length > 0) {
    return classified({ classification: AlertClassification.IDENTITY_MISMATCH, severity: AlertSeverity.CRITICAL, requestId: request.id }, [
      finding(F.SESSION_NAMES_REQUEST, `The session name ${request.id} is a broker request, but this use does not match it.`),
      ...identityProblems,
      ...(window.inside ? [] : [finding(window.code, window.reason)]),
      ...failure,
    ]);
  }

  if (!window.inside) {
    return classified({ classification: AlertClassification.OUTSIDE_WINDOW, severity: window.severity, requestId: request.id }, [
      finding(window.code, window.reason),
      ...failure,
    ]);
  }

  return classified({ classification: AlertClassification.BROKER_GRANT, severity: AlertSeverity.INFO, requestId: request.id }, [
    finding(F.REQUEST_MATCHES, `The session name is request ${request.id} by ${request.requester.email} for target ${request.target}.`),
    finding(window.code, window.reason),
    finding(F.ISSUER_CALLER, `The caller ${brokerCallerLabel(use)} is the broker's issuer.`),
    finding(F.REQUESTER_SOURCE_IDENTITY, `The source identity ${use.sourceIdentity ?? ''} is the requester's.`),
    finding(F.ISSUED_KEY, `The session's access key is one the broker received from STS when it issued request ${request.id}'s credentials.`),
    ...failure,
  ]);
}

function outOfBandReasons(use: RoleUse, broker: BrokerPrincipals): Finding[] {
  const session = use.roleSessionName;
  const reasons: Finding[] = [];
  if (session === undefined) {
    reasons.push(finding(F.NO_SESSION_NAME, 'The event records no session name, so it cannot belong to a broker request.'));
  } else if (isRequestIdShaped(session)) {
    reasons.push(finding(F.REQUEST_NOT_FOUND, `The session name ${session} looks like a broker request id, but no such request exists.`));
  } else {
    reasons.push(finding(F.SESSION_NOT_REQUEST_ID, `The session name "${session}" is not a broker request id, so no broker grant covers this use.`));
  }
  if (isBrokerCaller(use, broker)) {
    reasons.push(
      finding(
        F.ISSUER_WITHOUT_REQUEST,
        `The caller ${brokerCallerLabel(use)} is the broker's own issuer, yet no request matches: the broker's credentials may be in use outside the broker.`,
      ),
    );
  } else {
    reasons.push(finding(F.CALLER_NOT_ISSUER, `The caller ${use.caller} is not the broker's issuer.`));
  }
  return reasons;
}

function identityFindings(use: RoleUse, request: AccessRequest, broker: BrokerPrincipals): Finding[] {
  const problems: Finding[] = [];
  if (!samePrincipal(use.roleArn, request.roleArn)) {
    problems.push(finding(F.ROLE_NOT_REQUESTED, `The role obtained, ${use.roleArn}, is not the role the request was approved for, ${request.roleArn}.`));
  }
  if (!isBrokerCaller(use, broker)) {
    const issuers = broker.issuerPrincipalArns.length > 0 ? broker.issuerPrincipalArns.join(', ') : 'none configured';
    const proof =
      use.callerArn === undefined && use.sessionIssuerArn === undefined
        ? ' (CloudTrail recorded no caller ARN in this copy, so the broker cannot be confirmed as the caller)'
        : '';
    problems.push(finding(F.CALLER_NOT_ISSUER, `The caller ${use.caller} is not the broker's issuer (${issuers})${proof}.`));
  } else if (!issuedByBroker(use, request)) {
    // The caller is the issuer, but these are not credentials the broker received: someone
    // holding the issuer's credentials named the session after the request themselves.
    problems.push(
      use.issuedAccessKeyId === undefined
        ? finding(F.NO_ACCESS_KEY, `CloudTrail recorded no access key for this session, so it cannot be matched to the credentials the broker issued for request ${request.id}: the session is not shown to come from the broker's issuance, and the issuer's credentials may be in use outside the broker.`)
        : finding(F.KEY_NOT_ISSUED, `The session's access key is not one the broker received when issuing request ${request.id}: the session was not created by the broker's issuance, so the issuer's credentials may be in use outside the broker.`),
    );
  }
  if (use.sourceIdentity === undefined) {
    problems.push(finding(F.NO_SOURCE_IDENTITY, `No source identity was set; the broker always sets the requester's, ${request.requester.email}.`));
  } else if (!sourceIdentityMatchesEmail(use.sourceIdentity, request.requester.email)) {
    problems.push(finding(F.SOURCE_IDENTITY_MISMATCH, `The source identity ${use.sourceIdentity} is not the requester ${request.requester.email}.`));
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

type WindowFinding =
  | { inside: true; code: FindingCode; reason: string }
  | { inside: false; code: FindingCode; severity: AlertSeverity; reason: string };

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
      code: NEVER_ACTIVE.includes(request.status) ? F.NEVER_ACTIVE : F.NO_WINDOW,
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
      code: F.ENDED_EARLY,
      severity: AlertSeverity.CRITICAL,
      reason: `Request ${request.id} was ${endedHow} at ${formatUtc(endedAt)}, before this use at ${when} (window ${window}).`,
    };
  }
  if (t < start - ISSUANCE_LEEWAY_MS) {
    const early = start - t;
    return {
      inside: false,
      code: F.BEFORE_WINDOW,
      severity: early < NEAR_WINDOW_MS ? AlertSeverity.WARNING : AlertSeverity.CRITICAL,
      reason: `The role was obtained at ${when}, ${formatGap(early)} before request ${request.id}'s window (${window}) opened.`,
    };
  }
  if (t > expires) {
    const late = t - expires;
    return {
      inside: false,
      code: F.AFTER_WINDOW,
      severity: late < NEAR_WINDOW_MS ? AlertSeverity.WARNING : AlertSeverity.CRITICAL,
      reason: `The role was obtained at ${when}, ${formatGap(late)} after request ${request.id}'s window (${window}) closed.`,
    };
  }
  return { inside: true, code: F.INSIDE_WINDOW, reason: `The request was active at ${when} (window ${window}).` };
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

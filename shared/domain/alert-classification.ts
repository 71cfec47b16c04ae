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
  /**
   * Why it is classified so, as codes, most telling first: what tests and machines read. The
   * sentences a person reads are wording (shared/alerts/alarm-wording.ts), keyed by these codes.
   */
  findings: FindingCode[];
  /** Figures some findings rest on that neither the role use nor the request holds. */
  facts?: ClassificationFacts;
}

/** What the wording of a finding needs beyond the role use and the request. */
export interface ClassificationFacts {
  /** before-window / after-window: how far outside the window the use was, in milliseconds. */
  gapMs?: number;
  /** ended-early: how the window was cut short, and when. */
  ended?: { how: 'revoked' | 'failed'; at: string };
  /** caller-not-issuer on a matched request: the issuer principals the caller was compared with. */
  issuerPrincipalArns?: string[];
}

/** The facts a classification rests on. */
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
  /** The matched request is break-glass access: granted without approval, so a broker grant still worth a look. */
  BREAK_GLASS: 'break-glass',
  /** A rule-matched record that could not be read (the only finding of an unparseable-event alarm). */
  UNREADABLE_RECORD: 'unreadable-record',
} as const;
export type FindingCode = (typeof FindingCode)[keyof typeof FindingCode];

const F = FindingCode;

function classified(c: Omit<Classification, 'findings' | 'facts'>, findings: FindingCode[], facts: ClassificationFacts = {}): Classification {
  return Object.keys(facts).length === 0 ? { ...c, findings } : { ...c, findings, facts };
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
  const failure: FindingCode[] = use.errorCode === undefined ? [] : [F.CALL_FAILED];

  if (use.kind === RoleUseKind.CONSOLE_SWITCH_ROLE) {
    return classified({ classification: AlertClassification.CONSOLE_SWITCH_ROLE, severity: AlertSeverity.CRITICAL }, [
      F.CONSOLE_SWITCH,
      F.BROKER_NEVER_SWITCHES,
      ...failure,
    ]);
  }

  const request = match.request !== undefined && match.request.id === use.roleSessionName ? match.request : undefined;
  if (request === undefined) {
    return classified({ classification: AlertClassification.OUT_OF_BAND, severity: AlertSeverity.CRITICAL }, [
      ...outOfBandFindings(use, broker),
      ...failure,
    ]);
  }

  const identityProblems = identityFindings(use, request, broker);
  const window = windowFinding(use, request);
  const windowFacts: ClassificationFacts = {
    ...(window.gapMs === undefined ? {} : { gapMs: window.gapMs }),
    ...(window.ended === undefined ? {} : { ended: window.ended }),
  };

  if (identityProblems.length > 0) {
    const callerFacts = identityProblems.includes(F.CALLER_NOT_ISSUER) ? { issuerPrincipalArns: [...broker.issuerPrincipalArns] } : {};
    return classified(
      { classification: AlertClassification.IDENTITY_MISMATCH, severity: AlertSeverity.CRITICAL, requestId: request.id },
      [F.SESSION_NAMES_REQUEST, ...identityProblems, ...(window.inside ? [] : [window.code]), ...failure],
      { ...(window.inside ? {} : windowFacts), ...callerFacts },
    );
  }

  if (!window.inside) {
    return classified(
      { classification: AlertClassification.OUTSIDE_WINDOW, severity: window.severity, requestId: request.id },
      [window.code, ...failure],
      windowFacts,
    );
  }

  // Break-glass access is a real broker grant, but nobody approved it: WARNING, not INFO.
  const glass = request.breakGlass === true;
  return classified({ classification: AlertClassification.BROKER_GRANT, severity: glass ? AlertSeverity.WARNING : AlertSeverity.INFO, requestId: request.id }, [
    F.REQUEST_MATCHES,
    ...(glass ? [F.BREAK_GLASS] : []),
    window.code,
    F.ISSUER_CALLER,
    F.REQUESTER_SOURCE_IDENTITY,
    F.ISSUED_KEY,
    ...failure,
  ]);
}

function outOfBandFindings(use: RoleUse, broker: BrokerPrincipals): FindingCode[] {
  const session = use.roleSessionName;
  const sessionFinding =
    session === undefined ? F.NO_SESSION_NAME : isRequestIdShaped(session) ? F.REQUEST_NOT_FOUND : F.SESSION_NOT_REQUEST_ID;
  return [sessionFinding, isBrokerCaller(use, broker) ? F.ISSUER_WITHOUT_REQUEST : F.CALLER_NOT_ISSUER];
}

function identityFindings(use: RoleUse, request: AccessRequest, broker: BrokerPrincipals): FindingCode[] {
  const problems: FindingCode[] = [];
  if (!samePrincipal(use.roleArn, request.roleArn)) problems.push(F.ROLE_NOT_REQUESTED);
  if (!isBrokerCaller(use, broker)) {
    problems.push(F.CALLER_NOT_ISSUER);
  } else if (!issuedByBroker(use, request)) {
    // The caller is the issuer, but these are not credentials the broker received: someone
    // holding the issuer's credentials named the session after the request themselves.
    problems.push(use.issuedAccessKeyId === undefined ? F.NO_ACCESS_KEY : F.KEY_NOT_ISSUED);
  }
  if (use.sourceIdentity === undefined) {
    problems.push(F.NO_SOURCE_IDENTITY);
  } else if (!sourceIdentityMatchesEmail(use.sourceIdentity, request.requester.email)) {
    problems.push(F.SOURCE_IDENTITY_MISMATCH);
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

type WindowFinding =
  | { inside: true; code: FindingCode; gapMs?: undefined; ended?: undefined }
  | { inside: false; code: FindingCode; severity: AlertSeverity; gapMs?: number; ended?: ClassificationFacts['ended'] };

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

  if (NEVER_ACTIVE.includes(request.status) || request.startsAt === undefined || request.expiresAt === undefined) {
    return {
      inside: false,
      code: NEVER_ACTIVE.includes(request.status) ? F.NEVER_ACTIVE : F.NO_WINDOW,
      severity: AlertSeverity.CRITICAL,
    };
  }

  const start = Date.parse(request.startsAt);
  const expires = Date.parse(request.expiresAt);
  const endedHow = ENDED_EARLY[request.status];
  const endedAt = endedHow === undefined ? undefined : endedEarlyAt(request, endedHow);

  if (endedHow !== undefined && endedAt !== undefined && t > Date.parse(endedAt) && Date.parse(endedAt) < expires) {
    return { inside: false, code: F.ENDED_EARLY, severity: AlertSeverity.CRITICAL, ended: { how: endedHow, at: endedAt } };
  }
  if (t < start - ISSUANCE_LEEWAY_MS) {
    const early = start - t;
    return {
      inside: false,
      code: F.BEFORE_WINDOW,
      severity: early < NEAR_WINDOW_MS ? AlertSeverity.WARNING : AlertSeverity.CRITICAL,
      gapMs: early,
    };
  }
  if (t > expires) {
    const late = t - expires;
    return {
      inside: false,
      code: F.AFTER_WINDOW,
      severity: late < NEAR_WINDOW_MS ? AlertSeverity.WARNING : AlertSeverity.CRITICAL,
      gapMs: late,
    };
  }
  return { inside: true, code: F.INSIDE_WINDOW };
}

function endedEarlyAt(request: AccessRequest, type: 'revoked' | 'failed'): string {
  const entry = [...request.history].reverse().find((h) => h.type === type);
  return entry?.at ?? request.updatedAt;
}

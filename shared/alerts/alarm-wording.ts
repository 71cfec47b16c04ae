import { AlertClassification, FindingCode, type Classification } from '../domain/alert-classification';
import { roleNameOf } from '../domain/arn';
import type { AccessRequest } from '../domain/request';
import type { RoleUse } from '../domain/role-use';

/**
 * What a person reads in an alarm, keyed by the classification and finding codes of
 * shared/domain/alert-classification.ts. The rules live there; this module only words them,
 * so the wording can change without touching the rules or their tests.
 */

/** What a finding's sentence may draw on: the role use, the classification (codes and facts), the matching request. */
export interface WordingContext {
  use: RoleUse;
  c: Classification;
  /** The request whose id is `c.requestId`, when there is one. */
  request?: AccessRequest;
}

/** Human name of each classification, for the subject and the body's heading. */
export const CLASSIFICATION_TITLE: Record<AlertClassification, string> = {
  [AlertClassification.BROKER_GRANT]: 'Broker-granted',
  [AlertClassification.OUT_OF_BAND]: 'Out-of-band',
  [AlertClassification.OUTSIDE_WINDOW]: 'Out-of-window',
  [AlertClassification.IDENTITY_MISMATCH]: 'Identity-mismatched',
  [AlertClassification.CONSOLE_SWITCH_ROLE]: 'Console',
  [AlertClassification.UNPARSEABLE_EVENT]: 'Unparseable',
};

const F = FindingCode;

/** One whole sentence per finding code. */
export const FINDING_WORDING: { [K in FindingCode]: (ctx: K extends typeof F.UNREADABLE_RECORD ? undefined : WordingContext) => string } = {
  [F.CONSOLE_SWITCH]: ({ use }) => `${use.caller} switched into ${use.roleArn} in the AWS console.`,
  [F.BROKER_NEVER_SWITCHES]: () =>
    'The broker never uses console role switching (it signs requesters in with a federation URL), so no request can cover this.',
  [F.CALL_FAILED]: ({ use }) => `The call failed (${use.errorCode ?? 'unknown error'}), so no session was created.`,
  [F.NO_SESSION_NAME]: () => 'The event records no session name, so it cannot belong to a broker request.',
  [F.REQUEST_NOT_FOUND]: ({ use }) =>
    `The session name ${use.roleSessionName ?? ''} looks like a broker request id, but no such request exists.`,
  [F.SESSION_NOT_REQUEST_ID]: ({ use }) =>
    `The session name "${use.roleSessionName ?? ''}" is not a broker request id, so no broker grant covers this use.`,
  [F.ISSUER_WITHOUT_REQUEST]: ({ use }) =>
    `The caller ${brokerCallerLabel(use)} is the broker's own issuer, yet no request matches: the broker's credentials may be in use outside the broker.`,
  [F.CALLER_NOT_ISSUER]: ({ use, c }) => {
    const issuers = c.facts?.issuerPrincipalArns;
    if (issuers === undefined) return `The caller ${use.caller} is not the broker's issuer.`;
    const listed = issuers.length > 0 ? issuers.join(', ') : 'none configured';
    const proof =
      use.callerArn === undefined && use.sessionIssuerArn === undefined
        ? ' (CloudTrail recorded no caller ARN in this copy, so the broker cannot be confirmed as the caller)'
        : '';
    return `The caller ${use.caller} is not the broker's issuer (${listed})${proof}.`;
  },
  [F.SESSION_NAMES_REQUEST]: (ctx) => `The session name ${requestIdOf(ctx)} is a broker request, but this use does not match it.`,
  [F.ROLE_NOT_REQUESTED]: ({ use, request }) =>
    `The role obtained, ${use.roleArn}, is not the role the request was approved for, ${request?.roleArn ?? 'unknown'}.`,
  [F.NO_ACCESS_KEY]: (ctx) =>
    `CloudTrail recorded no access key for this session, so it cannot be matched to the credentials the broker issued for request ${requestIdOf(ctx)}: the session is not shown to come from the broker's issuance, and the issuer's credentials may be in use outside the broker.`,
  [F.KEY_NOT_ISSUED]: (ctx) =>
    `The session's access key is not one the broker received when issuing request ${requestIdOf(ctx)}: the session was not created by the broker's issuance, so the issuer's credentials may be in use outside the broker.`,
  [F.NO_SOURCE_IDENTITY]: ({ request }) =>
    `No source identity was set; the broker always sets the requester's, ${requesterOf(request)}.`,
  [F.SOURCE_IDENTITY_MISMATCH]: ({ use, request }) =>
    `The source identity ${use.sourceIdentity ?? 'none'} is not the requester ${requesterOf(request)}.`,
  [F.NEVER_ACTIVE]: (ctx) =>
    `Request ${requestIdOf(ctx)} was not active at ${formatUtc(ctx.use.eventTime)}: it is ${ctx.request?.status ?? 'unknown'} and was never issued credentials.`,
  [F.NO_WINDOW]: (ctx) =>
    `Request ${requestIdOf(ctx)} was not active at ${formatUtc(ctx.use.eventTime)}: it is ${ctx.request?.status ?? 'unknown'} and has no recorded access window.`,
  [F.ENDED_EARLY]: (ctx) => {
    const ended = ctx.c.facts?.ended;
    const how = ended === undefined ? 'ended' : `${ended.how} at ${formatUtc(ended.at)}`;
    return `Request ${requestIdOf(ctx)} was ${how}, before this use at ${formatUtc(ctx.use.eventTime)} (window ${windowOf(ctx.request)}).`;
  },
  [F.BEFORE_WINDOW]: (ctx) =>
    `The role was obtained at ${formatUtc(ctx.use.eventTime)}, ${gapOf(ctx)}before request ${requestIdOf(ctx)}'s window (${windowOf(ctx.request)}) opened.`,
  [F.AFTER_WINDOW]: (ctx) =>
    `The role was obtained at ${formatUtc(ctx.use.eventTime)}, ${gapOf(ctx)}after request ${requestIdOf(ctx)}'s window (${windowOf(ctx.request)}) closed.`,
  [F.INSIDE_WINDOW]: ({ use, request }) => `The request was active at ${formatUtc(use.eventTime)} (window ${windowOf(request)}).`,
  [F.REQUEST_MATCHES]: (ctx) =>
    `The session name is request ${requestIdOf(ctx)} by ${requesterOf(ctx.request)} for target ${ctx.request?.target ?? 'unknown'}.`,
  [F.ISSUER_CALLER]: ({ use }) => `The caller ${brokerCallerLabel(use)} is the broker's issuer.`,
  [F.REQUESTER_SOURCE_IDENTITY]: ({ use }) => `The source identity ${use.sourceIdentity ?? ''} is the requester's.`,
  [F.BREAK_GLASS]: ({ request }) =>
    `Request ${request?.id ?? ''} is break-glass access: granted at once without approval, to be reviewed by the target's approvers.`,
  [F.ISSUED_KEY]: (ctx) =>
    `The session's access key is one the broker received from STS when it issued request ${requestIdOf(ctx)}'s credentials.`,
  [F.UNREADABLE_RECORD]: () =>
    'A CloudTrail record about a watched role could not be read, so the use cannot be shown harmless.',
};

/**
 * The "why" of an alarm: one sentence per finding, in the findings' order. `request` is used
 * only when it is the classified match (its id is `c.requestId`).
 */
export function findingSentences(use: RoleUse, c: Classification, request?: AccessRequest): string[] {
  const matched = request !== undefined && request.id === c.requestId ? request : undefined;
  const ctx: WordingContext = { use, c, ...(matched === undefined ? {} : { request: matched }) };
  return c.findings.map((code) => (code === F.UNREADABLE_RECORD ? FINDING_WORDING[code](undefined) : FINDING_WORDING[code](ctx)));
}

/**
 * The "why" of an unparseable-event alarm: the unreadable-record sentence, then what the parser
 * said (zod paths and messages, never values).
 */
export function unreadableSentences(error: string): string[] {
  return [FINDING_WORDING[F.UNREADABLE_RECORD](undefined), `What could not be read: ${error}`];
}

/** What a person should do next, per classification, as numbered-list items. */
export function nextSteps(use: RoleUse, c: Classification): string[] {
  const role = roleNameOf(use.roleArn);
  const revoke = `If it was not expected, revoke the role's sessions now: IAM console > Roles > ${role} > "Revoke active sessions" (it denies every session of the role issued before that moment, legitimate ones included).`;
  const investigate = `Review what the session did: CloudTrail event history for the account ${use.roleAccount}, filtered by user name "${use.roleSessionName ?? role}"; this event is ${use.eventId}.`;
  switch (c.classification) {
    case AlertClassification.BROKER_GRANT:
      return ['No action needed: this is the broker issuing an approved grant. It is recorded for the audit trail.'];
    case AlertClassification.OUT_OF_BAND:
      return [
        `Confirm with the caller (${use.caller}${use.sourceIdentity ? `, source identity ${use.sourceIdentity}` : ''}) that this use was expected and why it did not go through the broker.`,
        revoke,
        `Disable or rotate the caller's credentials if they may be compromised, then ${investigate.charAt(0).toLowerCase()}${investigate.slice(1)}`,
        `If ${role} should only be reachable through the broker, tighten its trust policy to the broker's issuer.`,
      ];
    case AlertClassification.CONSOLE_SWITCH_ROLE:
      return [
        `Confirm with ${use.caller} that switching into ${role} was expected (an emergency should still have a ticket).`,
        revoke,
        investigate,
        `If console switching into ${role} should not be possible, remove the caller from its trust policy.`,
      ];
    case AlertClassification.IDENTITY_MISMATCH:
      return [
        `Treat it as misuse of a broker request id until shown otherwise: find who controls ${use.caller}.`,
        revoke,
        `Revoke request ${c.requestId ?? '(unknown)'} in the broker and tell its requester.`,
        investigate,
      ];
    case AlertClassification.OUTSIDE_WINDOW:
      return [
        `Check the history of request ${c.requestId ?? '(unknown)'}: the broker should never obtain the role outside an active window.`,
        revoke,
        investigate,
      ];
    case AlertClassification.UNPARSEABLE_EVENT:
      return unparseableSteps(use.eventId, use.account);
  }
}

/** What to do about a record that could not be read. */
export function unparseableSteps(eventId: string | undefined, account: string | undefined): string[] {
  return [
    `Find the record in CloudTrail (account ${account ?? 'unknown'}, event ${eventId ?? 'unknown'}) and read who obtained which role.`,
    'Treat it as an out-of-band use of a watched role until the record shows otherwise.',
    'Report the record shape so the broker can read it: AWS may have changed the CloudTrail format.',
  ];
}

/** `2024-11-20T14:03:12.000Z` -> `2024-11-20 14:03:12 UTC`; unparseable input is shown as is. */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A request's access window as a person reads it, or `not issued`. */
export function windowOf(request: AccessRequest | undefined): string {
  return request?.startsAt !== undefined && request.expiresAt !== undefined
    ? `${formatUtc(request.startsAt)} to ${formatUtc(request.expiresAt)}`
    : 'not issued';
}

/** `3723000` -> `1h 2m 3s`. */
export function formatGap(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts = [hours > 0 ? `${hours}h` : '', minutes > 0 ? `${minutes}m` : '', seconds > 0 || total === 0 ? `${seconds}s` : ''];
  return parts.filter(Boolean).join(' ');
}

function gapOf({ c }: WordingContext): string {
  return c.facts?.gapMs === undefined ? '' : `${formatGap(c.facts.gapMs)} `;
}

function requestIdOf({ c, request, use }: WordingContext): string {
  return c.requestId ?? request?.id ?? use.roleSessionName ?? '(unknown)';
}

function requesterOf(request: AccessRequest | undefined): string {
  return request?.requester.email ?? 'the requester';
}

/** The broker's issuer as a person knows it: the role behind the session, else the caller. */
function brokerCallerLabel(use: RoleUse): string {
  return use.sessionIssuerArn ?? use.callerArn ?? use.caller;
}

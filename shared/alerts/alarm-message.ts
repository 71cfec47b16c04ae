import { AlertClassification, AlertSeverity, FindingCode, type Classification } from '../domain/alert-classification';
import { roleNameOf } from '../domain/arn';
import { RoleUseKind, type AlarmSource, type RoleUse, type UnreadableEvent } from '../domain/role-use';
import type { AccessRequest } from '../domain/request';
import type { OutgoingMessage } from '../ports';
import { CLASSIFICATION_TITLE as TITLE, findingSentences, formatUtc, nextSteps, unparseableSteps, unreadableSentences, windowOf } from './alarm-wording';

/** SNS refuses subjects of 100 characters or more. */
export const MAX_SUBJECT_LENGTH = 99;

/** Version of the machine-readable alarm object, bumped on any breaking change to its shape. */
export const ALARM_PAYLOAD_VERSION = 1;

/** The CloudTrail event name each kind of role use came from, as people know it. */
const ACTION: Record<RoleUse['kind'], string> = {
  [RoleUseKind.ASSUME_ROLE]: 'AssumeRole',
  [RoleUseKind.ASSUME_ROLE_WITH_SAML]: 'AssumeRoleWithSAML',
  [RoleUseKind.ASSUME_ROLE_WITH_WEB_IDENTITY]: 'AssumeRoleWithWebIdentity',
  [RoleUseKind.CONSOLE_SWITCH_ROLE]: 'SwitchRole',
};

/** Where an alarm was found: the real-time rules, or a trail log file (with how late). */
export interface AlarmOrigin {
  source: AlarmSource;
  /** Trail reconciliation: seconds from the event to this alarm. */
  delaySeconds?: number;
}

const REAL_TIME: AlarmOrigin = { source: 'eventbridge' };

/** The findings of an unparseable-event alarm. */
const UNREADABLE_FINDINGS: FindingCode[] = [FindingCode.UNREADABLE_RECORD];

/**
 * The `findings` attribute: the finding codes, comma-separated, for subscription filter policies
 * (`{"findings": [{"suffix": ...}]}` or prefix/anything-but). SNS refuses an empty attribute
 * value, so no findings means no attribute.
 */
function findingsAttribute(findings: readonly FindingCode[]): Record<string, string> {
  return findings.length === 0 ? {} : { findings: findings.join(',') };
}

/** The `source` attribute, and `delaySeconds` for alarms found late. */
function originAttributes(origin: AlarmOrigin): Record<string, string> {
  return {
    source: origin.source,
    ...(origin.delaySeconds === undefined ? {} : { delaySeconds: String(Math.max(0, Math.round(origin.delaySeconds))) }),
  };
}

function originLines(origin: AlarmOrigin): string[] {
  if (origin.source === 'eventbridge') return [field('Found by', 'EventBridge (real time)')];
  const delay = origin.delaySeconds === undefined ? '' : `, ${Math.round(origin.delaySeconds)} s after the event`;
  return [field('Found by', `reading the trail's log files${delay}: the real-time path never alarmed on it`)];
}

/** The machine-readable alarm delivered to SQS, Lambda and HTTPS subscribers. */
export interface AlarmPayload {
  version: typeof ALARM_PAYLOAD_VERSION;
  severity: Classification['severity'];
  classification: Classification['classification'];
  requestId: string | null;
  /** Why it is classified so, as codes (shared/domain/alert-classification.ts FindingCode): what machines read. */
  findings: FindingCode[];
  /** The same, as the sentences a person reads (one per finding, same order); their wording may change. */
  reasons: string[];
  /** The role use, without the session's access key id: no part of the credentials reaches an alarm. */
  event: AlarmEvent;
  request: AlarmRequestSummary | null;
  /** eventbridge (real time) or trail-reconciliation. */
  source?: AlarmSource;
  /** Trail reconciliation: seconds from the event to the alarm. */
  delaySeconds?: number;
}

/** A RoleUse as an alarm shows it: everything but `issuedAccessKeyId`. */
export type AlarmEvent = Omit<RoleUse, 'issuedAccessKeyId'>;

/** What the alarm tells about a request: never the approval links, tokens or credentials. */
export interface AlarmRequestSummary {
  id: string;
  requester: string;
  target: string;
  account: string;
  roleArn: string;
  status: string;
  startsAt: string | null;
  expiresAt: string | null;
  reason: string;
  ticket: string | null;
}

/**
 * Builds the SNS alarm for one classified role use: a subject under 100 characters that
 * starts with the severity, a plain-text body for email, a JSON object for machines, and
 * the attributes subscription filter policies key on. `request` is the matching request
 * (the one whose id is `c.requestId`), if any.
 */
export function buildAlarmMessage(
  use: RoleUse,
  c: Classification,
  request?: AccessRequest,
  origin: AlarmOrigin = REAL_TIME,
): OutgoingMessage {
  const matched = request !== undefined && request.id === c.requestId ? request : undefined;
  const text = alarmBody(use, c, matched, origin);
  const payload: AlarmPayload = {
    version: ALARM_PAYLOAD_VERSION,
    severity: c.severity,
    classification: c.classification,
    requestId: c.requestId ?? null,
    findings: c.findings,
    reasons: findingSentences(use, c, matched),
    event: alarmEvent(use),
    request: matched === undefined ? null : summarizeRequest(matched),
    source: origin.source,
    ...(origin.delaySeconds === undefined ? {} : { delaySeconds: Math.round(origin.delaySeconds) }),
  };
  const machine = JSON.stringify(payload);
  const attributes: Record<string, string> = {
    severity: c.severity,
    classification: c.classification,
    roleArn: use.roleArn,
    eventId: use.eventId,
    ...findingsAttribute(c.findings),
    ...originAttributes(origin),
  };
  if (c.requestId !== undefined) attributes['requestId'] = c.requestId;
  return {
    topic: 'alarms',
    subject: alarmSubject(use, c),
    structure: 'json',
    message: JSON.stringify({ default: text, email: text, sqs: machine, lambda: machine, https: machine }),
    attributes,
  };
}

/**
 * `[CRITICAL] Out-of-band AssumeRole of TemporaryAdminRole in 111111111111`. SNS
 * subjects must be printable ASCII under 100 characters, so anything else is replaced
 * and a long role name is shortened with "..." while the severity always stays.
 */
export function alarmSubject(use: RoleUse, c: Classification): string {
  const head = `[${c.severity}] ${TITLE[c.classification]} ${ACTION[use.kind]} ${preposition(use)} `;
  const tail = ` in ${use.roleAccount}`;
  const role = asciiOnly(roleNameOf(use.roleArn));
  const room = MAX_SUBJECT_LENGTH - asciiOnly(head).length - asciiOnly(tail).length;
  const shortRole = role.length <= room ? role : `${role.slice(0, Math.max(0, room - 3))}...`;
  const subject = asciiOnly(`${head}${shortRole}${tail}`);
  return subject.length <= MAX_SUBJECT_LENGTH ? subject : `${subject.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

/** The plain-text body: who, what, when, from where, which request, why, and what to do. */
export function alarmBody(use: RoleUse, c: Classification, request?: AccessRequest, origin: AlarmOrigin = REAL_TIME): string {
  const lines: string[] = [
    `${c.severity}: ${TITLE[c.classification].toLowerCase()} ${ACTION[use.kind]} ${preposition(use)} a watched role (${c.classification}).`,
    '',
    'WHAT',
    field('Role', use.roleArn),
    field('Role account', use.roleAccount),
    field('Action', ACTION[use.kind]),
    field('Session name', use.roleSessionName ?? 'none'),
    field('When (UTC)', formatUtc(use.eventTime)),
    ...(use.errorCode === undefined ? [] : [field('Outcome', `failed: ${use.errorCode}${use.errorMessage ? ` (${use.errorMessage})` : ''}`)]),
    '',
    'WHO',
    field('Caller', use.caller),
    field('Caller type', use.callerType),
    ...(use.sessionIssuerArn === undefined ? [] : [field('Session issuer', use.sessionIssuerArn)]),
    field('Source identity', use.sourceIdentity ?? 'none'),
    field('Source IP', use.sourceIp),
    field('User agent', use.userAgent),
    field('Region', use.awsRegion),
    field('CloudTrail event', `${use.eventId} (recorded in account ${use.account})`),
    ...originLines(origin),
    '',
    'MATCHING REQUEST',
    ...requestLines(request),
    '',
    'WHY',
    ...findingSentences(use, c, request).map((r) => `  - ${r}`),
    '',
    'WHAT TO DO NEXT',
    ...nextSteps(use, c).map((step, i) => `  ${i + 1}. ${step}`),
  ];
  return lines.join('\n');
}

/** One switches into a role but assumes (the use) of it. */
function preposition(use: RoleUse): string {
  return use.kind === RoleUseKind.CONSOLE_SWITCH_ROLE ? 'into' : 'of';
}

function field(label: string, value: string): string {
  return `  ${`${label}:`.padEnd(18)}${value}`;
}

function requestLines(request: AccessRequest | undefined): string[] {
  if (request === undefined) return ['  none'];
  return [
    field('Request', request.id),
    field('Requester', request.requester.email),
    field('Target', `${request.target} (${request.roleArn})`),
    field('Status', request.status),
    field('Window', windowOf(request)),
    field('Reason', request.reason),
    ...(request.ticket === undefined ? [] : [field('Ticket', request.ticket)]),
  ];
}

/**
 * The CRITICAL alarm for a record that matched a watched-role rule (or the trail pre-filter) but
 * could not be parsed: what could be read of it, never a silent drop. The role ARN text and the
 * event name are shown as found (printable ASCII only).
 */
export function buildUnparseableAlarm(u: UnreadableEvent, origin: AlarmOrigin = REAL_TIME): OutgoingMessage {
  const roleText = u.roleArnText === undefined ? 'unknown role' : asciiOnly(roleNameOf(u.roleArnText));
  const head = `[CRITICAL] Unparseable ${asciiOnly(u.eventName ?? 'event')} of `;
  const tail = u.account === undefined ? '' : ` in ${asciiOnly(u.account)}`;
  const room = MAX_SUBJECT_LENGTH - head.length - tail.length;
  const role = roleText.length <= room ? roleText : `${roleText.slice(0, Math.max(0, room - 3))}...`;
  const full = `${head}${role}${tail}`;
  const subject = full.length <= MAX_SUBJECT_LENGTH ? full : `${full.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
  const text = [
    `CRITICAL: a CloudTrail record about a watched role could not be read (unparseable-event).`,
    '',
    'WHAT COULD BE READ',
    field('Role ARN (text)', asciiOnly(u.roleArnText ?? 'none')),
    field('Event name', asciiOnly(u.eventName ?? 'none')),
    field('Event source', asciiOnly(u.eventSource ?? 'none')),
    field('Event time', asciiOnly(u.eventTime ?? 'none')),
    field('CloudTrail event', `${asciiOnly(u.eventId ?? 'none')} (recorded in account ${asciiOnly(u.account ?? 'unknown')})`),
    ...originLines(origin),
    '',
    'WHY',
    ...unreadableSentences(asciiOnly(u.error)).map((r) => `  - ${r}`),
    '',
    'WHAT TO DO NEXT',
    ...unparseableSteps(u.eventId, u.account).map((step, i) => `  ${i + 1}. ${step}`),
  ].join('\n');
  const machine = JSON.stringify({
    version: ALARM_PAYLOAD_VERSION,
    severity: AlertSeverity.CRITICAL,
    classification: AlertClassification.UNPARSEABLE_EVENT,
    requestId: null,
    findings: UNREADABLE_FINDINGS,
    reasons: unreadableSentences(u.error),
    unreadable: u,
    request: null,
    source: origin.source,
    ...(origin.delaySeconds === undefined ? {} : { delaySeconds: Math.round(origin.delaySeconds) }),
  });
  const attributes: Record<string, string> = {
    severity: AlertSeverity.CRITICAL,
    classification: AlertClassification.UNPARSEABLE_EVENT,
    ...findingsAttribute(UNREADABLE_FINDINGS),
    ...originAttributes(origin),
  };
  // SNS attribute values must be non-empty; keep them printable and bounded.
  if (u.roleArnText !== undefined) attributes['roleArn'] = asciiOnly(u.roleArnText).slice(0, 256);
  if (u.eventId !== undefined) attributes['eventId'] = asciiOnly(u.eventId).slice(0, 256);
  return {
    topic: 'alarms',
    subject: asciiOnly(subject),
    structure: 'json',
    message: JSON.stringify({ default: text, email: text, sqs: machine, lambda: machine, https: machine }),
    attributes,
  };
}

/**
 * The role use without the session's access key id. The classifier compares that id with the
 * broker's issuances; the alarm keeps to the rule that nothing from
 * `responseElements.credentials` reaches a subscriber (the CloudTrail event id leads to it).
 */
function alarmEvent(use: RoleUse): AlarmEvent {
  const { issuedAccessKeyId: _omitted, ...rest } = use;
  return rest;
}

/** The request as every alarm's machine-readable part names it. */
export function summarizeRequest(request: AccessRequest): AlarmRequestSummary {
  return {
    id: request.id,
    requester: request.requester.email,
    target: request.target,
    account: request.account,
    roleArn: request.roleArn,
    status: request.status,
    startsAt: request.startsAt ?? null,
    expiresAt: request.expiresAt ?? null,
    reason: request.reason,
    ticket: request.ticket ?? null,
  };
}

function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

import { roleNameOf } from '../domain/arn';
import type { AccessRequest } from '../domain/request';
import type { OutgoingMessage } from '../ports';
import { formatUtc } from './alarm-wording';
import { MAX_SUBJECT_LENGTH, summarizeRequest } from './alarm-message';

/**
 * The two CRITICAL alarms of break-glass access, on the alarms topic with the alarm contract's
 * attributes (`severity`, `classification`, `roleArn`, `requestId`, `source`): one the moment
 * the glass is broken, one when nobody reviewed it in time.
 */
export const BreakGlassAlarm = {
  USED: 'break-glass-used',
  UNREVIEWED: 'break-glass-unreviewed',
} as const;
export type BreakGlassAlarm = (typeof BreakGlassAlarm)[keyof typeof BreakGlassAlarm];

const asciiOnly = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

function subject(kind: BreakGlassAlarm, request: AccessRequest): string {
  const head = kind === BreakGlassAlarm.USED ? '[CRITICAL] Break-glass access to' : '[CRITICAL] Unreviewed break-glass access to';
  const text = asciiOnly(`${head} ${request.target} by ${request.requester.email}`);
  return text.length <= MAX_SUBJECT_LENGTH ? text : `${text.slice(0, MAX_SUBJECT_LENGTH - 3)}...`;
}

const field = (label: string, value: string): string => `  ${`${label}:`.padEnd(18)}${value}`;

/** The alarm: who, which target and role, why (reason and ticket), the window, and what to do. */
export function breakGlassAlarm(kind: BreakGlassAlarm, request: AccessRequest, now: Date): OutgoingMessage {
  const lines = [
    kind === BreakGlassAlarm.USED
      ? `CRITICAL: ${request.requester.email} broke the glass on ${request.target}: access is ACTIVE without approval (${kind}).`
      : `CRITICAL: nobody has reviewed the break-glass access of ${request.requester.email} to ${request.target} (${kind}).`,
    '',
    field('Request', request.id),
    field('Who', request.requester.email),
    field('Target', request.target),
    field('Role', request.roleArn),
    field('Account', request.account),
    field('Window (UTC)', `${request.startsAt ? formatUtc(request.startsAt) : '?'} to ${request.expiresAt ? formatUtc(request.expiresAt) : '?'}`),
    field('Services', request.services.join(', ')),
    field('Ticket', request.ticket ?? 'none'),
    field('Review due', request.review ? formatUtc(request.review.dueAt) : 'none'),
    field('Raised at', formatUtc(now.toISOString())),
    '',
    "REQUESTER'S REASON (their words, quoted)",
    `> ${request.reason}`,
    '',
    'WHAT TO DO NEXT',
    kind === BreakGlassAlarm.USED
      ? '  1. Check with the on-call lead that the incident is real; the approvers were sent a review link each.'
      : '  1. Ask an approver of the target to review it through their link (acknowledge or flag), or review the session in CloudTrail yourself.',
    '  2. If the access is not legitimate, revoke the request and rotate what the role could reach.',
  ];
  const text = lines.join('\n');
  const machine = JSON.stringify({
    version: 1,
    severity: 'CRITICAL',
    classification: kind,
    requestId: request.id,
    request: { ...summarizeRequest(request), reviewDueAt: request.review?.dueAt ?? null },
    source: 'broker',
  });
  return {
    topic: 'alarms',
    subject: subject(kind, request),
    structure: 'json',
    message: JSON.stringify({ default: text, email: text, sqs: machine, lambda: machine, https: machine }),
    attributes: {
      severity: 'CRITICAL',
      classification: kind,
      roleArn: request.roleArn,
      requestId: request.id,
      source: 'broker',
    },
  };
}

/** The role's short name, for a notice's subject. */
export const roleName = (request: Pick<AccessRequest, 'roleArn'>): string => roleNameOf(request.roleArn);

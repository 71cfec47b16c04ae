import type { Target } from '../catalogue/types';
import { formatDuration } from '../domain/duration';
import type { AccessRequest, Extension } from '../domain/request';
import { describeStart } from '../domain/schedule';
import type { OutgoingMessage } from '../ports';
import { quoteLines } from './quote';

/**
 * Message attribute an approvals-topic subscription filters on, so each approver's email
 * subscription receives only the links made for them: {"approver": ["carol@example.com"]}.
 */
export const APPROVER_ATTRIBUTE = 'approver';

/**
 * One approver's email: plain text (SNS email), the link is theirs alone and single use.
 * The broker's own words come first: the link, then the facts it checked. What the requester
 * wrote comes last, under a heading that says whose words they are, every line quoted with
 * "> ", so no reason or ticket can pass for a line of the broker's (a link, "Approvals: 0").
 */
export function approvalEmail(args: {
  request: AccessRequest;
  target: Target;
  approver: string;
  link: string;
  expiresAt: string;
  serviceNames: string[];
  /** When the email is written: the schedule is shown relative to it. */
  now?: Date;
  /** 1 or 2 for a reminder: the link replaces the one sent before, which stops working. */
  reminder?: number;
  /** Set when the approvers decide an extension of the (active) request rather than the request. */
  extension?: Extension;
}): OutgoingMessage {
  const { request, target, approver, link, expiresAt, serviceNames, reminder, extension } = args;
  const now = args.now ?? new Date();
  const opening = extension
    ? `${request.requester.email} asks to extend request ${request.id}, from ${extension.from} to ${extension.to}, and you are one of its approvers.`
    : `${request.requester.email} asks for temporary AWS access and you are one of its approvers.`;
  const lines = [
    ...(reminder ? [`Reminder ${reminder}: this is still waiting for your decision. This link replaces the one sent before, which no longer works.`, ''] : []),
    opening,
    '',
    'Review and decide (the page asks you to confirm; opening it changes nothing):',
    link,
    '',
    `This link is for ${approver} only, works once, and expires ${expiresAt}.`,
    'If you did not expect this email, do nothing: the request times out by itself.',
    '',
    'The request, as the broker recorded it:',
    `Request:   ${request.id}`,
    `Requester: ${request.requester.email}`,
    `Target:    ${target.id}${target.description ? ` (${target.description})` : ''}`,
    `Account:   ${request.account}`,
    `Role:      ${request.roleArn}`,
    `Services:  ${serviceNames.join(', ')}`,
    `Duration:  ${formatDuration(request.durationSeconds)}`,
    ...(request.startsAt && !request.expiresAt ? [`Starts:    ${describeStart(request.startsAt, now)}`] : []),
    ...(extension
      ? [
          `Extension: ${formatDuration(extension.durationSeconds)} more, from ${extension.from} to ${extension.to}`,
          "Extension reason (the requester's words):",
          ...quoteLines(extension.reason),
        ]
      : []),
    `Approvals: ${request.approvalsRequired} required`,
    '',
    ...requesterWords(request),
  ];
  return {
    topic: 'approvals',
    subject: extension
      ? `${reminder ? 'Reminder: ' : ''}Approve extension of ${request.id}: ${request.requester.email} +${formatDuration(extension.durationSeconds)}`
      : `${reminder ? 'Reminder: ' : ''}Approve AWS access: ${request.requester.email} to ${target.id} for ${formatDuration(request.durationSeconds)}`,
    message: lines.join('\n'),
    attributes: {
      [APPROVER_ATTRIBUTE]: approver,
      requestId: request.id,
      kind: extension ? 'extension-request' : reminder ? 'approval-reminder' : 'approval-request',
      ...(extension ? { extensionId: extension.id } : {}),
    },
  };
}

/** The requester's own text, last and quoted; the heading says the broker did not write it. */
function requesterWords(request: Pick<AccessRequest, 'reason' | 'ticket'>): string[] {
  return [
    '----- Below: written by the requester, not by the broker -----',
    '',
    "Requester's reason (their words):",
    ...quoteLines(request.reason),
    '',
    "Requester's ticket (their words):",
    ...(request.ticket ? quoteLines(request.ticket) : ['(none given)']),
  ];
}

/**
 * The notice every approver of a break-glass target gets the moment the glass is broken: what
 * happened, and their own single-use review link (acknowledge or flag, with a comment).
 */
export function breakGlassNotice(args: {
  request: AccessRequest;
  target: Target;
  approver: string;
  link: string;
  expiresAt: string;
  serviceNames: string[];
}): OutgoingMessage {
  const { request, target, approver, link, expiresAt, serviceNames } = args;
  const lines = [
    `${request.requester.email} used BREAK-GLASS access to ${target.id}: it is ACTIVE now, without approval.`,
    `You are an approver of ${target.id}: review it (acknowledge or flag, with a comment) by ${request.review?.dueAt ?? 'soon'}.`,
    '',
    'Review (the page asks you to confirm; opening it changes nothing):',
    link,
    '',
    `This link is for ${approver} only, works once, and expires ${expiresAt}.`,
    '',
    'The access, as the broker recorded it:',
    `Request:   ${request.id}`,
    `Requester: ${request.requester.email}`,
    `Target:    ${target.id}${target.description ? ` (${target.description})` : ''}`,
    `Account:   ${request.account}`,
    `Role:      ${request.roleArn}`,
    `Services:  ${serviceNames.join(', ')}`,
    `Window:    ${request.startsAt ?? '?'} to ${request.expiresAt ?? '?'}`,
    '',
    ...requesterWords(request),
  ];
  return {
    topic: 'approvals',
    subject: `Break-glass used: ${request.requester.email} on ${target.id}, review needed`,
    message: lines.join('\n'),
    attributes: { [APPROVER_ATTRIBUTE]: approver, requestId: request.id, kind: 'break-glass-review' },
  };
}

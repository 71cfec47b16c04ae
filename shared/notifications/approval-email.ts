import type { Target } from '../catalogue/types';
import { formatDuration } from '../domain/duration';
import type { AccessRequest } from '../domain/request';
import type { OutgoingMessage } from '../ports';
import { permissionLines, type ServicePermissions } from './permissions';
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
  /** The exact permissions, per service (grantedPermissions). */
  permissions: ServicePermissions[];
}): OutgoingMessage {
  const { request, target, approver, link, expiresAt, serviceNames, permissions } = args;
  const lines = [
    `${request.requester.email} asks for temporary AWS access and you are one of its approvers.`,
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
    `Approvals: ${request.approvalsRequired} required`,
    '',
    'Exactly what approving grants (the session policy, per service):',
    ...permissionLines(permissions),
    '',
    ...requesterWords(request),
  ];
  return {
    topic: 'approvals',
    subject: `Approve AWS access: ${request.requester.email} to ${target.id} for ${formatDuration(request.durationSeconds)}`,
    message: lines.join('\n'),
    attributes: { [APPROVER_ATTRIBUTE]: approver, requestId: request.id, kind: 'approval-request' },
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

import type { Target } from '../catalogue/types';
import { formatDuration } from '../domain/duration';
import type { AccessRequest } from '../domain/request';
import type { OutgoingMessage } from '../ports';

/**
 * Message attribute an approvals-topic subscription filters on, so each approver's email
 * subscription receives only the links made for them: {"approver": ["carol@example.com"]}.
 */
export const APPROVER_ATTRIBUTE = 'approver';

/** One approver's email: plain text (SNS email), the link is theirs alone and single use. */
export function approvalEmail(args: {
  request: AccessRequest;
  target: Target;
  approver: string;
  link: string;
  expiresAt: string;
  serviceNames: string[];
}): OutgoingMessage {
  const { request, target, approver, link, expiresAt, serviceNames } = args;
  const lines = [
    `${request.requester.email} asks for temporary AWS access and you are one of its approvers.`,
    '',
    `Request:   ${request.id}`,
    `Requester: ${request.requester.email}`,
    `Target:    ${target.id}${target.description ? ` (${target.description})` : ''}`,
    `Account:   ${request.account}`,
    `Role:      ${request.roleArn}`,
    `Services:  ${serviceNames.join(', ')}`,
    `Duration:  ${formatDuration(request.durationSeconds)}`,
    `Reason:    ${request.reason}`,
    `Ticket:    ${request.ticket ?? 'none'}`,
    `Approvals: ${request.approvalsRequired} required`,
    '',
    'Review and decide (the page asks you to confirm; opening it changes nothing):',
    link,
    '',
    `This link is for ${approver} only, works once, and expires ${expiresAt}.`,
    'If you did not expect this email, do nothing: the request times out by itself.',
  ];
  return {
    topic: 'approvals',
    subject: `Approve AWS access: ${request.requester.email} to ${target.id} for ${formatDuration(request.durationSeconds)}`,
    message: lines.join('\n'),
    attributes: { [APPROVER_ATTRIBUTE]: approver, requestId: request.id, kind: 'approval-request' },
  };
}

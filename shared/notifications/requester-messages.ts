import { formatDuration } from '../domain/duration';
import type { AccessRequest } from '../domain/request';
import type { OutgoingMessage } from '../ports';

/** Attribute a notifications-topic subscription filters on to reach the requester's inbox. */
export const REQUESTER_ATTRIBUTE = 'requester';

/** What happened to the request, as the requester is told. */
export type RequesterEvent = 'granted' | 'denied' | 'timed-out' | 'failed' | 'expired' | 'revoked';

const HEADLINE: Record<RequesterEvent, string> = {
  granted: 'is approved: your access is active',
  denied: 'was denied',
  'timed-out': 'timed out without a decision',
  failed: 'failed',
  expired: 'has expired: your access has ended',
  revoked: 'was revoked: your access has ended',
};

export function requesterMessage(request: AccessRequest, event: RequesterEvent, publicBaseUrl: string, detail?: string): OutgoingMessage {
  const lines = [
    `Your request ${request.id} for ${request.target} (${request.account}) ${HEADLINE[event]}.`,
    '',
    `Services: ${request.services.join(', ')}`,
    `Duration: ${formatDuration(request.durationSeconds)}`,
    `Reason:   ${request.reason}`,
  ];
  if (event === 'granted') {
    lines.push(
      `Window:   ${request.startsAt} to ${request.expiresAt}`,
      '',
      'Get credentials and a console sign-in link (you must be signed in):',
      `  GET ${publicBaseUrl}/requests/${request.id}/credentials?format=env`,
    );
  }
  const decisions = request.approvals.map((a) => `  ${a.decision === 'approve' ? 'approved' : 'denied'} by ${a.by} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`);
  if (decisions.length) lines.push('', 'Decisions:', ...decisions);
  if (detail) lines.push('', detail);
  return {
    topic: 'notifications',
    subject: `Access request ${request.target} ${HEADLINE[event].split(':')[0]} (${formatDuration(request.durationSeconds)})`,
    message: lines.join('\n'),
    attributes: { [REQUESTER_ATTRIBUTE]: request.requester.email, requestId: request.id, event },
  };
}

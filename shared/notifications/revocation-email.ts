import type { AccessRequest } from '../domain/request';
import type { OutgoingMessage } from '../ports';
import { quoteLines } from './quote';

/** Attribute the approvals-topic subscriptions filter on (one mailbox each). */
const APPROVER_ATTRIBUTE = 'approver';

/**
 * "Request X was revoked" for one approver, on the approvals topic (each approver's
 * subscription filters on their own address, as for approval links). The reason is the
 * revoker's words: quoted, under a heading that says whose they are.
 */
export function revokedApproverMessage(request: Pick<AccessRequest, 'id' | 'target' | 'account' | 'requester' | 'services'>, approver: string, by: string, reason: string | undefined): OutgoingMessage {
  const lines = [
    `Access request ${request.id} by ${request.requester.email} for ${request.target} (${request.account}) was revoked by ${by}.`,
    'Its live sessions are denied on the target role (IAM applies this within seconds to a few minutes).',
    '',
    `Services: ${request.services.join(', ')}`,
  ];
  if (reason) lines.push('', `Reason given by ${by}:`, ...quoteLines(reason));
  return {
    topic: 'approvals',
    subject: `Access request ${request.target} revoked (${request.requester.email})`.slice(0, 99),
    message: lines.join('\n'),
    attributes: { [APPROVER_ATTRIBUTE]: approver, requestId: request.id, event: 'revoked' },
  };
}

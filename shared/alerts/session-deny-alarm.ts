import { isDomainError } from '../domain/errors';
import type { AccessRequest } from '../domain/request';
import type { OutgoingMessage } from '../ports';

/** The `classification` attribute of the alarm raised when a grant's sessions could not be cut. */
export const SESSION_DENY_FAILED = 'session-deny-failed';

/** Why the sessions were being cut. */
export type SessionEnding = 'revoked' | 'expired' | 'failed';

const WHY: Record<SessionEnding, string> = {
  revoked: 'was revoked',
  expired: "reached its window's end",
  failed: 'failed while active',
};

/**
 * The CRITICAL alarm for a grant that ended (its status is final) but whose live sessions
 * could not be denied on the target role: credentials already handed out, and console sessions
 * made from them, keep working until they expire. Carries no credential, only identifiers.
 */
export function sessionDenyFailedAlarm(request: Pick<AccessRequest, 'id' | 'roleArn' | 'target' | 'account' | 'requester'>, ending: SessionEnding, error: unknown, until: Date): OutgoingMessage {
  const code = isDomainError(error) ? error.code : error instanceof Error ? error.name : 'Error';
  const reason = error instanceof Error ? error.message : String(error);
  const lines = [
    `Request ${request.id} ${WHY[ending]}, but its sessions could NOT be cut on ${request.roleArn}.`,
    '',
    `Requester: ${request.requester.email}`,
    `Target:    ${request.target} (${request.account})`,
    `Session:   role session name ${request.id} (aws:userid "*:${request.id}")`,
    `Live until at most: ${until.toISOString()} (the last credential's end; console sessions included)`,
    `Error:     ${code}: ${reason}`,
    '',
    'What to do: until that time, anyone holding these credentials can still use the role.',
    `1. Fix the cause above (IAM access of the broker's session-deny role, the role's inline-policy budget).`,
    `2. Deny the session by hand: put an inline policy on the role with a Deny of "*" on "*" conditioned on`,
    `   StringLike aws:userid "*:${request.id}", or revoke all the role's active sessions in the IAM console.`,
    '3. Review CloudTrail for the session until it is denied.',
  ];
  return {
    topic: 'alarms',
    subject: `[CRITICAL] Sessions not cut: ${request.target} request ${request.id}`.slice(0, 99),
    message: lines.join('\n'),
    attributes: {
      severity: 'CRITICAL',
      classification: SESSION_DENY_FAILED,
      roleArn: request.roleArn,
      requestId: request.id,
      source: 'broker',
    },
  };
}

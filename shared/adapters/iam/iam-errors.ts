import type { UpstreamError } from '../../domain/errors';
import { awsErrorCode, BrokerErrorName, isThrottlingError, isTransientError, upstreamError } from '../aws-errors';

/** Which IAM call failed, on which role: every message names both. */
export interface IamCallContext {
  operation: 'ListRolePolicies' | 'GetRolePolicy' | 'PutRolePolicy' | 'DeleteRolePolicy';
  roleArn: string;
  policyName?: string;
  /** Characters of the document being put, for PutRolePolicy. */
  documentChars?: number;
}

/** The role named in the catalogue does not exist in its account. */
export function roleNotFound(roleArn: string): UpstreamError {
  return upstreamError(
    'SESSION_DENY_ROLE_NOT_FOUND',
    `IAM has no role ${roleArn}: check the catalogue target's roleArn and that the target-account stack is deployed`,
    BrokerErrorName.UPSTREAM,
  );
}

/** IAM refused the policy for its size (LimitExceeded): the role's inline policies are over 10,240 characters. */
export function inlinePoliciesFull(roleArn: string, policyName: string, chars?: number): UpstreamError {
  const size = chars === undefined ? '' : ` (${chars} characters)`;
  return upstreamError(
    'SESSION_DENY_LIMIT_EXCEEDED',
    `IAM refused ${policyName}${size} on ${roleArn} as over the role's inline policy size limit (10,240 characters for all of them)`,
    BrokerErrorName.UPSTREAM,
  );
}

/** IAM refused the policy text as malformed: a bug in the broker or a hand edit it carried over. */
export function policyMalformed(roleArn: string, policyName: string): UpstreamError {
  return upstreamError(
    'SESSION_DENY_MALFORMED',
    `IAM rejected ${policyName} on ${roleArn} as a malformed policy document; its foreign statements (kept from the existing policy) are the likely cause`,
    BrokerErrorName.UPSTREAM,
  );
}

/**
 * Turns an IAM failure into an UpstreamError that says what to fix; AWS's own text (which
 * names internal principals) is not carried. Throttling and 5xx stay retryable.
 */
export function mapIamError(error: unknown, context: IamCallContext): UpstreamError {
  const bare = awsErrorCode(error).replace(/Exception$/, '');
  const { operation, roleArn } = context;
  const policyName = context.policyName ?? '';
  if (bare === 'NoSuchEntity') return roleNotFound(roleArn);
  if (bare === 'LimitExceeded') return inlinePoliciesFull(roleArn, policyName, context.documentChars);
  if (bare === 'MalformedPolicyDocument') return policyMalformed(roleArn, policyName);
  if (bare === 'UnmodifiableEntity') {
    return upstreamError(
      'SESSION_DENY_UNMODIFIABLE_ROLE',
      `IAM does not let anyone change the inline policies of ${roleArn} (a service-linked role?); the broker cannot end sessions on it`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (bare === 'AccessDenied') {
    return upstreamError(
      'SESSION_DENY_ACCESS_DENIED',
      `IAM refused ${operation} on ${roleArn}: the session-deny role in the target account must allow iam:ListRolePolicies, ` +
        'iam:GetRolePolicy, iam:PutRolePolicy and iam:DeleteRolePolicy on the role (deploy infra/target-account-role.yaml with the ' +
        'broker as principal), and the broker must be allowed to assume it',
      BrokerErrorName.UPSTREAM,
    );
  }
  if (isThrottlingError(error)) {
    return upstreamError('SESSION_DENY_THROTTLED', `IAM throttled ${operation} on ${roleArn}; retry with backoff`, BrokerErrorName.THROTTLED);
  }
  if (isTransientError(error) || bare === 'ServiceFailure' || bare === 'ConcurrentModification') {
    return upstreamError('SESSION_DENY_UNAVAILABLE', `IAM failed ${operation} on ${roleArn} for a transient reason; retry`, BrokerErrorName.TRANSIENT);
  }
  return upstreamError('SESSION_DENY_IAM_ERROR', `IAM ${operation} on ${roleArn} failed; see the broker's logs for the AWS error`, BrokerErrorName.UPSTREAM);
}

/**
 * Lifecycle of an access request (docs/architecture.md, "Lifecycle"). Each value is stored as-is in
 * DynamoDB and is the condition of every transition out of it.
 */
export const RequestStatus = {
  /** Submitted; the workflow is notifying approvers or waiting for their decision. */
  PENDING: 'PENDING',
  /** Quorum reached; the workflow is about to issue credentials. */
  APPROVED: 'APPROVED',
  /** Credentials issued; the window [startsAt, expiresAt) is open. */
  ACTIVE: 'ACTIVE',
  /** The window closed normally. */
  EXPIRED: 'EXPIRED',
  /** An approver said no. */
  DENIED: 'DENIED',
  /** The requester withdrew it before it became active. */
  CANCELLED: 'CANCELLED',
  /** No decision before the approval timeout. */
  TIMED_OUT: 'TIMED_OUT',
  /** The workflow could not carry it through (start failure, issuing error...). */
  FAILED: 'FAILED',
  /** Active access withdrawn early by an operator. */
  REVOKED: 'REVOKED',
} as const;

export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];

export const ALL_STATUSES = Object.values(RequestStatus) as RequestStatus[];

/** Allowed moves; anything not listed is refused. Terminal statuses have no way out. */
export const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  PENDING: ['APPROVED', 'DENIED', 'CANCELLED', 'TIMED_OUT', 'FAILED'],
  // APPROVED -> TIMED_OUT: the quorum was reached just as the workflow's wait timed out.
  APPROVED: ['ACTIVE', 'CANCELLED', 'FAILED', 'TIMED_OUT'],
  ACTIVE: ['EXPIRED', 'REVOKED', 'FAILED'],
  EXPIRED: [],
  DENIED: [],
  CANCELLED: [],
  TIMED_OUT: [],
  FAILED: [],
  REVOKED: [],
};

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

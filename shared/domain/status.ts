import { ConflictError } from './errors';
import type { ExtensionStatus, ReviewStatus } from './request';

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
  /** Access withdrawn before its window ended (requester, approver, operator, or lost entitlement). */
  REVOKED: 'REVOKED',
} as const;

export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus];

export const ALL_STATUSES = Object.values(RequestStatus) as RequestStatus[];

/** Allowed moves; anything not listed is refused. Terminal statuses have no way out. */
export const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  PENDING: ['APPROVED', 'DENIED', 'CANCELLED', 'TIMED_OUT', 'FAILED'],
  // APPROVED -> TIMED_OUT: the quorum was reached just as the workflow's wait timed out.
  // APPROVED -> REVOKED: revoked before credentials were issued (issuing then issues nothing).
  APPROVED: ['ACTIVE', 'CANCELLED', 'FAILED', 'TIMED_OUT', 'REVOKED'],
  ACTIVE: ['EXPIRED', 'REVOKED', 'FAILED'],
  EXPIRED: [],
  DENIED: [],
  CANCELLED: [],
  TIMED_OUT: [],
  FAILED: [],
  REVOKED: [],
};

/**
 * Statuses a request may be created in: PENDING (waits for approval), or ACTIVE for break-glass
 * access, which is granted at once and reviewed afterwards. Checked on every create.
 */
export const INITIAL_STATUSES: readonly RequestStatus[] = [RequestStatus.PENDING, RequestStatus.ACTIVE];

/** A new request in a status it may not start in: a bug in the writer. */
export function assertInitialStatus(status: RequestStatus, requestId?: string): void {
  if (!INITIAL_STATUSES.includes(status)) {
    throw new ConflictError(`${requestId ? `Request ${requestId}: ` : ''}a request cannot be created ${status} (allowed: ${INITIAL_STATUSES.join(', ')})`, 'TRANSITION_NOT_ALLOWED');
  }
}

// --- grant lifecycle sub-states (break-glass review, extensions) ---

/** A break-glass grant's review: pending until an approver acknowledges or flags it; a flag can follow an acknowledgement. */
export const REVIEW_TRANSITIONS: Readonly<Record<ReviewStatus, readonly ReviewStatus[]>> = {
  pending: ['acknowledged', 'flagged'],
  acknowledged: ['flagged'],
  flagged: [],
};

/** Refuses a review move the table does not list; staying put is not a move. */
export function assertReviewTransition(from: ReviewStatus, to: ReviewStatus, requestId?: string): void {
  if (from === to || REVIEW_TRANSITIONS[from].includes(to)) return;
  throw new ConflictError(`${requestId ? `Request ${requestId}: ` : ''}a ${from} review cannot become ${to}`, 'TRANSITION_NOT_ALLOWED');
}

/**
 * An extension of an ACTIVE grant: PENDING while approvers decide; APPLIED once approved (the
 * window's end moved), DENIED, or TIMED_OUT when the grant ended first.
 */
export const EXTENSION_TRANSITIONS: Readonly<Record<ExtensionStatus, readonly ExtensionStatus[]>> = {
  PENDING: ['APPLIED', 'DENIED', 'TIMED_OUT'],
  APPLIED: [],
  DENIED: [],
  TIMED_OUT: [],
};

export function assertExtensionTransition(from: ExtensionStatus, to: ExtensionStatus, requestId?: string): void {
  if (from === to || EXTENSION_TRANSITIONS[from].includes(to)) return;
  throw new ConflictError(`${requestId ? `Request ${requestId}: ` : ''}a ${from} extension cannot become ${to}`, 'TRANSITION_NOT_ALLOWED');
}

// --- end grant lifecycle sub-states ---

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** A status write the transition table does not allow: a bug in the writer, never retried. */
export class TransitionNotAllowedError extends ConflictError {
  constructor(
    readonly from: RequestStatus,
    readonly to: RequestStatus,
    requestId?: string,
  ) {
    super(
      `${requestId ? `Request ${requestId}: ` : ''}a ${from} request cannot become ${to} (allowed from ${from}: ${TRANSITIONS[from].join(', ') || 'none, it is final'})`,
      'TRANSITION_NOT_ALLOWED',
    );
  }
}

/**
 * Checks one status write against the table. Writing no status, or the status the request already
 * has, is not a transition and always passes; anything else must be listed in TRANSITIONS.
 */
export function assertTransition(from: RequestStatus, to: RequestStatus | undefined, requestId?: string): void {
  if (to === undefined || to === from) return;
  if (!canTransition(from, to)) throw new TransitionNotAllowedError(from, to, requestId);
}

/** Final statuses have no way out. */
export const isFinal = (status: RequestStatus): boolean => TRANSITIONS[status].length === 0;

/**
 * Whether the workflow's closing step writes `outcome` over `current`: only when it is a real move the
 * table allows (a denial already written, or a late timeout after a decision, is left as it is).
 */
export const settles = (current: RequestStatus, outcome: RequestStatus): boolean => canTransition(current, outcome);

/** Statuses after which sealed credentials must not be kept: the window closed, was revoked, or issuing broke. */
export const dropsCredentials = (status: RequestStatus): boolean =>
  status === RequestStatus.EXPIRED || status === RequestStatus.FAILED || status === RequestStatus.REVOKED;

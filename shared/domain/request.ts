import type { RequestStatus } from './status';

/** Audit event types appended to a request's history. Append-only; never rewritten. */
export const HistoryType = {
  /** The requester submitted the request. */
  SUBMITTED: 'submitted',
  /** The approval workflow execution started. */
  WORKFLOW_STARTED: 'workflow-started',
  /** Approval links were sent to the approvers. */
  NOTIFIED: 'notified',
  /** An approver approved (quorum may not be reached yet). */
  APPROVED_BY: 'approved-by',
  /** An approver denied. */
  DENIED_BY: 'denied-by',
  /** Quorum reached: the request is approved. */
  APPROVED: 'approved',
  /** Auto-approval rule matched: no human decision needed. */
  AUTO_APPROVED: 'auto-approved',
  /** Credentials were issued (or refreshed) for the window. */
  ISSUED: 'issued',
  /** The requester fetched credentials or a console URL. */
  CREDENTIALS_RETRIEVED: 'credentials-retrieved',
  /** The requester cancelled. */
  CANCELLED: 'cancelled',
  /** No decision before the approval timeout. */
  TIMED_OUT: 'timed-out',
  /** The workflow failed; detail says why. */
  FAILED: 'failed',
  /** The window closed. */
  EXPIRED: 'expired',
  /** An operator revoked active access. */
  REVOKED: 'revoked',
  /** The requester was told of an outcome; detail names it (granted, denied, ...). Makes notices once-only. */
  REQUESTER_NOTIFIED: 'requester-notified',
  /** A CloudTrail event was matched to this request by the alert function. */
  ALERT_MATCHED: 'alert-matched',
  // --- grant lifecycle ---
  /** Break-glass: active without approval; detail carries the review deadline. */
  BREAK_GLASS: 'break-glass',
  /** An approver reviewed a break-glass grant (detail: acknowledge or flag, and the comment). */
  REVIEWED: 'reviewed',
  /** Nobody reviewed a break-glass grant in time; the unreviewed alarm was raised. */
  REVIEW_OVERDUE: 'review-overdue',
  /** Approvers who had not decided were reminded (their earlier links replaced). */
  REMINDED: 'reminded',
  /** The requester asked to extend an active grant. */
  EXTENSION_REQUESTED: 'extension-requested',
  /** An extension was decided (approved, denied) or ended undecided (timed out). */
  EXTENSION_DECIDED: 'extension-decided',
  /** An approved extension moved the window's end. */
  EXTENSION_APPLIED: 'extension-applied',
} as const;
export type HistoryType = (typeof HistoryType)[keyof typeof HistoryType];

export interface HistoryEntry {
  at: string;
  type: HistoryType;
  by?: string;
  detail?: string;
  /**
   * Set on `issued` entries: the AccessKeyId STS returned for the session the broker received.
   * The alarm classifier binds a CloudTrail AssumeRole to the broker's issuance through it
   * (`responseElements.credentials.accessKeyId`). An access key id is an identifier, not a
   * secret; the secret access key and session token are never stored in history.
   */
  accessKeyId?: string;
}

export type Decision = 'approve' | 'deny';

export interface Approval {
  by: string;
  decision: Decision;
  at: string;
  comment?: string;
}

export interface Requester {
  sub: string;
  email: string;
}

/**
 * One access request. `version` increments on every write and is part of every
 * write's condition, so concurrent writers can never both succeed.
 */
export interface AccessRequest {
  id: string;
  status: RequestStatus;
  version: number;
  requester: Requester;
  target: string;
  account: string;
  roleArn: string;
  services: string[];
  /**
   * The session policy compiled at submission for `services` in `account` (compact JSON, the text
   * STS receives): what approvers are shown and what is issued. Absent on requests stored before
   * it existed; those are compiled from the catalogue at issuance.
   */
  sessionPolicy?: string;
  durationSeconds: number;
  reason: string;
  ticket?: string;
  createdAt: string;
  updatedAt: string;
  /** Snapshot of the target's quorum and approvers at submission: a later catalogue edit cannot change who decides. */
  approvalsRequired: number;
  approverEmails: string[];
  approverGroups: string[];
  approvals: Approval[];
  startsAt?: string;
  expiresAt?: string;
  executionArn?: string;
  history: HistoryEntry[];
  // --- grant lifecycle ---
  /** Granted without approval (break-glass); `review` tracks the review afterwards. */
  breakGlass?: boolean;
  review?: BreakGlassReview;
  /** Which round of approval links is valid: a reminder replaces the links and bumps it (absent = 0). */
  linkRound?: number;
  /** Extensions asked for on this grant, oldest first. */
  extensions?: Extension[];
}

/** How a break-glass grant's review stands; see shared/domain/status.ts REVIEW_TRANSITIONS. */
export type ReviewStatus = 'pending' | 'acknowledged' | 'flagged';
export type ReviewOutcome = 'acknowledge' | 'flag';

export interface BreakGlassReview {
  status: ReviewStatus;
  /** Nobody reviewed by then: the break-glass-unreviewed alarm. */
  dueAt: string;
  reviews: { by: string; outcome: ReviewOutcome; at: string; comment?: string }[];
  /** When the unreviewed alarm was raised (once). */
  escalatedAt?: string;
}

/** How an extension stands; see shared/domain/status.ts EXTENSION_TRANSITIONS. */
export type ExtensionStatus = 'PENDING' | 'APPLIED' | 'DENIED' | 'TIMED_OUT';

/** One request to move an active grant's end, decided like the request itself. */
export interface Extension {
  id: string;
  status: ExtensionStatus;
  durationSeconds: number;
  reason: string;
  requestedAt: string;
  /** The window's end when asked, and the end it asks for. */
  from: string;
  to: string;
  approvals: Approval[];
  decidedAt?: string;
}

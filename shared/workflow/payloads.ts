import type * as z from 'zod/mini';
import type {
  issueCredentialsSchema,
  notifyApproversSchema,
  notifyRequesterSchema,
  settleRequestSchema,
} from './task-schemas';

/**
 * What each Lambda task of the approval workflow receives (the `Payload` of its
 * `lambda:invoke` Parameters) and returns. The ASL builds these payloads; functions/ and the
 * local runner's handlers rely on exactly these shapes. Task inputs are inferred from the
 * schemas in task-schemas.ts, where their fields are documented.
 */

/** Execution input given to StartExecution. */
export interface WorkflowInput {
  requestId: string;
  /** Integer >= 1: the callback wait's TimeoutSecondsPath. */
  approvalTimeoutSeconds: number;
}

/** Input of NotifyApprovers, invoked with `.waitForTaskToken`. Its return value is ignored. */
export type NotifyApproversPayload = z.infer<typeof notifyApproversSchema>;

export type IssueCredentialsPayload = z.infer<typeof issueCredentialsSchema>;

/** IssueCredentials' result; the workflow keeps only these two fields (in $.grant). */
export interface IssueCredentialsResult {
  /** RFC 3339 timestamp, e.g. `2025-01-01T10:00:00.000Z`. */
  startsAt: string;
  /** RFC 3339 timestamp; the Wait state sleeps until it. */
  expiresAt: string;
}

export type NotifyRequesterPayload = z.infer<typeof notifyRequesterSchema>;

/** Final outcome the workflow writes through SettleRequest: EXPIRED, DENIED, TIMED_OUT, or FAILED with the error and cause. */
export type SettleRequestPayload = z.infer<typeof settleRequestSchema>;

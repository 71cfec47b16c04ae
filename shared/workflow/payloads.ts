import type * as z from 'zod/mini';
import type {
  holdAccessSchema,
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
  /** Scheduled start (RFC 3339, UTC): after approval the workflow waits until then before issuing. */
  startsAt?: string;
  /**
   * Targets with reminders: the approval timeout in three parts (to 25 %, to 60 %, to the end;
   * they add up to approvalTimeoutSeconds). A reminder goes out after the first and the second.
   */
  approvalWaits?: { first: number; second: number; third: number };
  /** Break-glass access: when its review is due (RFC 3339); the workflow checks it then. */
  reviewDueAt?: string;
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

/** The execution input, keys in a fixed order and absent fields left out. */
export function workflowInputOf(given: WorkflowInput): WorkflowInput {
  return {
    requestId: given.requestId,
    approvalTimeoutSeconds: given.approvalTimeoutSeconds,
    ...(given.approvalWaits ? { approvalWaits: { first: given.approvalWaits.first, second: given.approvalWaits.second, third: given.approvalWaits.third } } : {}),
    ...(given.startsAt ? { startsAt: given.startsAt } : {}),
    ...(given.reviewDueAt ? { reviewDueAt: given.reviewDueAt } : {}),
  };
}

/** Input of HoldAccess: `measure` the window, or `hold` (store the end-of-access wait's token). */
export type HoldAccessPayload = z.infer<typeof holdAccessSchema>;

/** HoldAccess `measure` result; the workflow keeps `secondsLeft` in $.Payload.secondsLeft. */
export interface HoldAccessMeasure {
  /** Whole seconds until the request's expiresAt (0 when it has passed): the hold's timeout. */
  secondsLeft: number;
  /** The request's expiresAt the figure was measured against. */
  expiresAt: string;
}

/**
 * How the end-of-access wait ("Hold access until the window ends") is resumed early: the
 * SendTaskSuccess output sent on the task token stored on the ACTIVE request.
 * - `revoked`: the sender already wrote REVOKED (conditional write) and cut the sessions; the
 *   workflow ends in "Access revoked".
 * - `extended`: the sender moved the request's expiresAt; the workflow measures the window
 *   again and holds until the new end.
 * A token whose wait is over answers TaskTimedOut/TaskDoesNotExist/InvalidToken: the wait
 * already ended (expired, revoked, or a newer hold holds a newer token), which is not an error.
 */
export const AccessWaitOutcome = {
  REVOKED: 'revoked',
  EXTENDED: 'extended',
} as const;
export type AccessWaitOutcome = (typeof AccessWaitOutcome)[keyof typeof AccessWaitOutcome];

/** The SendTaskSuccess output for the end-of-access wait, exactly `{"outcome": ...}`. */
export interface AccessWaitOutput {
  outcome: AccessWaitOutcome;
}

/** Builds the output to send (`JSON.stringify(accessWaitOutput('extended'))` = `{"outcome":"extended"}`). */
export const accessWaitOutput = (outcome: AccessWaitOutcome): AccessWaitOutput => ({ outcome });

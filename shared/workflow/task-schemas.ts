import * as z from 'zod/mini';
import '../zod-english';
import { REQUEST_ID_PATTERN } from '../domain/ids';

/**
 * What the Lambda tasks of the approval workflow receive: the `Payload` of each task's
 * `lambda:invoke` Parameters, as the ASL builds it. Each handler parses its input with
 * these; payloads.ts names the inferred types.
 */

const requestId = z.string().check(z.regex(REQUEST_ID_PATTERN));

/** Input of NotifyApprovers, invoked with `.waitForTaskToken`. Its return value is ignored. */
export const notifyApproversSchema = z.object({
  requestId,
  /** Integer >= 1: how long approvers have, as given to StartExecution. */
  approvalTimeoutSeconds: z.number().check(z.int(), z.gte(1)),
  /** Up to 2 KB; store it server side and never put it in an email or a log line. */
  taskToken: z.string().check(z.minLength(1), z.maxLength(2048)),
  /** This wait's length (the whole approval timeout, or up to the next reminder); the wait's TimeoutSecondsPath. */
  waitSeconds: z.optional(z.number().check(z.int(), z.gte(1))),
  /** 0: the first notice; 1 or 2: a reminder (the undecided approvers' links are replaced). */
  reminder: z.optional(z.number().check(z.int(), z.gte(0), z.lte(2))),
});

/** Input of IssueCredentials. */
export const issueCredentialsSchema = z.object({ requestId });

/** Input of NotifyRequester. */
export const notifyRequesterSchema = z.object({ requestId, event: z.enum(['granted', 'review-due']) });

/** Input of SettleRequest: the final outcome the workflow writes (EXPIRED, DENIED, TIMED_OUT or FAILED). */
export const settleRequestSchema = z.discriminatedUnion('outcome', [
  z.object({ requestId, outcome: z.enum(['EXPIRED', 'DENIED', 'TIMED_OUT']) }),
  z.object({
    requestId,
    outcome: z.literal('FAILED'),
    /** Step Functions error name, e.g. `Error`, `States.Timeout`, `Lambda.Unknown`. */
    error: z.string(),
    /**
     * Step Functions cause. For an error thrown by a Lambda it is a JSON string
     * `{"errorType","errorMessage","trace"}`; for States.* errors, plain text.
     */
    cause: z.string(),
  }),
]);

/**
 * Input of HoldAccess. `measure` (plain invoke) returns HoldAccessMeasure; `hold` (invoked
 * with `.waitForTaskToken`) stores the token on the ACTIVE request and returns nothing useful:
 * the task ends with the token's answer or its timeout.
 */
export const holdAccessSchema = z.discriminatedUnion('step', [
  z.object({ requestId, step: z.literal('measure') }),
  z.object({
    requestId,
    step: z.literal('hold'),
    /** The hold's timeout, as measured just before. */
    secondsLeft: z.number().check(z.int(), z.gte(1)),
    /** The request's expiresAt that measure read; the hold refuses (Broker.WindowMoved) if it has moved since. */
    expiresAt: z.string().check(z.minLength(1)),
    /** Up to 2 KB; stored server side, never logged. */
    taskToken: z.string().check(z.minLength(1), z.maxLength(2048)),
  }),
]);

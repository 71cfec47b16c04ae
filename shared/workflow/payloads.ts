import type { WorkflowDecision } from '../ports';

/**
 * What each Lambda task of the approval workflow receives (the `Payload` of its
 * `lambda:invoke` Parameters) and returns. The ASL builds these payloads; functions/ and the
 * local runner's handlers rely on exactly these shapes.
 */

/** Execution input given to StartExecution. */
export interface WorkflowInput {
  requestId: string;
  /** Integer >= 1: the callback wait's TimeoutSecondsPath. */
  approvalTimeoutSeconds: number;
}

/** Input of NotifyApprovers, invoked with `.waitForTaskToken`. Its return value is ignored. */
export interface NotifyApproversPayload {
  requestId: string;
  approvalTimeoutSeconds: number;
  /** Up to 2 KB; store it server side and never put it in an email or a log line. */
  taskToken: string;
}

/** The callback wait's result, from SendTaskSuccess; lands in $.decision. */
export type DecisionOutput = WorkflowDecision;

export interface IssueCredentialsPayload {
  requestId: string;
}

/** IssueCredentials' result; the workflow keeps only these two fields (in $.grant). */
export interface IssueCredentialsResult {
  /** RFC 3339 timestamp, e.g. `2025-01-01T10:00:00.000Z`. */
  startsAt: string;
  /** RFC 3339 timestamp; the Wait state sleeps until it. */
  expiresAt: string;
}

export interface NotifyRequesterPayload {
  requestId: string;
  event: 'granted';
}

/** Final outcomes the workflow writes through SettleRequest. */
export type SettleOutcome = 'EXPIRED' | 'DENIED' | 'TIMED_OUT' | 'FAILED';

export type SettleRequestPayload =
  | { requestId: string; outcome: Exclude<SettleOutcome, 'FAILED'> }
  | {
      requestId: string;
      outcome: 'FAILED';
      /** Step Functions error name, e.g. `Error`, `States.Timeout`, `Lambda.Unknown`. */
      error: string;
      /**
       * Step Functions cause. For an error thrown by a Lambda it is a JSON string
       * `{"errorType","errorMessage","trace"}`; for States.* errors, plain text.
       */
      cause: string;
    };

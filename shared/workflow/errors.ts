import { ConflictError } from '../domain/errors';

/**
 * Error names that cross the boundary between the broker's code and the approval workflow.
 * Step Functions matches Retry and Catch rules on these exact strings, so the ASL file
 * (infra/approval-workflow.asl.json) and the code that raises them must agree.
 */

/**
 * Sent with SendTaskFailure when the requester cancels a request that is waiting for a
 * decision. The workflow catches it and ends in the `Cancelled` Succeed state: the cancel
 * API has already recorded CANCELLED, so nothing is settled twice.
 */
export const WORKFLOW_CANCELLED_ERROR = 'Broker.Cancelled';

/**
 * Thrown (as the error name) by the credential issuer when STS throttles. Every Lambda
 * task retries it with backoff instead of failing the request.
 */
export const WORKFLOW_THROTTLED_ERROR = 'Broker.Throttled';

/**
 * Thrown (as the error name) for a transient AWS failure: a 5xx, a timeout, DynamoDB or SNS
 * throttling that outlived the SDK's own retries. Retried with the same backoff as throttling:
 * one bad minute of a dependency must not fail an approved request.
 */
export const WORKFLOW_TRANSIENT_ERROR = 'Broker.Transient';

/**
 * Thrown by IssueCredentials when the request is no longer APPROVED by the time it runs
 * (cancelled or revoked in between). The workflow ends quietly in `Request already closed`
 * instead of reporting a failure: the request already has its final status.
 */
export const WORKFLOW_REQUEST_CLOSED_ERROR = 'Broker.RequestClosed';

/**
 * Thrown by HoldAccess (step `hold`) when the request's expiresAt is no longer the one just
 * measured: an extension moved it between the measure and the hold, and its `extended` answer
 * found no hold to resume. The workflow measures the window again instead of holding until the
 * old end.
 */
export const WORKFLOW_WINDOW_MOVED_ERROR = 'Broker.WindowMoved';

/** Step Functions' own name for a task (or callback wait) that ran past its timeout. */
export const STATES_TIMEOUT_ERROR = 'States.Timeout';

/**
 * Lambda service-side failures worth retrying (the set AWS recommends for the optimized
 * `lambda:invoke` integration). Every Lambda task in the workflow retries all of them.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/**
 * Domain error code for a decision or cancel that reached a callback which is no longer
 * waiting (timed out, already decided, execution over). Callers show "timed out".
 */
export const WORKFLOW_TASK_CLOSED = 'WORKFLOW_TASK_CLOSED';

/** The one error both Workflow adapters (AWS and local) raise for a closed callback. */
export function workflowTaskClosedError(): ConflictError {
  return new ConflictError(
    'The approval workflow is no longer waiting for a decision on this request (it timed out or was already closed)',
    WORKFLOW_TASK_CLOSED,
  );
}

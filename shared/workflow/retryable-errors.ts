import { isThrottlingError, isTransientError } from '../adapters/aws-errors';
import { WORKFLOW_THROTTLED_ERROR, WORKFLOW_TRANSIENT_ERROR } from './errors';

/**
 * Gives an AWS SDK failure (DynamoDB, SNS, SFN...) that outlived the SDK's own retries the
 * error name the state machine retries with backoff. Everything else keeps its name, so a
 * real bug still fails the request instead of being retried for minutes.
 */
export function asWorkflowError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name.startsWith('Broker.')) return error;
  // $retryable is the SDK's own "worth retrying" mark on a modeled error.
  const sdkRetryable = Boolean((error as Error & { $retryable?: unknown }).$retryable);
  const renamed = isThrottlingError(error)
    ? WORKFLOW_THROTTLED_ERROR
    : isTransientError(error) || sdkRetryable
      ? WORKFLOW_TRANSIENT_ERROR
      : undefined;
  if (!renamed) return error;
  const wrapped = new Error(`${error.name}: ${error.message}`, { cause: error });
  wrapped.name = renamed;
  return wrapped;
}

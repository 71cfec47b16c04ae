import { WORKFLOW_THROTTLED_ERROR, WORKFLOW_TRANSIENT_ERROR } from './errors';

const THROTTLING = /Throttl|TooManyRequests|RequestLimitExceeded|ProvisionedThroughputExceeded|SlowDown/i;
const TRANSIENT = /InternalServerError|InternalFailure|InternalError|ServiceUnavailable|TimeoutError|RequestTimeout|ECONNRESET|ETIMEDOUT|EPIPE/i;

interface SdkErrorShape {
  name?: string;
  code?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Gives an AWS SDK failure (DynamoDB, SNS, SFN...) that outlived the SDK's own retries the
 * error name the state machine retries with backoff. Everything else keeps its name, so a
 * real bug still fails the request instead of being retried for minutes.
 */
export function asWorkflowError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name.startsWith('Broker.')) return error;
  const e = error as Error & SdkErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  const label = `${e.name} ${e.code ?? ''}`;
  const renamed = THROTTLING.test(label) || status === 429
    ? WORKFLOW_THROTTLED_ERROR
    : TRANSIENT.test(label) || status >= 500 || e.$retryable
      ? WORKFLOW_TRANSIENT_ERROR
      : undefined;
  if (!renamed) return error;
  const wrapped = new Error(`${e.name}: ${e.message}`, { cause: error });
  wrapped.name = renamed;
  return wrapped;
}

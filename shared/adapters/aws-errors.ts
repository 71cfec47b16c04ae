import { UpstreamError } from '../domain/errors';
import { WORKFLOW_THROTTLED_ERROR, WORKFLOW_TRANSIENT_ERROR } from '../workflow/errors';

/**
 * How the broker classifies a failed AWS call, in one place: the adapters (STS, KMS, Secrets
 * Manager, federation) and the workflow's catch-all (shared/workflow/retryable-errors.ts) all
 * decide "throttled", "transient" or "will fail again" with these.
 */

/**
 * Names given to the UpstreamErrors the AWS adapters throw. The Lambda runtime reports a
 * thrown error's `name` as its errorType, and a Step Functions `Retry`/`Catch` matches
 * `ErrorEquals` against that, so these are the strings the state machine uses.
 */
export const BrokerErrorName = {
  /** STS (or another AWS API) throttled us after the SDK's own retries: retry with backoff. */
  THROTTLED: WORKFLOW_THROTTLED_ERROR,
  /** A transient AWS-side failure (5xx, timeout, expired Lambda credentials): retry a few times. */
  TRANSIENT: WORKFLOW_TRANSIENT_ERROR,
  /** Will fail again the same way (access denied, policy too large...): do not retry; Catch -> FAILED. */
  UPSTREAM: 'Broker.Upstream',
} as const;
export type BrokerErrorName = (typeof BrokerErrorName)[keyof typeof BrokerErrorName];

/**
 * An UpstreamError whose `name` is one of BrokerErrorName, so a Step Functions Retry can
 * tell retryable failures apart. Over HTTP every UpstreamError is a 502 whatever its name
 * (shared/http/error-response.ts maps on `kind` only); `retryable` just mirrors the name.
 */
export function upstreamError(code: string, message: string, name: BrokerErrorName): UpstreamError {
  const error = new UpstreamError(code, message, name !== BrokerErrorName.UPSTREAM);
  error.name = name;
  return error;
}

/**
 * AWS error codes (and SDK error names) meaning "throttled", matched anywhere in the code
 * and case-insensitively: the common `ThrottlingException` (STS sends `Throttling`), SNS
 * `KMSThrottlingException`, Step Functions `KmsThrottlingException`, DynamoDB
 * `ProvisionedThroughputExceededException` and `RequestLimitExceeded`, SES `TooManyRequestsException`
 * (over the account's sending rate: 1 per second in the SES sandbox). Each alternative names an
 * error that AWS's models list for an operation the adapters call, or a documented common error
 * (test/unit/aws-error-names.test.ts checks this against the models).
 */
export const THROTTLING_CODES = /Throttl|RequestLimitExceeded|ProvisionedThroughputExceeded|TooManyRequests/i;

/**
 * AWS error codes meaning a transient service-side failure (a 5xx, a timeout on AWS's side):
 * DynamoDB `InternalServerError`, the common `InternalFailure`, `ServiceUnavailable` and
 * `RequestTimeoutException`, SNS `InternalErrorException`, Secrets Manager `InternalServiceError`,
 * KMS `KMSInternalException` and `DependencyTimeoutException`, and the SDK's own `TimeoutError`.
 */
export const TRANSIENT_CODES =
  /InternalServerError|InternalFailure|InternalError|InternalServiceError|KMSInternal|DependencyTimeout|ServiceUnavailable|TimeoutError|RequestTimeout/i;

/**
 * Node's codes for a network failure (a connection reset, refused or timed out, a DNS lookup
 * that failed), matched exactly: as substrings they would hide in names like ResourceNotFound.
 */
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** The AWS error code: SDK v3 names modeled errors `<Code>Exception`, unmodeled ones by the wire Code. */
export function awsErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Unknown';
  const e = error as { name?: unknown; Code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  return typeof e.name === 'string' ? e.name : 'Unknown';
}

/** The HTTP status AWS answered with, when the SDK recorded one. */
function awsHttpStatus(error: unknown): number | undefined {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
}

/** Every name the error goes by: the AWS code, the SDK error name, Node's `code` (ECONNRESET...). */
function errorNames(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [];
  const e = error as { name?: unknown; code?: unknown };
  return [awsErrorCode(error), e.name, e.code].filter((s): s is string => typeof s === 'string');
}

/** AWS throttled the call (a throttling code, or HTTP 429). */
export function isThrottlingError(error: unknown): boolean {
  return errorNames(error).some((name) => THROTTLING_CODES.test(name)) || awsHttpStatus(error) === 429;
}

/** A transient failure worth retrying: a 5xx, a service-side timeout, a network error. */
export function isTransientError(error: unknown): boolean {
  const status = awsHttpStatus(error);
  return (
    errorNames(error).some((name) => TRANSIENT_CODES.test(name) || NETWORK_CODES.has(name)) ||
    (status !== undefined && status >= 500)
  );
}

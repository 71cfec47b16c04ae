import { UpstreamError } from '../../domain/errors';

/**
 * Names given to the UpstreamErrors the AWS adapters throw. The Lambda runtime reports a
 * thrown error's `name` as its errorType, and a Step Functions `Retry`/`Catch` matches
 * `ErrorEquals` against that, so these are the strings the state machine uses.
 */
export const BrokerErrorName = {
  /** STS (or another AWS API) throttled us after the SDK's own retries: retry with backoff. */
  THROTTLED: 'Broker.Throttled',
  /** A transient AWS-side failure (5xx, timeout, expired Lambda credentials): retry a few times. */
  TRANSIENT: 'Broker.Transient',
  /** Will fail again the same way (access denied, policy too large...): do not retry; Catch -> FAILED. */
  UPSTREAM: 'Broker.Upstream',
} as const;
export type BrokerErrorName = (typeof BrokerErrorName)[keyof typeof BrokerErrorName];

/**
 * An UpstreamError whose `name` is one of BrokerErrorName, so a Step Functions Retry can
 * tell retryable failures apart. `code` and `retryable` stay as the HTTP mapping expects.
 */
export function upstreamError(code: string, message: string, name: BrokerErrorName): UpstreamError {
  const error = new UpstreamError(code, message, name !== BrokerErrorName.UPSTREAM);
  error.name = name;
  return error;
}

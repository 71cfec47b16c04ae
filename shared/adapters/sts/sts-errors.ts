import type { UpstreamError } from '../../domain/errors';
import { BrokerErrorName, upstreamError } from './error-names';

export interface StsErrorContext {
  roleArn: string;
  durationSeconds: number;
  issuer: 'chained' | 'user';
}

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const TRANSIENT = new Set([
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);
const BAD_CALLER_KEY = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException']);

/** The AWS error code: SDK v3 names modeled STS errors `<Code>Exception`, unmodeled ones by the wire Code. */
export function awsErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Unknown';
  const e = error as { name?: unknown; Code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  return typeof e.name === 'string' ? e.name : 'Unknown';
}

function httpStatus(error: unknown): number | undefined {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

/**
 * Turns an AssumeRole failure into an UpstreamError whose message says what to fix and
 * never carries AWS's raw text (which names internal principals) to the caller.
 */
export function mapStsError(error: unknown, context: StsErrorContext): UpstreamError {
  const code = awsErrorCode(error);
  const bare = code.replace(/Exception$/, '');
  const { roleArn } = context;

  if (bare === 'AccessDenied') {
    return upstreamError(
      'TARGET_ROLE_ACCESS_DENIED',
      `STS refused to let the broker assume ${roleArn}. Likely causes: the role's trust policy does not name the broker's ${context.issuer === 'chained' ? 'issuer role' : 'IAM user'}; ` +
        'the ExternalId configured for the target does not match the trust policy (or one is required and none is configured); ' +
        'the trust policy lacks sts:SetSourceIdentity or sts:TagSession (tag keys request-id, requester) for the broker; ' +
        "or the broker's own IAM policy does not allow sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession on the role",
      BrokerErrorName.UPSTREAM,
    );
  }
  if (bare === 'PackedPolicyTooLarge') {
    return upstreamError(
      'SESSION_POLICY_TOO_LARGE',
      `The session policy and session tags for ${roleArn} exceed STS's packed size limit; request fewer services`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (bare === 'MalformedPolicyDocument') {
    return upstreamError(
      'SESSION_POLICY_MALFORMED',
      `STS rejected the session policy for ${roleArn} as malformed (an unknown action prefix or bad policy grammar in the catalogue)`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (bare === 'RegionDisabled') {
    return upstreamError(
      'STS_REGION_DISABLED',
      `STS is not activated in the broker's region for the account of ${roleArn}; activate the region under IAM > Account settings, or deploy the broker in an active region`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (THROTTLING.has(code) || THROTTLING.has(bare)) {
    return upstreamError('STS_THROTTLED', 'STS throttled the AssumeRole call; retry with backoff', BrokerErrorName.THROTTLED);
  }
  if (bare === 'ExpiredToken') {
    // The broker's own credentials expired mid-call; a fresh invocation gets fresh ones.
    return upstreamError(
      'STS_CALLER_TOKEN_EXPIRED',
      "The broker's own credentials expired while calling STS; retry",
      BrokerErrorName.TRANSIENT,
    );
  }
  if (BAD_CALLER_KEY.has(code)) {
    return upstreamError(
      'ISSUER_KEY_INVALID',
      context.issuer === 'user'
        ? "STS did not recognise the issuer IAM user's access key: it was rotated, deactivated or deleted; update the issuer secret"
        : "STS did not recognise the broker's own credentials",
      BrokerErrorName.UPSTREAM,
    );
  }
  if (code === 'ValidationError') {
    return upstreamError(
      'STS_REQUEST_REJECTED',
      `STS rejected the AssumeRole parameters for ${roleArn}; most often DurationSeconds ${context.durationSeconds} is above the role's MaxSessionDuration (check the target's roleMaxSessionSeconds)`,
      BrokerErrorName.UPSTREAM,
    );
  }
  const status = httpStatus(error);
  if (TRANSIENT.has(code) || TRANSIENT.has(bare) || (status !== undefined && status >= 500) || isNetworkError(error)) {
    return upstreamError('STS_UNAVAILABLE', 'STS was unavailable; retry', BrokerErrorName.TRANSIENT);
  }
  return upstreamError('STS_ERROR', `Assuming ${roleArn} failed; see the broker's logs for the AWS error`, BrokerErrorName.UPSTREAM);
}

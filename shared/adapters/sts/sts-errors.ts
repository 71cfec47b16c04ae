import type { UpstreamError } from '../../domain/errors';
import { awsErrorCode, BrokerErrorName, isThrottlingError, isTransientError, upstreamError } from '../aws-errors';

export interface StsErrorContext {
  roleArn: string;
  durationSeconds: number;
  issuer: 'chained' | 'user';
}

/**
 * The AssumeRole error codes given their own message, compared without a trailing `Exception`
 * (the SDK names a modelled error `<Code>Exception`, an unmodelled one by its wire code). The
 * first four are in AssumeRole's model; AccessDenied and ValidationError are documented common
 * errors (STS sends `AccessDenied` on the wire, the common-errors list spells it
 * `AccessDeniedException`).
 */
export const STS_ERROR_CODES = {
  accessDenied: 'AccessDenied',
  packedPolicyTooLarge: 'PackedPolicyTooLarge',
  malformedPolicyDocument: 'MalformedPolicyDocument',
  regionDisabled: 'RegionDisabled',
  expiredToken: 'ExpiredToken',
  validation: 'ValidationError',
} as const;

/**
 * Common errors (query protocol) meaning STS does not accept the caller's key: an unknown
 * access key id, or a signature made with the wrong secret.
 */
export const BAD_CALLER_KEY_ERRORS: ReadonlySet<string> = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch']);

/**
 * Turns an AssumeRole failure into an UpstreamError whose message says what to fix and
 * never carries AWS's raw text (which names internal principals) to the caller.
 */
export function mapStsError(error: unknown, context: StsErrorContext): UpstreamError {
  const code = awsErrorCode(error);
  const bare = code.replace(/Exception$/, '');
  const { roleArn } = context;

  if (bare === STS_ERROR_CODES.accessDenied) {
    return upstreamError(
      'TARGET_ROLE_ACCESS_DENIED',
      `STS refused to let the broker assume ${roleArn}. Likely causes: the role's trust policy does not name the broker's ${context.issuer === 'chained' ? 'issuer role' : 'IAM user'}; ` +
        'the ExternalId configured for the target does not match the trust policy (or one is required and none is configured); ' +
        'the trust policy lacks sts:SetSourceIdentity or sts:TagSession (tag keys request-id, requester) for the broker; ' +
        "or the broker's own IAM policy does not allow sts:AssumeRole, sts:SetSourceIdentity and sts:TagSession on the role",
      BrokerErrorName.UPSTREAM,
    );
  }
  if (bare === STS_ERROR_CODES.packedPolicyTooLarge) {
    return upstreamError(
      'SESSION_POLICY_TOO_LARGE',
      `The session policy and session tags for ${roleArn} exceed STS's packed size limit; request fewer services`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (bare === STS_ERROR_CODES.malformedPolicyDocument) {
    return upstreamError(
      'SESSION_POLICY_MALFORMED',
      `STS rejected the session policy for ${roleArn} as malformed (an unknown action prefix or bad policy grammar in the catalogue)`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (bare === STS_ERROR_CODES.regionDisabled) {
    return upstreamError(
      'STS_REGION_DISABLED',
      `STS is not activated in the broker's region for the account of ${roleArn}; activate the region under IAM > Account settings, or deploy the broker in an active region`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (isThrottlingError(error)) {
    return upstreamError('STS_THROTTLED', 'STS throttled the AssumeRole call; retry with backoff', BrokerErrorName.THROTTLED);
  }
  if (bare === STS_ERROR_CODES.expiredToken) {
    // The broker's own credentials expired mid-call; a fresh invocation gets fresh ones.
    return upstreamError(
      'STS_CALLER_TOKEN_EXPIRED',
      "The broker's own credentials expired while calling STS; retry",
      BrokerErrorName.TRANSIENT,
    );
  }
  if (BAD_CALLER_KEY_ERRORS.has(code)) {
    return upstreamError(
      'ISSUER_KEY_INVALID',
      context.issuer === 'user'
        ? "STS did not recognise the issuer IAM user's access key: it was rotated, deactivated or deleted; update the issuer secret"
        : "STS did not recognise the broker's own credentials",
      BrokerErrorName.UPSTREAM,
    );
  }
  if (code === STS_ERROR_CODES.validation) {
    return upstreamError(
      'STS_REQUEST_REJECTED',
      `STS rejected the AssumeRole parameters for ${roleArn}; most often DurationSeconds ${context.durationSeconds} is above the role's MaxSessionDuration (check the target's roleMaxSessionSeconds)`,
      BrokerErrorName.UPSTREAM,
    );
  }
  if (isTransientError(error)) {
    return upstreamError('STS_UNAVAILABLE', 'STS was unavailable; retry', BrokerErrorName.TRANSIENT);
  }
  return upstreamError('STS_ERROR', `Assuming ${roleArn} failed; see the broker's logs for the AWS error`, BrokerErrorName.UPSTREAM);
}

import { ROLE_ARN } from './arn';
import type { AccessRequest } from './request';
import { ConflictError, ValidationError } from './errors';
import { normalizeEmail } from './identity';
import { sanitizeSourceIdentity, SOURCE_IDENTITY_PATTERN } from './source-identity';

/**
 * The rules STS applies to an AssumeRole call, checked before the call so a mistake is
 * named precisely (and so the local stand-in refuses exactly what STS would refuse).
 */

/** STS refuses sessions shorter than 15 minutes. */
export const STS_MIN_SESSION_SECONDS = 900;
/** No role session outlives 12 hours, whatever the role's MaxSessionDuration says. */
export const STS_MAX_SESSION_SECONDS = 43_200;
/** A session assumed with another role's credentials (role chaining, i.e. from a Lambda) lasts at most 1 hour. */
export const CHAINED_MAX_SESSION_SECONDS = 3_600;
/**
 * STS rejects an inline session policy longer than this many characters (whitespace
 * counts, hence compact JSON). STS also has a separate packed-size limit that only the
 * call itself reports (`PackedPolicySize`); this check cannot see that one.
 */
export const SESSION_POLICY_MAX_CHARS = 2_048;

/**
 * RoleSessionName follows the SourceIdentity rule, 2-64 of [\w+=,.@-]. The pattern is kept
 * in source-identity.ts, which this module imports (the reverse import would be a cycle).
 */
const SESSION_NAME = SOURCE_IDENTITY_PATTERN;
/** Session tag values: up to 256 of letters, spaces, digits and _.:/=+-@ (Unicode classes). */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;
const TAG_VALUE_DISALLOWED = /[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu;
/** ExternalId: 2-1224 of [\w+=,.@:/-]. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** An AWS region name such as us-east-1, us-gov-west-1 or cn-north-1. */
export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** STS accepts policy text made of tab, LF, CR and U+0020..U+00FF only. */
const POLICY_CHARS = /^[\t\n\r\u0020-\u00ff]*$/;

export interface IssuanceDurationInput {
  now: Date;
  /** The approved window's end (the request's `expiresAt`). */
  windowEndsAt: Date | string;
  /** The target role's MaxSessionDuration (900..43200). */
  roleMaxSessionSeconds: number;
  /** True when the caller holds role credentials (a Lambda), which caps sessions at 1 hour. */
  chained: boolean;
}

/**
 * Seconds to ask STS for: never past the approved window, the role's own maximum, or the
 * 1-hour role-chaining cap. A shorter issuance is not a failure: the requester refreshes
 * inside the window. Below STS's 900 s floor there is nothing valid to ask for.
 */
export function issuanceDurationSeconds(input: IssuanceDurationInput): number {
  const { roleMaxSessionSeconds, chained } = input;
  if (
    !Number.isInteger(roleMaxSessionSeconds) ||
    roleMaxSessionSeconds < STS_MIN_SESSION_SECONDS ||
    roleMaxSessionSeconds > STS_MAX_SESSION_SECONDS
  ) {
    throw new ValidationError(
      `roleMaxSessionSeconds must be a whole number from ${STS_MIN_SESSION_SECONDS} to ${STS_MAX_SESSION_SECONDS} (the role's MaxSessionDuration); got ${roleMaxSessionSeconds}`,
      [{ field: 'roleMaxSessionSeconds', rule: 'range', message: `must be ${STS_MIN_SESSION_SECONDS}..${STS_MAX_SESSION_SECONDS}` }],
      'ROLE_MAX_SESSION_INVALID',
    );
  }
  const endsAt = typeof input.windowEndsAt === 'string' ? new Date(input.windowEndsAt) : input.windowEndsAt;
  if (Number.isNaN(endsAt.getTime())) {
    throw new ValidationError('windowEndsAt is not a valid date', [
      { field: 'windowEndsAt', rule: 'date', message: 'must be an ISO-8601 instant' },
    ]);
  }
  const secondsLeft = Math.floor((endsAt.getTime() - input.now.getTime()) / 1000);
  if (secondsLeft <= 0) {
    throw new ConflictError(
      `The approved access window ended at ${endsAt.toISOString()}; no credentials can be issued for it`,
      'WINDOW_CLOSED',
    );
  }
  const duration = Math.min(
    secondsLeft,
    roleMaxSessionSeconds,
    chained ? CHAINED_MAX_SESSION_SECONDS : STS_MAX_SESSION_SECONDS,
  );
  if (duration < STS_MIN_SESSION_SECONDS) {
    // Only the window can push us under the floor: the other two caps are >= 900.
    throw new ConflictError(
      `Only ${secondsLeft} s remain in the approved access window, and STS's minimum session is ${STS_MIN_SESSION_SECONDS} s; request a new window`,
      'WINDOW_TOO_SHORT',
    );
  }
  return duration;
}

/**
 * The request id is the role session name, so CloudTrail's `assumed-role/<role>/<id>`
 * points straight at the request. Returns it unchanged when STS would accept it.
 */
export function roleSessionName(requestId: string): string {
  if (!SESSION_NAME.test(requestId)) {
    throw new ValidationError(
      'The request id cannot be used as RoleSessionName: it must be 2-64 characters of letters, digits and +=,.@_-',
      [{ field: 'RoleSessionName', rule: 'pattern', message: 'must match [\\w+=,.@-]{2,64}' }],
      'ROLE_SESSION_NAME_INVALID',
    );
  }
  return requestId;
}

export interface SessionTag {
  Key: string;
  Value: string;
}

/** Session tag keys the target role's trust policy allows (aws:TagKeys); keep in step with infra/target-account-role.yaml. */
export const SESSION_TAG_KEYS = ['request-id', 'requester'] as const;

/**
 * Tags on the session: they appear in CloudTrail's `principalTags` and let the target
 * account write ABAC conditions on the request. The requester tag keeps the whole
 * (normalised) email where SourceIdentity had to shorten it.
 */
export function sessionTags(request: Pick<AccessRequest, 'id' | 'requester'>): SessionTag[] {
  if (!TAG_VALUE.test(request.id)) {
    throw new ValidationError('The request id cannot be used as a session tag value', [
      { field: 'id', rule: 'pattern', message: 'must be at most 256 letters, digits, spaces or _.:/=+-@' },
    ]);
  }
  const requester = normalizeEmail(request.requester.email).replace(TAG_VALUE_DISALLOWED, '_').slice(0, 256);
  return [
    { Key: 'request-id', Value: request.id },
    { Key: 'requester', Value: requester },
  ];
}

/** The AssumeRole parameters, in the SDK's field names, for one issuance. */
export interface AssumeRoleParameters {
  RoleArn: string;
  RoleSessionName: string;
  Policy: string;
  DurationSeconds: number;
  SourceIdentity: string;
  Tags: SessionTag[];
  ExternalId?: string;
}

export interface AssumeRoleParametersInput {
  request: Pick<AccessRequest, 'id' | 'requester' | 'roleArn'>;
  sessionPolicy: string;
  durationSeconds: number;
  externalId?: string;
  issuer: 'chained' | 'user';
}

/**
 * Builds and checks every AssumeRole parameter the way STS would, naming the field that
 * is wrong. Shared by the STS adapter and the local stand-in so local mode catches the
 * same mistakes as AWS.
 */
export function assumeRoleParameters(input: AssumeRoleParametersInput): AssumeRoleParameters {
  const { request, sessionPolicy, durationSeconds, externalId, issuer } = input;
  if (!ROLE_ARN.test(request.roleArn)) {
    throw new ValidationError(`RoleArn ${JSON.stringify(request.roleArn)} is not an IAM role ARN`, [
      { field: 'RoleArn', rule: 'pattern', message: 'must look like arn:aws:iam::123456789012:role/Name' },
    ], 'ROLE_ARN_INVALID');
  }
  const ceiling = issuer === 'chained' ? CHAINED_MAX_SESSION_SECONDS : STS_MAX_SESSION_SECONDS;
  if (!Number.isInteger(durationSeconds) || durationSeconds < STS_MIN_SESSION_SECONDS || durationSeconds > ceiling) {
    throw new ValidationError(
      `DurationSeconds must be a whole number from ${STS_MIN_SESSION_SECONDS} to ${ceiling}` +
        (issuer === 'chained' ? ' (role chaining caps sessions at 1 hour)' : '') +
        `; got ${durationSeconds}`,
      [{ field: 'DurationSeconds', rule: 'range', message: `must be ${STS_MIN_SESSION_SECONDS}..${ceiling}` }],
      'DURATION_OUT_OF_RANGE',
    );
  }
  if (sessionPolicy.length > SESSION_POLICY_MAX_CHARS) {
    throw new ValidationError(
      `The session policy is ${sessionPolicy.length} characters; STS accepts at most ${SESSION_POLICY_MAX_CHARS}`,
      [{ field: 'Policy', rule: 'maxLength', message: `must be at most ${SESSION_POLICY_MAX_CHARS} characters` }],
      'SESSION_POLICY_TOO_LONG',
    );
  }
  if (!POLICY_CHARS.test(sessionPolicy) || !isJsonObject(sessionPolicy)) {
    throw new ValidationError('The session policy is not a JSON policy document STS would accept', [
      { field: 'Policy', rule: 'json', message: 'must be a JSON object of tab, newline and U+0020-U+00FF characters' },
    ], 'SESSION_POLICY_MALFORMED');
  }
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    // The value itself is a shared secret with the target account: never echo it.
    throw new ValidationError('ExternalId must be 2-1224 characters of letters, digits and +=,.@:/-', [
      { field: 'ExternalId', rule: 'pattern', message: 'must match [\\w+=,.@:/-]{2,1224}' },
    ], 'EXTERNAL_ID_INVALID');
  }
  return {
    RoleArn: request.roleArn,
    RoleSessionName: roleSessionName(request.id),
    Policy: sessionPolicy,
    DurationSeconds: durationSeconds,
    // The alarm classifier matches CloudTrail's sourceIdentity with the same function.
    SourceIdentity: sanitizeSourceIdentity(request.requester.email),
    Tags: sessionTags(request),
    ...(externalId !== undefined ? { ExternalId: externalId } : {}),
  };
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

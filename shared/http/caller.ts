import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { EMAIL } from '../domain/email';
import { UnauthenticatedError } from '../domain/errors';
import { readFlattenedGroups, readTokenGroups } from '../domain/groups-claim';
import { normalizeEmail, type Caller } from '../domain/identity';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** How the deployment's IdP tokens are read. */
export interface CallerOptions {
  /** Name of the claim holding the caller's groups (`groups`, `cognito:groups`). */
  groupsClaim: string;
  /** Refuse tokens without `email_verified: true` (the email decides approver rights). */
  requireVerifiedEmail?: boolean;
}

/**
 * The payload of the bearer token in an Authorization header, or undefined when the header is
 * absent or holds no JWT. The signature is NOT checked here: API Gateway's JWT authorizer
 * (or local mode's stand-in) checked it before the Lambda ran, and callerFromEvent then
 * insists the payload agrees with the claims that check produced.
 */
export function decodeBearerPayload(authorization: string | undefined): Record<string, unknown> | undefined {
  if (!authorization) return undefined;
  // The authorizer accepts the token with or without the Bearer prefix.
  const token = /^(?:Bearer\s+)?(\S+)$/i.exec(authorization.trim())?.[1];
  const parts = token?.split('.');
  if (!parts || parts.length !== 3 || !parts.slice(0, 2).every((p) => BASE64URL.test(p))) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Claims that single out one token; API Gateway passes strings as they are and numbers as their text. */
const TOKEN_CLAIMS = ['sub', 'email', 'iss', 'iat', 'exp', 'nbf', 'jti'] as const;

/**
 * The decoded header token is the one the authorizer verified: every identifying claim it has
 * reads the same in the authorizer's claims (the groups are cross-checked by readTokenGroups).
 */
function sameToken(payload: Record<string, unknown>, claims: Record<string, unknown>): boolean {
  return TOKEN_CLAIMS.every((name) => {
    const value = payload[name];
    if (value === undefined) return claims[name] === undefined;
    return (typeof value === 'string' || typeof value === 'number') && String(value) === String(claims[name]);
  });
}

/**
 * Identity as the HTTP API JWT authorizer established it. `sub`, `email` and `email_verified`
 * come from the authorizer's claims (plain strings survive its flattening); groups come from
 * the verified token's real JSON array, because the flattened `"[a b]"` cannot tell the group
 * "a b" from the groups "a" and "b". A call whose groups cannot be read without guessing is
 * refused (401), never given a best guess.
 */
export function callerFromEvent(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  authorization: string | undefined,
  options: CallerOptions,
): Caller {
  const { groupsClaim, requireVerifiedEmail = true } = options;
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthenticatedError();
  const sub = claims.sub;
  const email = claims.email;
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('The token has no sub claim');
  // The email decides votes and self-approval by mailbox, so it must be a plain address under the
  // same rule as the catalogue's approver emails (EMAIL: zod's pattern, without zod). A spelling
  // the catalogue would refuse (`"carol"@example.com`) could otherwise reach a second mailbox key
  // for one person and let them approve their own request.
  if (typeof email !== 'string' || !EMAIL.test(email)) throw new UnauthenticatedError('The token has no usable email claim: it must be a plain email address (as in the catalogue)');
  // The email decides who may approve and read: an address the IdP has not verified is not an identity.
  const verified = String(claims.email_verified ?? '');
  if (verified === 'false' || (requireVerifiedEmail && verified !== 'true')) {
    throw new UnauthenticatedError('The token\'s email is not verified (email_verified claim)');
  }

  const payload = decodeBearerPayload(authorization);
  if (payload && !sameToken(payload, claims)) {
    throw new UnauthenticatedError('The Authorization header does not hold the token the authorizer verified');
  }
  const reading = payload
    ? readTokenGroups(payload[groupsClaim], claims[groupsClaim], groupsClaim)
    : readFlattenedGroups(claims[groupsClaim], groupsClaim);
  if (!reading.ok) {
    throw new UnauthenticatedError(`The token's groups cannot be read unambiguously: ${reading.problem}`);
  }
  return { sub, email: normalizeEmail(email), groups: reading.groups };
}

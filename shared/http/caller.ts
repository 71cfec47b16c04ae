import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { UnauthenticatedError } from '../domain/errors';
import { normalizeEmail, parseGroupsClaim, type Caller } from '../domain/identity';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Identity as the HTTP API JWT authorizer hands it over; the token itself was verified upstream. */
export function callerFromEvent(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  groupsClaim: string,
  requireVerifiedEmail = true,
): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthenticatedError();
  const sub = claims.sub;
  const email = claims.email;
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('The token has no sub claim');
  if (typeof email !== 'string' || !EMAIL.test(email)) throw new UnauthenticatedError('The token has no usable email claim');
  // The email decides who may approve and read: an address the IdP has not verified is not an identity.
  const verified = String(claims.email_verified ?? '');
  if (verified === 'false' || (requireVerifiedEmail && verified !== 'true')) {
    throw new UnauthenticatedError('The token\'s email is not verified (email_verified claim)');
  }
  return { sub, email: normalizeEmail(email), groups: parseGroupsClaim(claims[groupsClaim]) };
}

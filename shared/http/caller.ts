import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { UnauthenticatedError } from '../domain/errors';
import { normalizeEmail, parseGroupsClaim, type Caller } from '../domain/identity';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Identity as the HTTP API JWT authorizer hands it over; the token itself was verified upstream. */
export function callerFromEvent(event: APIGatewayProxyEventV2WithJWTAuthorizer, groupsClaim: string): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw new UnauthenticatedError();
  const sub = claims.sub;
  const email = claims.email;
  if (typeof sub !== 'string' || sub === '') throw new UnauthenticatedError('The token has no sub claim');
  if (typeof email !== 'string' || !EMAIL.test(email)) throw new UnauthenticatedError('The token has no usable email claim');
  return { sub, email: normalizeEmail(email), groups: parseGroupsClaim(claims[groupsClaim]) };
}

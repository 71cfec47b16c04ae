/**
 * Groups are read from the verified token's real array, never split out of API Gateway's
 * flattened "[a b]" string (issue 10, "group claim confusion").
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { claimsAsApiGatewayGivesThem } from '../../local/jwt';
import { canRequest, isApproverOf } from '../../shared/domain/authorization';
import { UnauthenticatedError } from '../../shared/domain/errors';
import { flattenLikeApiGateway, readFlattenedGroups, readTokenGroups } from '../../shared/domain/groups-claim';
import { callerFromEvent, decodeBearerPayload } from '../../shared/http/caller';
import type { Target } from '../../shared/catalogue/types';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
/** A token as the IdP would send it; the signature part is irrelevant here (the authorizer checked it). */
const jwt = (payload: Record<string, unknown>) => `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(payload)}.c2lnbmF0dXJl`;

const BASE = { sub: 'mallory', email: 'mallory@example.com', email_verified: true, iss: 'urn:idp', exp: 2_000_000_000 };

/** The event API Gateway hands the Lambda for `payload`: flattened claims, the header untouched. */
function eventFor(payload: Record<string, unknown>, header?: string | null) {
  const authorization = header === null ? undefined : (header ?? `Bearer ${jwt(payload)}`);
  const event = {
    headers: authorization === undefined ? {} : { authorization },
    requestContext: { authorizer: { jwt: { claims: claimsAsApiGatewayGivesThem(payload), scopes: [] } } },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  return { event, authorization };
}

const callerOf = (payload: Record<string, unknown>, authorization?: string | null, groupsClaim = 'groups') => {
  const { event, authorization: header } = eventFor(payload, authorization);
  return callerFromEvent(event, header, { groupsClaim });
};

const PROD = { requesterGroups: ['engineers'], approverEmails: ['carol@example.com'], approverGroups: ['approvers'] } as unknown as Target;

describe('groups from the verified token', () => {
  it('regression: a member of "not engineers" is not an engineer (API Gateway flattens it to "[not engineers]")', () => {
    const payload = { ...BASE, groups: ['not engineers'] };
    expect(claimsAsApiGatewayGivesThem(payload).groups).toBe('[not engineers]');
    const caller = callerOf(payload);
    expect(caller.groups).toEqual(['not engineers']);
    expect(canRequest(PROD, caller)).toBe(false);
  });

  it('regression: a member of "former approvers" is no approver', () => {
    const caller = callerOf({ ...BASE, groups: ['former approvers'] });
    expect(caller.groups).toEqual(['former approvers']);
    expect(isApproverOf(PROD, caller)).toBe(false);
  });

  it.each([
    [['platform engineers', 'ops']],
    [['a,b', 'c']],
    [['"quoted"', "it's"]],
    [['[engineers]', 'x]', '[y']],
    [['team "alpha", [ops]', 'engineers']],
    [['ünïcödé grüppe', '日本 チーム']],
  ])('keeps %j exactly as the IdP wrote it', (groups) => {
    expect(callerOf({ ...BASE, groups }).groups).toEqual(groups);
  });

  it('reads a configurable claim name such as cognito:groups, with or without the Bearer prefix', () => {
    const payload = { ...BASE, 'cognito:groups': ['on call', 'engineers'] };
    expect(callerOf(payload, `Bearer ${jwt(payload)}`, 'cognito:groups').groups).toEqual(['on call', 'engineers']);
    expect(callerOf(payload, jwt(payload), 'cognito:groups').groups).toEqual(['on call', 'engineers']);
    // The same token read with the default claim name has no groups at all.
    expect(callerOf(payload, undefined, 'groups').groups).toEqual([]);
  });

  it('no groups claim means no groups; an empty array too', () => {
    expect(callerOf({ ...BASE }).groups).toEqual([]);
    expect(callerOf({ ...BASE, groups: [] }).groups).toEqual([]);
  });

  it.each([
    ['a string instead of a list', 'engineers', /not a list of group names/],
    ['a number inside the list', ['engineers', 7], /a number/],
    ['null inside the list', ['engineers', null], /a null/],
    ['an empty name', ['engineers', ' '], /an empty name/],
    ['an object', { engineers: true }, /not a list of group names/],
  ])('refuses a groups claim that is %s (401)', (_name, groups, why) => {
    const payload = { ...BASE, groups };
    expect(() => callerOf(payload)).toThrow(UnauthenticatedError);
    expect(() => callerOf(payload)).toThrow(why);
  });

  it('refuses a header holding another token than the one the authorizer verified', () => {
    const verified = { ...BASE, groups: ['contractors'] };
    const { event } = eventFor(verified);
    const other = jwt({ ...BASE, sub: 'carol', email: 'carol@example.com', groups: ['approvers'] });
    expect(() => callerFromEvent(event, `Bearer ${other}`, { groupsClaim: 'groups' })).toThrow(/does not hold the token the authorizer verified/);
    // Same person, another token (issued at another time).
    const older = jwt({ ...verified, iat: 1_000, exp: 1_900_000_000 });
    expect(() => callerFromEvent(eventFor({ ...verified, iat: 2_000 }).event, `Bearer ${older}`, { groupsClaim: 'groups' })).toThrow(/does not hold the token/);
    // Same person, different groups than the authorizer passed on.
    const promoted = jwt({ ...verified, groups: ['engineers'] });
    expect(() => callerFromEvent(event, `Bearer ${promoted}`, { groupsClaim: 'groups' })).toThrow(/does not match the one the authorizer verified/);
  });

  it('without a readable token, uses the flattened claim only when it has one reading', () => {
    expect(callerOf({ ...BASE, groups: ['engineers'] }, null).groups).toEqual(['engineers']);
    expect(callerOf({ ...BASE, groups: ['a,b'] }, null).groups).toEqual(['a,b']);
    expect(callerOf({ ...BASE, groups: [] }, null).groups).toEqual([]);
    expect(callerOf({ ...BASE }, null).groups).toEqual([]);
    for (const header of [null, 'Bearer not-a-jwt', 'Basic YWxpY2U6c2VjcmV0', 'Bearer a.b']) {
      expect(() => callerOf({ ...BASE, groups: ['not engineers'] }, header)).toThrow(/cannot be read unambiguously.*could be one group with spaces or several groups/);
      expect(() => callerOf({ ...BASE, groups: ['engineers', 'approvers'] }, header)).toThrow(UnauthenticatedError);
    }
  });
});

describe('the pure readers', () => {
  it('flattens as API Gateway does, which is why the flattened form is ambiguous', () => {
    expect(flattenLikeApiGateway(['not engineers'])).toBe(flattenLikeApiGateway(['not', 'engineers']));
  });

  it.each([
    [undefined, { ok: true, groups: [] }],
    ['[]', { ok: true, groups: [] }],
    ['[engineers]', { ok: true, groups: ['engineers'] }],
    ['[[x]]', { ok: true, groups: ['[x]'] }],
    ['[a b]', { ok: false }],
    ['[a\tb]', { ok: false }],
    ['engineers', { ok: false }],
    [['engineers'], { ok: false }],
  ])('flattened %j -> %j', (claim, expected) => {
    expect(readFlattenedGroups(claim, 'groups')).toMatchObject(expected);
  });

  it.each([
    [['a b'], '[a b]', { ok: true, groups: ['a b'] }],
    [['a', 'a'], '[a a]', { ok: true, groups: ['a'] }],
    [[], '[]', { ok: true, groups: [] }],
    [[], undefined, { ok: true, groups: [] }],
    [undefined, '[a]', { ok: false }],
    [['a b'], '[a c]', { ok: false }],
  ])('token %j with flattened %j -> %j', (claim, flattened, expected) => {
    expect(readTokenGroups(claim, flattened, 'groups')).toMatchObject(expected);
  });

  it('decodes only a well-formed JWT payload object', () => {
    expect(decodeBearerPayload(`Bearer ${jwt({ sub: 'x' })}`)).toEqual({ sub: 'x' });
    expect(decodeBearerPayload(undefined)).toBeUndefined();
    expect(decodeBearerPayload('Bearer x.y')).toBeUndefined();
    expect(decodeBearerPayload(`Bearer ${b64({})}.${Buffer.from('[1]').toString('base64url')}.s`)).toBeUndefined();
    expect(decodeBearerPayload(`Bearer ${b64({})}.${Buffer.from('{not json').toString('base64url')}.s`)).toBeUndefined();
    expect(decodeBearerPayload(`Bearer ${b64({})}.e30=.s`)).toBeUndefined();
  });
});

describe('the caller\'s email', () => {
  it.each([
    ['a quoted local part (a second mailbox key for one person)', '"carol"@example.com'],
    ['a trailing dot on the domain', 'carol@example.com.'],
    ['a bidi override', 'carol\u202e@example.com'],
    ['a URL-looking address', 'https://broker.example.com/approvals/x@evil.io'],
    ['spaces', 'carol @example.com'],
  ])('regression: refuses %s (401)', (_what, email) => {
    expect(() => callerOf({ ...BASE, email, groups: ['engineers'] })).toThrow(/usable email claim/);
  });

  it('accepts a plain address, +tag included, and lower-cases it', () => {
    expect(callerOf({ ...BASE, email: 'Carol+Prod@Example.com', groups: ['engineers'] }).email).toBe('carol+prod@example.com');
  });
});

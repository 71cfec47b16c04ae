import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { votingApprovers } from '../../shared/domain/authorization';
import { mailbox, sameMailbox } from '../../shared/domain/identity';
import { callerFromEvent } from '../../shared/http/caller';

const eventWith = (claims: Record<string, string>) =>
  ({ requestContext: { authorizer: { jwt: { claims, scopes: [] } } } }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

describe('identity', () => {

  it('treats case and plus-addressing as the same mailbox', () => {
    expect(mailbox('Carol+Prod@Example.com')).toBe('carol@example.com');
    expect(sameMailbox('carol+x@example.com', 'CAROL@example.com')).toBe(true);
    expect(sameMailbox('carol@example.com', 'carol@example.org')).toBe(false);
    expect(sameMailbox('carolyn@example.com', 'carol@example.com')).toBe(false);
  });

  it('gives a requester writing as an alias no vote on their own request', () => {
    const voters = votingApprovers({
      approverEmails: ['carol@example.com', 'dave@example.com'],
      requester: { sub: 'carol', email: 'carol+x@example.com' },
    });
    expect(voters).toEqual(['dave@example.com']);
  });

  it('requires a verified email claim by default', () => {
    const base = { sub: 'alice', email: 'Alice@Example.com', groups: '[engineers]' };
    expect(callerFromEvent(eventWith({ ...base, email_verified: 'true' }), undefined, { groupsClaim: 'groups' })).toEqual({
      sub: 'alice',
      email: 'alice@example.com',
      groups: ['engineers'],
    });
    expect(() => callerFromEvent(eventWith({ ...base, email_verified: 'false' }), undefined, { groupsClaim: 'groups' })).toThrow(/not verified/);
    expect(() => callerFromEvent(eventWith(base), undefined, { groupsClaim: 'groups' })).toThrow(/not verified/);
    // An IdP that never sends the claim can be trusted explicitly; an explicit "false" is still refused.
    const trusting = { groupsClaim: 'groups', requireVerifiedEmail: false };
    expect(callerFromEvent(eventWith(base), undefined, trusting).email).toBe('alice@example.com');
    expect(() => callerFromEvent(eventWith({ ...base, email_verified: 'false' }), undefined, trusting)).toThrow(/not verified/);
  });
});

import { describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../shared/domain/errors';
import {
  assumeRoleParameters,
  issuanceDurationSeconds,
  roleSessionName,
  sessionTags,
} from '../../shared/domain/issuance';

const NOW = new Date('2025-03-01T10:00:00.000Z');
const at = (secondsFromNow: number) => new Date(NOW.getTime() + secondsFromNow * 1000);

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('issuanceDurationSeconds', () => {
  it('uses the rest of a window shorter than an hour (chained)', () => {
    expect(issuanceDurationSeconds({ now: NOW, windowEndsAt: at(2400), roleMaxSessionSeconds: 3600, chained: true })).toBe(2400);
  });

  it('caps chained sessions at 3600 even when the window and role allow more', () => {
    expect(issuanceDurationSeconds({ now: NOW, windowEndsAt: at(4 * 3600), roleMaxSessionSeconds: 43200, chained: true })).toBe(3600);
  });

  it('lets user mode run to the role maximum of 43200 when the window is longer', () => {
    expect(issuanceDurationSeconds({ now: NOW, windowEndsAt: at(13 * 3600), roleMaxSessionSeconds: 43200, chained: false })).toBe(43200);
  });

  it('lets user mode run to the end of a window shorter than the role maximum', () => {
    expect(issuanceDurationSeconds({ now: NOW, windowEndsAt: at(5 * 3600), roleMaxSessionSeconds: 43200, chained: false })).toBe(18000);
  });

  it('stops at a role maximum of 7200 below the window', () => {
    expect(issuanceDurationSeconds({ now: NOW, windowEndsAt: at(4 * 3600), roleMaxSessionSeconds: 7200, chained: false })).toBe(7200);
  });

  it('floors fractional seconds left', () => {
    const ends = new Date(NOW.getTime() + 1_000_999);
    expect(issuanceDurationSeconds({ now: NOW, windowEndsAt: ends.toISOString(), roleMaxSessionSeconds: 3600, chained: true })).toBe(1000);
  });

  it('issues exactly 900 s when 15 minutes remain', () => {
    expect(issuanceDurationSeconds({ now: NOW, windowEndsAt: at(900), roleMaxSessionSeconds: 3600, chained: true })).toBe(900);
  });

  it('refuses with WINDOW_TOO_SHORT when under 15 minutes remain, naming the seconds left and the 900 s floor', () => {
    const error = caught(() =>
      issuanceDurationSeconds({ now: NOW, windowEndsAt: at(899), roleMaxSessionSeconds: 3600, chained: true }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe('WINDOW_TOO_SHORT');
    expect((error as ConflictError).message).toBe(
      "Only 899 s remain in the approved access window, and STS's minimum session is 900 s; request a new window",
    );
  });

  it('refuses with WINDOW_CLOSED once the window has ended', () => {
    for (const end of [at(0), at(-60)]) {
      const error = caught(() =>
        issuanceDurationSeconds({ now: NOW, windowEndsAt: end, roleMaxSessionSeconds: 3600, chained: false }),
      );
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as ConflictError).code).toBe('WINDOW_CLOSED');
    }
  });

  it('rejects a role maximum outside 900..43200 as a configuration error', () => {
    const error = caught(() =>
      issuanceDurationSeconds({ now: NOW, windowEndsAt: at(3600), roleMaxSessionSeconds: 600, chained: false }),
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('ROLE_MAX_SESSION_INVALID');
  });
});

describe('roleSessionName', () => {
  it('accepts a request id unchanged', () => {
    expect(roleSessionName('01JNKQ7R8W3V5X2Y4Z6A8B0C1D')).toBe('01JNKQ7R8W3V5X2Y4Z6A8B0C1D');
  });

  it.each([['a'], ['x'.repeat(65)], ['has space'], ["o'brien"], ['a/b']])('rejects %j', (name) => {
    const error = caught(() => roleSessionName(name));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('ROLE_SESSION_NAME_INVALID');
  });

  it('accepts the edge lengths 2 and 64 and every allowed symbol', () => {
    expect(roleSessionName('ab')).toBe('ab');
    expect(roleSessionName('a'.repeat(64))).toBe('a'.repeat(64));
    expect(roleSessionName('a_b+c=d,e.f@g-h')).toBe('a_b+c=d,e.f@g-h');
  });
});

describe('sessionTags', () => {
  it('tags the request id and the normalised requester email', () => {
    expect(sessionTags({ id: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D', requester: { sub: 's', email: ' Alice@Example.com ' } })).toEqual([
      { Key: 'request-id', Value: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D' },
      { Key: 'requester', Value: 'alice@example.com' },
    ]);
  });

  it('replaces characters tag values refuse (apostrophe) and keeps + and @', () => {
    expect(sessionTags({ id: 'r1', requester: { sub: 's', email: "O'Brien+ops@example.com" } })[1]).toEqual({
      Key: 'requester',
      Value: 'o_brien+ops@example.com',
    });
  });

  it('keeps a long email whole up to 256 characters', () => {
    const email = `${'a'.repeat(58)}@example.com`; // 70 characters
    expect(sessionTags({ id: 'r1', requester: { sub: 's', email } })[1]!.Value).toBe(email);
  });
});

describe('assumeRoleParameters', () => {
  const base = {
    request: {
      id: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D',
      roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
      requester: { sub: 'u1', email: "o'brien+ops@example.com" },
    },
    sessionPolicy: '{"Version":"2012-10-17","Statement":[]}',
    durationSeconds: 3600,
    issuer: 'chained' as const,
  };

  it('builds every parameter, with the sanitised source identity', () => {
    expect(assumeRoleParameters({ ...base, externalId: 'ext-123' })).toEqual({
      RoleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
      RoleSessionName: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D',
      Policy: '{"Version":"2012-10-17","Statement":[]}',
      DurationSeconds: 3600,
      SourceIdentity: 'o_brien+ops@example.com',
      Tags: [
        { Key: 'request-id', Value: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D' },
        { Key: 'requester', Value: 'o_brien+ops@example.com' },
      ],
      ExternalId: 'ext-123',
    });
  });

  it('leaves ExternalId out entirely when none is configured', () => {
    expect(Object.keys(assumeRoleParameters(base))).not.toContain('ExternalId');
  });

  it('cuts a 70-character email to a 64-character source identity', () => {
    const email = `${'a'.repeat(58)}@example.com`;
    const params = assumeRoleParameters({ ...base, request: { ...base.request, requester: { sub: 'u', email } } });
    expect(params.SourceIdentity).toBe(email.slice(0, 64));
    expect(params.SourceIdentity).toHaveLength(64);
  });

  it.each([
    [{ durationSeconds: 899 }, 'DURATION_OUT_OF_RANGE'],
    [{ durationSeconds: 3601 }, 'DURATION_OUT_OF_RANGE'],
    [{ durationSeconds: 43201, issuer: 'user' as const }, 'DURATION_OUT_OF_RANGE'],
    [{ durationSeconds: 1000.5 }, 'DURATION_OUT_OF_RANGE'],
    [{ sessionPolicy: `{"a":"${'x'.repeat(2100)}"}` }, 'SESSION_POLICY_TOO_LONG'],
    [{ sessionPolicy: 'not json' }, 'SESSION_POLICY_MALFORMED'],
    [{ sessionPolicy: '{"Sid":"\u2603"}' }, 'SESSION_POLICY_MALFORMED'],
    [{ externalId: 'x' }, 'EXTERNAL_ID_INVALID'],
    [{ request: { ...base.request, roleArn: 'arn:aws:iam::111:role/x' } }, 'ROLE_ARN_INVALID'],
    [{ request: { ...base.request, id: 'bad id' } }, 'ROLE_SESSION_NAME_INVALID'],
  ])('refuses %j with %s', (override, code) => {
    const error = caught(() => assumeRoleParameters({ ...base, ...override }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(code);
  });

  it('allows user mode up to 43200 s', () => {
    expect(assumeRoleParameters({ ...base, issuer: 'user', durationSeconds: 43200 }).DurationSeconds).toBe(43200);
  });

  it('never echoes a bad ExternalId in the error message', () => {
    const error = caught(() => assumeRoleParameters({ ...base, externalId: 'secret value!' })) as ValidationError;
    expect(error.message).not.toContain('secret value');
  });
});

import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors';
import type { IssueCredentialsInput } from '../../shared/ports';
import { createLocalStsStandin, LOCAL_TOKEN_MARKER } from '../../local/sts-standin';

const NOW = new Date('2025-03-01T10:00:00.000Z');
const clock = { now: () => NOW };
const POLICY = '{"Version":"2012-10-17","Statement":[{"Sid":"EC2","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}';

const input = (overrides: Partial<IssueCredentialsInput> = {}): IssueCredentialsInput => ({
  request: {
    id: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D',
    requester: { sub: 'u-1', email: 'Alice@Example.com' },
    roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
    account: '111111111111',
    services: ['ec2'],
    target: 'sandbox-readonly',
  },
  sessionPolicy: POLICY,
  durationSeconds: 1800,
  issuer: 'chained',
  ...overrides,
});

describe('local STS stand-in', () => {
  it('returns credentials clearly marked local, expiring after the duration', async () => {
    const creds = await createLocalStsStandin({ clock }).issue(input());
    expect(creds.accessKeyId).toMatch(/^ASIALOCAL[A-Z2-7]{11}$/);
    expect(creds.accessKeyId).toHaveLength(20);
    expect(creds.secretAccessKey).toHaveLength(40);
    expect(creds.sessionToken.startsWith(`${LOCAL_TOKEN_MARKER}-`)).toBe(true);
    expect(creds.expiration).toBe('2025-03-01T10:30:00.000Z');
    expect(creds.local).toBe(true);
    expect(creds.chained).toBe(true);
  });

  it('issues user-mode credentials up to 12 hours, not chained', async () => {
    const creds = await createLocalStsStandin({ clock }).issue(input({ issuer: 'user', durationSeconds: 43200 }));
    expect(creds.chained).toBe(false);
    expect(creds.expiration).toBe('2025-03-01T22:00:00.000Z');
  });

  it('gives different keys, secrets and tokens each time', async () => {
    const sts = createLocalStsStandin({ clock });
    const a = await sts.issue(input());
    const b = await sts.issue(input());
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
    expect(a.sessionToken).not.toBe(b.sessionToken);
  });

  it.each([
    [{ durationSeconds: 600 }, 'DURATION_OUT_OF_RANGE'],
    [{ durationSeconds: 7200 }, 'DURATION_OUT_OF_RANGE'],
    [{ durationSeconds: 50000, issuer: 'user' as const }, 'DURATION_OUT_OF_RANGE'],
    [{ sessionPolicy: `{"x":"${'a'.repeat(2048)}"}` }, 'SESSION_POLICY_TOO_LONG'],
    [{ request: { ...input().request, id: 'no spaces allowed' } }, 'ROLE_SESSION_NAME_INVALID'],
  ])('refuses what STS would refuse: %j -> %s', async (override, code) => {
    const error = await createLocalStsStandin({ clock }).issue(input(override)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe(code);
  });

  it('records the AssumeRole inputs per access key id, without the ExternalId value', async () => {
    const sts = createLocalStsStandin({ clock });
    const creds = await sts.issue(input({ externalId: 'ext-shared-secret' }));
    const record = sts.lastAssumeRole(creds.accessKeyId);
    expect(record).toEqual({
      accessKeyId: creds.accessKeyId,
      roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
      account: '111111111111',
      target: 'sandbox-readonly',
      roleSessionName: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D',
      sourceIdentity: 'alice@example.com',
      sessionPolicy: POLICY,
      durationSeconds: 1800,
      tags: [
        { Key: 'request-id', Value: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D' },
        { Key: 'requester', Value: 'alice@example.com' },
      ],
      externalIdSent: true,
      issuer: 'chained',
      services: ['ec2'],
      issuedAt: '2025-03-01T10:00:00.000Z',
      expiration: '2025-03-01T10:30:00.000Z',
    });
    expect(JSON.stringify(record)).not.toContain('ext-shared-secret');
    expect(sts.lastAssumeRole('ASIALOCALUNKNOWN000')).toBeUndefined();
  });

  it('forgets the oldest records beyond its limit', async () => {
    const sts = createLocalStsStandin({ clock, maxRecords: 2 });
    const a = await sts.issue(input());
    const b = await sts.issue(input());
    const c = await sts.issue(input());
    expect(sts.lastAssumeRole(a.accessKeyId)).toBeUndefined();
    expect(sts.lastAssumeRole(b.accessKeyId)?.accessKeyId).toBe(b.accessKeyId);
    expect(sts.lastAssumeRole(c.accessKeyId)?.accessKeyId).toBe(c.accessKeyId);
  });

  it('refuses a session that a deny on the role covers with AccessDenied, mapped as the real adapter maps STS', async () => {
    const denied = new Set(['01JNKQ7R8W3V5X2Y4Z6A8B0C1D']);
    const sts = createLocalStsStandin({ clock, isSessionDenied: (roleArn, session) => roleArn === input().request.roleArn && denied.has(session) });
    await expect(sts.issue(input())).rejects.toMatchObject({ kind: 'upstream', code: 'TARGET_ROLE_ACCESS_DENIED', name: 'Broker.Upstream' });
    const other = input({ request: { ...input().request, id: '01JNKQ7R8W3V5X2Y4Z6A8B0C1E' } });
    await expect(sts.issue(other)).resolves.toMatchObject({ local: true });
  });
});

import { describe, expect, it } from 'vitest';
import { SESSION_DENY_FAILED } from '../../../shared/alerts/session-deny-alarm';
import type { Caller } from '../../../shared/domain/identity';
import { SESSION_DENY_POLICY_NAME } from '../../../shared/domain/session-deny';
import { getCredentials } from '../../../shared/usecases/get-credentials';
import { revokeRequest } from '../../../shared/usecases/revoke-request';
import { settleRequest } from '../../../shared/usecases/settle-request';
import { CALLERS, FAKE_NOW, aRequest, fakePorts, type FakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000REVK';
const ROLE = 'arn:aws:iam::111111111111:role/sandbox-readonly';
const sam: Caller = { sub: 'sam', email: 'sam@example.com', groups: ['security'] };
const active = (extra = {}) =>
  aRequest({ id: ID, status: 'ACTIVE', startsAt: FAKE_NOW, expiresAt: '2030-01-01T10:00:00.000Z', approvals: [{ by: 'carol@example.com', decision: 'approve', at: FAKE_NOW }], ...extra });
const storedCredentials = { requestId: ID, sealed: { encryptedKey: 'k', iv: ID, ciphertext: 'Yw==', tag: 't', keyId: 'fake' }, expiration: '2030-01-01T10:00:00.000Z', issuedAt: FAKE_NOW, chained: true };

/** The userid patterns the role's deny lists. */
function deniedSessions(ports: FakePorts, roleArn = ROLE): string[] {
  const doc = ports.iam.view().roles[roleArn]?.inlinePolicies[SESSION_DENY_POLICY_NAME] as { Statement: { Condition: { StringLike: { 'aws:userid': string[] } } }[] } | undefined;
  return doc ? doc.Statement.flatMap((s) => s.Condition.StringLike['aws:userid']) : [];
}

describe('revokeRequest', () => {
  it.each<[string, Caller, string | undefined]>([
    ['the requester, without a reason', CALLERS.alice, undefined],
    ['an approver, with a reason', CALLERS.dave, 'incident closed'],
    ['an operator, with a reason', sam, 'suspicious use'],
  ])('ACTIVE, by %s: REVOKED, session denied, credentials deleted, the hold resumed, everyone told', async (_name, caller, reason) => {
    const ports = fakePorts({ requests: [active()], taskTokens: { [ID]: 'hold-token' }, credentials: [storedCredentials] });

    const revoked = await revokeRequest(ports, caller, ID, reason);

    expect(revoked.status).toBe('REVOKED');
    expect(ports.recorded.writes).toEqual([
      {
        id: ID,
        from: 'ACTIVE',
        to: 'REVOKED',
        set: { status: 'REVOKED' },
        append: [{ at: FAKE_NOW, type: 'revoked', by: caller.email, ...(reason ? { detail: reason } : {}) }],
        taskToken: null,
      },
    ]);
    // Window end 10:00 + 15 min console margin, then the policy's 5 min margin rounded up to its bucket.
    expect(ports.recorded.sessionsEnded).toEqual([{ roleArn: ROLE, entries: [{ requestId: ID, until: new Date('2030-01-01T10:15:00.000Z') }], at: FAKE_NOW }]);
    expect(deniedSessions(ports)).toEqual([`*:${ID}`]);
    expect(ports.iam.isSessionDenied(ROLE, ID)).toBe(true);
    expect(ports.iam.isSessionDenied(ROLE, '01J0000000000000000000ABCD')).toBe(false);
    expect(ports.storedCredentials(ID)).toBeUndefined();
    expect(ports.recorded.waitsResumed).toEqual([{ taskToken: 'hold-token', output: { outcome: 'revoked' } }]);
    expect(ports.storedTaskToken(ID)).toBeUndefined();
    const told = ports.recorded.published.map((m) => [m.topic, m.attributes.requester ?? m.attributes.approver, m.attributes.event]);
    expect(told).toEqual([
      ['notifications', 'alice@example.com', 'revoked'],
      ['approvals', 'carol@example.com', 'revoked'],
      ['approvals', 'dave@example.com', 'revoked'],
    ]);
    const requesterMail = ports.recorded.published[0]!.message;
    expect(requesterMail).toContain(`Revoked by ${caller.email}.`);
    if (reason) expect(requesterMail).toContain(`> ${reason}`);
  });

  it('APPROVED (nothing issued yet): REVOKED, no deny written; the answered approval token is left alone', async () => {
    const ports = fakePorts({ requests: [aRequest({ id: ID, status: 'APPROVED' })], taskTokens: { [ID]: 'approval-token' } });
    ports.closeToken('approval-token');
    await expect(revokeRequest(ports, CALLERS.alice, ID)).resolves.toMatchObject({ status: 'REVOKED' });
    expect(ports.recorded.sessionsEnded).toEqual([]);
    expect(deniedSessions(ports)).toEqual([]);
    expect(ports.recorded.waitsResumed).toEqual([]);
    expect(ports.recorded.aborted).toEqual([]);
    expect(ports.recorded.logs.map((l) => l.msg)).toContain('the approval wait had already ended');
  });

  it('APPROVED with its decision never delivered: the still-open approval wait is ended as a cancel, never resumed as a hold', async () => {
    const ports = fakePorts({ requests: [aRequest({ id: ID, status: 'APPROVED' })], taskTokens: { [ID]: 'approval-token' } });
    await expect(revokeRequest(ports, CALLERS.carol, ID, 'Approved by mistake, withdrawn')).resolves.toMatchObject({ status: 'REVOKED' });
    expect(ports.recorded.aborted).toEqual([{ taskToken: 'approval-token', error: 'Broker.Cancelled', cause: 'Revoked by carol@example.com' }]);
    expect(ports.recorded.waitsResumed).toEqual([]);
  });

  it.each<[string, Caller, string | undefined, string]>([
    ['a stranger', CALLERS.mallory, 'x', 'NOT_FOUND'],
    ['an approver-group member only', CALLERS.erin, 'x', 'NOT_A_REVOKER'],
    ['an approver without a reason', CALLERS.dave, undefined, 'VALIDATION_FAILED'],
  ])('refused: %s (%s), nothing written or cut', async (_name, caller, reason, code) => {
    const ports = fakePorts({ requests: [active()], taskTokens: { [ID]: 'hold-token' }, credentials: [storedCredentials] });
    await expect(revokeRequest(ports, caller, ID, reason)).rejects.toMatchObject({ code });
    expect(ports.recorded.writes).toEqual([]);
    expect(ports.recorded.sessionsEnded).toEqual([]);
    expect(ports.storedCredentials(ID)).toBeDefined();
    expect(ports.recorded.waitsResumed).toEqual([]);
  });

  it.each(['EXPIRED', 'REVOKED', 'FAILED', 'CANCELLED'] as const)('already %s: 409 ALREADY_ENDED', async (status) => {
    const ports = fakePorts({ requests: [active({ status })] });
    await expect(revokeRequest(ports, CALLERS.alice, ID)).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
    expect(ports.recorded.writes).toEqual([]);
  });

  it('a revoke racing the expiry loses when the expiry is written first: 409, one final status, no second deny', async () => {
    const ports = fakePorts({ requests: [active()] });
    ports.raceNextUpdate(ID, (r) => {
      r.status = 'EXPIRED';
    });
    await expect(revokeRequest(ports, CALLERS.alice, ID)).rejects.toMatchObject({ code: 'ALREADY_ENDED' });
    expect(ports.stored(ID)?.status).toBe('EXPIRED');
    expect(ports.recorded.writes).toEqual([]);
    expect(ports.recorded.sessionsEnded).toEqual([]);
  });

  it('when the deny cannot be written the grant still ends, with a CRITICAL session-deny-failed alarm naming the session', async () => {
    const ports = fakePorts({ requests: [active()], credentials: [storedCredentials] });
    ports.failures.endSessions = Object.assign(new Error('IAM refused PutRolePolicy'), { name: 'Broker.Upstream' });
    await expect(revokeRequest(ports, CALLERS.alice, ID)).resolves.toMatchObject({ status: 'REVOKED' });
    const alarm = ports.recorded.published.find((m) => m.topic === 'alarms');
    expect(alarm?.attributes).toEqual({ severity: 'CRITICAL', classification: SESSION_DENY_FAILED, roleArn: ROLE, requestId: ID, source: 'broker' });
    expect(alarm?.subject.startsWith('[CRITICAL] Sessions not cut')).toBe(true);
    expect(alarm?.message).toContain(`StringLike aws:userid "*:${ID}"`);
    expect(alarm?.message).toContain('2030-01-01T10:15:00.000Z');
    expect(ports.storedCredentials(ID)).toBeUndefined();
    expect(ports.recorded.logs.find((l) => l.msg === 'sessions could not be cut')?.level).toBe('error');
  });

  it('fails closed: if the alarm cannot be published either, the revoke reports the failure (REVOKED is written)', async () => {
    const ports = fakePorts({ requests: [active()] });
    ports.failures.endSessions = new Error('IAM down');
    ports.failures.publish = new Error('SNS down');
    await expect(revokeRequest(ports, CALLERS.alice, ID)).rejects.toThrow('SNS down');
    expect(ports.stored(ID)?.status).toBe('REVOKED');
  });
});

describe('expiry writes the same deny (the strict window)', () => {
  it('EXPIRED: the session is denied until its last credential and console session are over; credentials deleted', async () => {
    const ports = fakePorts({ requests: [active()], credentials: [storedCredentials], now: '2030-01-01T10:00:00.000Z' });
    await settleRequest(ports, { requestId: ID, outcome: 'EXPIRED' });
    expect(ports.stored(ID)?.status).toBe('EXPIRED');
    expect(ports.recorded.sessionsEnded).toEqual([
      { roleArn: ROLE, entries: [{ requestId: ID, until: new Date('2030-01-01T10:30:00.000Z') }], at: '2030-01-01T10:00:00.000Z' },
    ]);
    expect(deniedSessions(ports)).toEqual([`*:${ID}`]);
    // A retried settle writes the deny again: idempotent.
    await settleRequest(ports, { requestId: ID, outcome: 'EXPIRED' });
    expect(ports.recorded.sessionsEnded).toHaveLength(2);
    expect(deniedSessions(ports)).toEqual([`*:${ID}`]);
  });

  it('an expiry that finds the grant already REVOKED writes nothing and cuts nothing more', async () => {
    const ports = fakePorts({ requests: [active({ status: 'REVOKED' })] });
    await expect(settleRequest(ports, { requestId: ID, outcome: 'EXPIRED' })).resolves.toEqual({ status: 'REVOKED', changed: false });
    expect(ports.recorded.sessionsEnded).toEqual([]);
  });

  it('prunes: a later deny on the same role drops entries whose credentials have all expired', async () => {
    const other = '01J0000000000000000000ABCD';
    const ports = fakePorts({ requests: [active(), active({ id: other })], now: '2030-01-01T10:00:00.000Z' });
    await settleRequest(ports, { requestId: ID, outcome: 'EXPIRED' });
    expect(deniedSessions(ports)).toEqual([`*:${ID}`]);
    ports.clock.set('2030-01-01T10:40:00.000Z');
    // ID's entry is kept until 10:30 + the 5-minute skew margin, rounded up to 10:45.
    await settleRequest(ports, { requestId: other, outcome: 'EXPIRED' });
    expect(deniedSessions(ports).sort()).toEqual([`*:${ID}`, `*:${other}`].sort());
    ports.clock.set('2030-01-01T10:46:00.000Z');
    await revokeRequest(ports, CALLERS.alice, ID).catch(() => undefined);
    await settleRequest(ports, { requestId: other, outcome: 'EXPIRED' });
    expect(deniedSessions(ports)).toEqual([`*:${other}`]);
  });
});

describe('entitlement follows the person (credential retrieval)', () => {
  it('a requester who left the requester groups gets 403 and the grant is revoked (entitlement-lost, sessions cut)', async () => {
    const ports = fakePorts({ requests: [active()], taskTokens: { [ID]: 'hold-token' }, credentials: [storedCredentials] });
    const leftGroup: Caller = { ...CALLERS.alice, groups: ['contractors'] };
    await expect(getCredentials(ports, leftGroup, ID, 'json')).rejects.toMatchObject({ kind: 'forbidden', code: 'ENTITLEMENT_LOST' });
    const stored = ports.stored(ID)!;
    expect(stored.status).toBe('REVOKED');
    expect(stored.history.at(-2)).toMatchObject({ type: 'revoked', by: 'access-broker', detail: 'entitlement-lost' });
    expect(deniedSessions(ports)).toEqual([`*:${ID}`]);
    expect(ports.storedCredentials(ID)).toBeUndefined();
    expect(ports.recorded.waitsResumed).toEqual([{ taskToken: 'hold-token', output: { outcome: 'revoked' } }]);
    expect(ports.recorded.issued).toEqual([]);
    expect(ports.recorded.signIns).toEqual([]);
  });

  it('a target removed from the catalogue: 403 and revoked', async () => {
    const ports = fakePorts({ requests: [active()], credentials: [storedCredentials] });
    ports.catalogue.targets = ports.catalogue.targets.filter((t) => t.id !== 'sandbox-readonly');
    await expect(getCredentials(ports, CALLERS.alice, ID, 'json')).rejects.toMatchObject({ code: 'ENTITLEMENT_LOST' });
    expect(ports.stored(ID)?.status).toBe('REVOKED');
  });

  it('still entitled: credentials as before, nothing revoked', async () => {
    const ports = fakePorts({ requests: [active()] });
    await expect(getCredentials(ports, CALLERS.alice, ID, 'json')).resolves.toMatchObject({ requestId: ID });
    expect(ports.stored(ID)?.status).toBe('ACTIVE');
    expect(ports.recorded.sessionsEnded).toEqual([]);
  });
});

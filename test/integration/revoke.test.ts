/**
 * Ending access for real, end to end through the local HTTP server: approve -> ACTIVE -> revoke
 * (by the requester, an approver, an operator; refused for others) -> REVOKED, credentials 409,
 * the ended-sessions deny on the target role for that session only (GET /_local/iam), the
 * workflow ending in "Access revoked"; the natural expiry writing the same deny; pruning; 50
 * concurrent revokes racing the expiry; a requester who left the group losing the grant.
 *
 * Time: a movable clock whose timer ends the end-of-access hold only when a test advances it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_DENY_POLICY_NAME } from '../../shared/domain/session-deny';
import { StateName } from '../../shared/workflow/state-machine';
import { movableClock, startTestBroker, type Person, type TestBroker } from '../helpers/broker';

const ROLE = 'arn:aws:iam::111111111111:role/BrokerReadOnly';
const REQUEST = { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '1h', reason: 'Investigating INC-4411 latency', ticket: 'INC-4411' };
const MINUTE_MS = 60_000;

describe('revoking and ending access (local mode)', () => {
  let t: TestBroker;
  const time = movableClock();
  let operatorToken: string;
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
    operatorToken = await t.broker.token({ sub: 'sam', email: 'sam@example.com', groups: ['security'] });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  /** alice asks, carol approves by her link; resolves once the end-of-access hold holds the window. */
  async function activeRequest(body: Record<string, unknown> = REQUEST): Promise<{ id: string; executionArn: string }> {
    const created = await t.call('POST', '/requests', { as: 'alice', json: body });
    expect(created.status, created.text).toBe(201);
    const { id, executionArn } = created.body.request as { id: string; executionArn: string };
    const link = await t.linkFor(id, 'carol@example.com');
    const decided = await t.call('POST', new URL(link).pathname, { json: { decision: 'approve' } });
    expect(decided.status, decided.text).toBe(200);
    await t.waitForRequest(id, (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'issued'));
    await t.held(id);
    return { id, executionArn };
  }
  const revoke = (id: string, who: { as?: Person; token?: string }, reason?: string) =>
    t.call('POST', `/requests/${id}/revoke`, { ...who, json: reason === undefined ? {} : { reason } });
  /** The request ids the role's AccessBrokerEndedSessions denies, from GET /_local/iam. */
  async function deniedOn(roleArn = ROLE): Promise<string[]> {
    const res = await t.call('GET', '/_local/iam');
    expect(res.status).toBe(200);
    const policy = res.body.roles[roleArn]?.inlinePolicies[SESSION_DENY_POLICY_NAME];
    if (!policy) return [];
    return policy.Statement.flatMap((s: { Condition: { StringLike: { 'aws:userid': string[] } } }) => s.Condition.StringLike['aws:userid']).map((u: string) => u.replace(/^\*:/, ''));
  }

  it('GET /_local/iam lists the catalogue target roles and their inline policies', async () => {
    const res = await t.call('GET', '/_local/iam');
    expect(res.status).toBe(200);
    // Sorted; an account-set target's role in each account of its set.
    expect(Object.keys(res.body.roles)).toEqual([
      'arn:aws:iam::111111111111:role/BrokerReadOnly',
      'arn:aws:iam::222222222222:role/BreakGlassAdmin',
      'arn:aws:iam::222222222222:role/BrokerReadOnly',
      'arn:aws:iam::333333333333:role/TeamReadOnly',
      'arn:aws:iam::444444444444:role/TeamReadOnly',
    ]);
    expect(res.body.roles[ROLE]).toEqual({ inlinePolicies: {} });
  });

  it.each<[string, { as?: Person; token?: string } | 'operator', string | undefined]>([
    ['the requester, no reason needed', { as: 'alice' }, undefined],
    ['an approver, with a reason', { as: 'dave' }, 'Incident INC-4411 is closed'],
    ['an operator of the security group, with a reason', 'operator', 'Unexpected activity from this session'],
  ])('revoked by %s: REVOKED, credentials 409, the deny covers that session only, the workflow ends in Access revoked', async (_name, who, reason) => {
    const bystander = await activeRequest();
    const { id, executionArn } = await activeRequest();
    expect((await t.call('GET', `/requests/${id}/credentials`, { as: 'alice' })).status).toBe(200);

    const res = await revoke(id, who === 'operator' ? { token: operatorToken } : who, reason);
    expect(res.status, res.text).toBe(200);
    expect(res.body.request.status).toBe('REVOKED');
    const by = who === 'operator' ? 'sam@example.com' : `${who.as}@example.com`;
    expect(res.body.request.history.at(-1)).toMatchObject({ type: 'revoked', by, ...(reason ? { detail: reason } : {}) });

    const creds = await t.call('GET', `/requests/${id}/credentials`, { as: 'alice' });
    expect(creds.status).toBe(409);
    expect(creds.body.error.code).toBe('NOT_ACTIVE');
    const denied = await deniedOn();
    expect(denied).toContain(id);
    expect(denied).not.toContain(bystander.id);
    expect(t.broker.iam.isSessionDenied(ROLE, id)).toBe(true);
    expect(t.broker.iam.isSessionDenied(ROLE, bystander.id)).toBe(false);
    expect((await t.call('GET', `/requests/${bystander.id}/credentials`, { as: 'alice' })).status).toBe(200);

    const execution = await t.broker.workflow.whenSettled(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered.slice(-3)).toEqual([StateName.HOLD_OUTCOME_CHOICE, StateName.REVIEW_AFTER_REVOKE_CHOICE, StateName.ACCESS_REVOKED]);
    const mails = t.broker.outbox.messages().filter((m) => m.attributes.requestId === id && m.attributes.event === 'revoked');
    expect(mails.map((m) => m.attributes.requester ?? m.attributes.approver).sort()).toEqual(['alice@example.com', 'carol@example.com', 'dave@example.com']);
    // A second revoke: 409, nothing changes.
    const again = await revoke(id, { as: 'alice' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_ENDED');
    await revoke(bystander.id, { as: 'alice' });
  });

  it('others: 404 for strangers (existence not revealed), 403 for an approver-group member, 400 naming reason for an approver without one', async () => {
    const { id } = await activeRequest();
    for (const who of ['mallory', 'bob'] as const) {
      const res = await revoke(id, { as: who }, 'Because I want it stopped');
      expect(res.status, who).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const unknown = await revoke('01J00000000000000000000000', { as: 'mallory' }, 'Because I want it stopped');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('Request 01J00000000000000000000000 not found');
    const erin = await revoke(id, { as: 'erin' }, 'Because I want it stopped');
    expect(erin.status).toBe(403);
    expect(erin.body.error.code).toBe('NOT_A_REVOKER');
    const noReason = await revoke(id, { as: 'dave' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details).toEqual([expect.objectContaining({ field: 'reason', rule: 'required' })]);
    expect((await t.call('GET', `/requests/${id}`, { as: 'alice' })).body.request.status).toBe('ACTIVE');
    expect(await deniedOn()).not.toContain(id);
    // An operator may read any request.
    expect((await t.call('GET', `/requests/${id}`, { token: operatorToken })).status).toBe(200);
    await revoke(id, { as: 'alice' });
  });

  it('revoked right as it is approved: REVOKED either way; issued nothing if it was still APPROVED', async () => {
    const created = await t.call('POST', '/requests', { as: 'alice', json: REQUEST });
    const { id, executionArn } = created.body.request as { id: string; executionArn: string };
    const link = await t.linkFor(id, 'carol@example.com');
    await t.call('GET', `/requests/${id}`, { as: 'alice' });
    expect((await t.call('POST', new URL(link).pathname, { json: { decision: 'approve' } })).status).toBe(200);
    // The workflow is issuing (or about to): the conditional writes decide which comes first.
    const revoked = await revoke(id, { as: 'carol' }, 'Approved by mistake, withdrawn');
    expect(revoked.status, revoked.text).toBe(200);
    const execution = await t.broker.workflow.whenSettled(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    const final = (await t.call('GET', `/requests/${id}`, { as: 'alice' })).body.request;
    expect(final.status).toBe('REVOKED');
    const issued = final.history.some((h: { type: string }) => h.type === 'issued');
    if (issued) {
      expect(await deniedOn()).toContain(id);
    } else {
      // Revoked while APPROVED: issuing found it closed and issued nothing, so nothing to deny.
      expect(execution.statesEntered.at(-1)).toBe(StateName.REQUEST_ALREADY_CLOSED);
      expect(await deniedOn()).not.toContain(id);
    }
  });

  it('natural expiry writes the same deny (the strict window), and a later write prunes it after the last credential', async () => {
    const { id, executionArn } = await activeRequest({ ...REQUEST, duration: '15m' });
    await time.advance(15 * MINUTE_MS);
    expect((await t.broker.workflow.whenSettled(executionArn)).statesEntered.slice(-3)).toEqual([StateName.EXPIRE_ACCESS, StateName.REVIEW_CHOICE, StateName.ACCESS_EXPIRED]);
    await t.waitForRequest(id, (r) => r.status === 'EXPIRED');
    expect(await deniedOn()).toContain(id);
    expect(t.broker.iam.isSessionDenied(ROLE, id)).toBe(true);

    // No credential of it outlives the window end + 15 min (+ 15 min console, + 5 min margin,
    // rounded up to a 15-minute bucket): an hour later, the next write on the role drops it.
    await time.advance(60 * MINUTE_MS);
    const next = await activeRequest();
    expect(await deniedOn()).toContain(id);
    const revokedNext = await revoke(next.id, { as: 'alice' });
    expect(revokedNext.status, revokedNext.text).toBe(200);
    const after = await deniedOn();
    expect(after).not.toContain(id);
    expect(after).toContain(next.id);
  });

  it('50 concurrent revokes racing the expiry: exactly one final status, at most one revoke succeeds', async () => {
    const { id, executionArn } = await activeRequest({ ...REQUEST, duration: '15m' });
    const who: { as?: Person; token?: string }[] = [{ as: 'alice' }, { as: 'carol' }, { as: 'dave' }, { token: operatorToken }];
    const expiry = time.advance(15 * MINUTE_MS);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => revoke(id, who[i % who.length]!, 'Racing the expiry on purpose')));
    await expiry;
    await t.broker.workflow.whenSettled(executionArn);
    const final = await t.waitForRequest(id, (r) => r.status === 'REVOKED' || r.status === 'EXPIRED');
    const ok = results.filter((r) => r.status === 200);
    expect(results.every((r) => r.status === 200 || (r.status === 409 && r.body.error.code === 'ALREADY_ENDED')), results.map((r) => r.text).join('\n')).toBe(true);
    expect(ok.length).toBe(final.status === 'REVOKED' ? 1 : 0);
    const endings = final.history.filter((h: { type: string }) => h.type === 'revoked' || h.type === 'expired');
    expect(endings).toHaveLength(1);
    expect(endings[0].type).toBe(final.status === 'REVOKED' ? 'revoked' : 'expired');
    expect(await deniedOn()).toContain(id);
  });

  it('a requester removed from the group: retrieval 403 and the grant revoked (entitlement-lost, session denied)', async () => {
    const { id, executionArn } = await activeRequest();
    const leftGroup = await t.broker.token({ sub: 'alice', email: 'alice@example.com', groups: ['contractors'] });
    const res = await t.call('GET', `/requests/${id}/credentials`, { token: leftGroup });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ENTITLEMENT_LOST');
    expect(res.text).not.toMatch(/ASIALOCAL|secretAccessKey/);
    const revoked = await t.waitForRequest(id, (r) => r.status === 'REVOKED');
    expect(revoked.history.find((h: { type: string }) => h.type === 'revoked')).toMatchObject({ by: 'access-broker', detail: 'entitlement-lost' });
    expect(await deniedOn()).toContain(id);
    expect((await t.broker.workflow.whenSettled(executionArn)).statesEntered.at(-1)).toBe(StateName.ACCESS_REVOKED);
    // Even back in the group, nothing more: the grant is over.
    expect((await t.call('GET', `/requests/${id}/credentials`, { as: 'alice' })).status).toBe(409);
  });
});

import { describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/domain/identity';
import {
  assertRevocable,
  canRead,
  endedSessionUntil,
  judgeRevoke,
  lostEntitlement,
  revokerOf,
  type Revoker,
} from '../../shared/domain/revocation';
import { ALL_STATUSES, type RequestStatus } from '../../shared/domain/status';
import { CALLERS, aRequest } from '../helpers/fake-ports';

const OPERATORS = ['security'];
const sam: Caller = { sub: 'sam', email: 'sam@example.com', groups: ['security'] };
const request = (status: RequestStatus = 'ACTIVE') => aRequest({ id: '01J0000000000000000000REVK', status });

describe('revokerOf: who may revoke', () => {
  it.each<[string, Caller, Revoker | undefined]>([
    ['the requester (by sub)', CALLERS.alice, 'requester'],
    ['the requester under another email still by sub', { ...CALLERS.alice, email: 'alice.new@example.com' }, 'requester'],
    ['an approver of the request (by email)', CALLERS.dave, 'approver'],
    ['an approver by another alias of the same mailbox', { sub: 'dave-2', email: 'Dave+oncall@Example.com', groups: [] }, 'approver'],
    ['a member of an operator group', sam, 'operator'],
    ['a member of an approver group who is not an approver by email', CALLERS.erin, undefined],
    ['a stranger', CALLERS.mallory, undefined],
    ['another engineer', CALLERS.bob, undefined],
  ])('%s', (_name, caller, expected) => {
    expect(revokerOf(request(), caller, OPERATORS)).toBe(expected);
  });

  it('operators read every request; approver-group members read theirs; strangers nothing', () => {
    expect(canRead(request(), sam, OPERATORS)).toBe(true);
    expect(canRead(request(), sam, [])).toBe(false);
    expect(canRead(request(), CALLERS.erin, OPERATORS)).toBe(true);
    expect(canRead(request(), CALLERS.mallory, OPERATORS)).toBe(false);
  });
});

describe('judgeRevoke', () => {
  it.each<[string, Caller, string | undefined, string]>([
    ['a stranger: 404, existence not revealed', CALLERS.mallory, 'because', 'NOT_FOUND'],
    ['a stranger even with a reason and on an ended request: 404 first', CALLERS.bob, 'because I said so', 'NOT_FOUND'],
    ['an approver-group member who may read it: 403', CALLERS.erin, 'because', 'NOT_A_REVOKER'],
    ['an approver without a reason: 400 naming reason', CALLERS.dave, undefined, 'VALIDATION_FAILED'],
    ['an operator without a reason: 400 naming reason', sam, undefined, 'VALIDATION_FAILED'],
  ])('%s', (_name, caller, reason, code) => {
    expect(() => judgeRevoke(request(), caller, OPERATORS, reason)).toThrow(expect.objectContaining({ code }));
  });

  it('names the field and the rule when a reason is missing', () => {
    expect(() => judgeRevoke(request(), CALLERS.dave, OPERATORS, undefined)).toThrow(
      expect.objectContaining({ kind: 'validation', details: [expect.objectContaining({ field: 'reason', rule: 'required' })] }),
    );
  });

  it.each<[Caller, string | undefined, Revoker]>([
    [CALLERS.alice, undefined, 'requester'],
    [CALLERS.alice, "I'm done", 'requester'],
    [CALLERS.dave, 'incident closed', 'approver'],
    [sam, 'suspicious activity', 'operator'],
  ])('%o with reason %s revokes as %s', (caller, reason, as) => {
    expect(judgeRevoke(request('ACTIVE'), caller, OPERATORS, reason)).toBe(as);
    expect(judgeRevoke(request('APPROVED'), caller, OPERATORS, reason)).toBe(as);
  });

  it.each(ALL_STATUSES)('from %s: only ACTIVE and APPROVED can be revoked', (status) => {
    const code = ['ACTIVE', 'APPROVED'].includes(status) ? undefined : status === 'PENDING' ? 'NOT_REVOCABLE' : 'ALREADY_ENDED';
    const run = () => assertRevocable(request(status));
    if (code) expect(run).toThrow(expect.objectContaining({ kind: 'conflict', code }));
    else expect(run).not.toThrow();
  });
});

describe('endedSessionUntil: how long an ended session stays denied', () => {
  const now = new Date('2030-01-01T09:00:00.000Z');
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  it.each<[string, string | undefined, string]>([
    ['revoked early: the window end + 15 min (console sessions)', at(120), at(135)],
    ['at the window end: now + 15 min (a last credential) + 15 min', at(0), at(30)],
    ['near the end: a credential issued now lasts at least 15 min', at(5), at(30)],
    ['no window (never issued): now + 30 min', undefined, at(30)],
    ['a 12 h window revoked at once: capped at STS maximum of 12 h', at(720), at(720)],
  ])('%s', (_name, windowEndsAt, expected) => {
    expect(endedSessionUntil(windowEndsAt, now).toISOString()).toBe(expected);
  });
});

describe('lostEntitlement: entitlement follows the person', () => {
  const target = { requesterGroups: ['engineers'] };
  it.each<[string, Caller, typeof target | undefined, string | undefined]>([
    ['still in the group, same mailbox', CALLERS.alice, target, undefined],
    ['same mailbox in another case and with a +tag', { ...CALLERS.alice, email: 'Alice+x@example.com' }, target, undefined],
    ['left the requester groups', { ...CALLERS.alice, groups: ['contractors'] }, target, 'the requester is no longer in a requester group of sandbox-readonly'],
    ['email changed', { ...CALLERS.alice, email: 'someone@example.com' }, target, "the caller's email is no longer the requester's"],
    ['target removed from the catalogue', CALLERS.alice, undefined, 'target sandbox-readonly is no longer in the catalogue'],
  ])('%s', (_name, caller, t, expected) => {
    expect(lostEntitlement(request(), t, caller)).toBe(expected);
  });

  const glassTarget = { requesterGroups: ['engineers'], breakGlass: { maxDurationSeconds: 3600, requireTicket: true, reviewWithinSeconds: 86400, requesterGroups: ['oncall'] } };
  it.each<[string, Caller, Parameters<typeof lostEntitlement>[1], string | undefined]>([
    ['break-glass: still on call', { ...CALLERS.alice, groups: ['oncall'] }, glassTarget, undefined],
    ['break-glass: left the break-glass groups (a requester group is not enough)', CALLERS.alice, glassTarget, 'the requester is no longer in a break-glass group of sandbox-readonly'],
    ['break-glass: the target no longer allows it', { ...CALLERS.alice, groups: ['oncall'] }, { requesterGroups: ['engineers', 'oncall'] }, 'target sandbox-readonly no longer allows break-glass access'],
  ])('%s', (_name, caller, t, expected) => {
    expect(lostEntitlement({ ...request(), breakGlass: true }, t, caller)).toBe(expected);
  });
});

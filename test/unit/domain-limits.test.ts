import { describe, expect, it } from 'vitest';
import {
  CLAIM_GRACE_MS,
  assertOpenRequestsAllowed,
  autoApprovalBlockedUntil,
  claimHolds,
  submissionRateError,
  submissionWindow,
} from '../../shared/domain/limits';
import { RequestStatus } from '../../shared/domain/status';

const NOW = new Date('2030-01-01T10:20:30.000Z');
const claimedAgo = (ms: number) => ({ requestId: 'r', at: new Date(NOW.getTime() - ms).toISOString() });

describe('what a claimed slot holds', () => {
  it.each([
    [RequestStatus.PENDING, 0, 'pending'],
    [RequestStatus.APPROVED, 0, 'pending'],
    [RequestStatus.ACTIVE, 0, 'active'],
    [RequestStatus.EXPIRED, 0, undefined],
    [RequestStatus.DENIED, 0, undefined],
    [RequestStatus.CANCELLED, 0, undefined],
    [RequestStatus.TIMED_OUT, 0, undefined],
    [RequestStatus.FAILED, 0, undefined],
    [RequestStatus.REVOKED, 0, undefined],
    [undefined, 0, 'pending'],
    [undefined, CLAIM_GRACE_MS - 1, 'pending'],
    [undefined, CLAIM_GRACE_MS, undefined],
  ])('request %s, claimed %d ms ago: %s', (status, ago, holds) => {
    expect(claimHolds(claimedAgo(ago), status, NOW)).toBe(holds);
  });
});

describe('open-request limits (1 ACTIVE + 2 pending)', () => {
  const limits = { active: 1, pending: 2 };
  it.each([
    [0, 0, undefined],
    [1, 0, undefined],
    [1, 1, undefined],
    [0, 1, undefined],
    [2, 0, 'the limit is 2 pending (PENDING or APPROVED) per requester and target'],
    [2, 1, 'the limit is 2 pending'],
    [1, 2, 'the limit is 3 open (1 ACTIVE + 2 pending) per requester and target'],
    [0, 3, 'the limit is 3 open'],
  ])('%d pending + %d active held: %s', (pending, active, refusal) => {
    const check = () => assertOpenRequestsAllowed({ pending, active }, limits, 'sandbox-readonly');
    if (refusal === undefined) expect(check).not.toThrow();
    else expect(check).toThrow(expect.objectContaining({ code: 'LIMIT_OPEN_REQUESTS', kind: 'conflict', message: expect.stringContaining(refusal) }));
  });
});

describe('submission windows', () => {
  it.each([
    [{ count: 10, periodSeconds: 3600 }, '2030-01-01T10:00:00.000Z', '2030-01-01T11:00:00.000Z', 2370],
    [{ count: 3, periodSeconds: 60 }, '2030-01-01T10:20:00.000Z', '2030-01-01T10:21:00.000Z', 30],
    [{ count: 1, periodSeconds: 86_400 }, '2030-01-01T00:00:00.000Z', '2030-01-02T00:00:00.000Z', 49_170],
  ])('%j: window %s to %s, retry after %d s', (rate, start, endsAt, retryAfterSeconds) => {
    expect(submissionWindow(NOW, rate)).toEqual({ start, endsAt, retryAfterSeconds });
  });

  it('the refusal is a 429 kind naming the limit and its value, with Retry-After seconds', () => {
    const rate = { count: 10, periodSeconds: 3600 };
    const e = submissionRateError(rate, submissionWindow(NOW, rate));
    expect(e).toMatchObject({ kind: 'rate-limited', code: 'LIMIT_SUBMISSION_RATE', retryAfterSeconds: 2370 });
    expect(e.message).toBe('Too many requests submitted: the limit is 10 per 1h per requester; try again after 2030-01-01T11:00:00.000Z.');
  });
});

describe('auto-approval cool-down', () => {
  it.each([
    [3600, 3600, '2030-01-01T12:20:30.000Z'],
    [900, 0, '2030-01-01T10:35:30.000Z'],
  ])('a %d s grant with a %d s cool-down blocks the next auto-approval until %s', (duration, cooldown, until) => {
    expect(autoApprovalBlockedUntil(NOW, duration, cooldown)).toBe(until);
  });
});

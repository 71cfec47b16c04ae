import { describe, expect, it } from 'vitest';
import {
  ALL_STATUSES,
  RequestStatus,
  TransitionNotAllowedError,
  assertTransition,
  canTransition,
  dropsCredentials,
  isFinal,
  settles,
  type RequestStatus as Status,
} from '../../shared/domain/status';

/** Every allowed move, written out by hand: the table must match it exactly, no more and no less. */
const ALLOWED: [Status, Status][] = [
  ['PENDING', 'APPROVED'],
  ['PENDING', 'DENIED'],
  ['PENDING', 'CANCELLED'],
  ['PENDING', 'TIMED_OUT'],
  ['PENDING', 'FAILED'],
  ['APPROVED', 'ACTIVE'],
  ['APPROVED', 'CANCELLED'],
  ['APPROVED', 'FAILED'],
  ['APPROVED', 'TIMED_OUT'],
  ['APPROVED', 'REVOKED'],
  ['ACTIVE', 'EXPIRED'],
  ['ACTIVE', 'REVOKED'],
  ['ACTIVE', 'FAILED'],
];
const allowed = new Set(ALLOWED.map(([a, b]) => `${a}->${b}`));
const ALL_PAIRS = ALL_STATUSES.flatMap((from) => ALL_STATUSES.map((to) => [from, to] as [Status, Status]));

describe('transition table', () => {
  it.each(ALL_PAIRS)('%s -> %s', (from, to) => {
    const expected = allowed.has(`${from}->${to}`);
    expect(canTransition(from, to)).toBe(expected);
    if (from === to) {
      // Writing the status a request already has is not a transition.
      expect(() => assertTransition(from, to)).not.toThrow();
    } else if (expected) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      expect(() => assertTransition(from, to, 'r1')).toThrow(TransitionNotAllowedError);
    }
  });

  it('a refused transition is a conflict naming both statuses and what is allowed', () => {
    let error: unknown;
    try {
      assertTransition(RequestStatus.DENIED, RequestStatus.APPROVED, 'r1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransitionNotAllowedError);
    expect(error).toMatchObject({ kind: 'conflict', code: 'TRANSITION_NOT_ALLOWED', from: 'DENIED', to: 'APPROVED' });
    expect((error as Error).message).toBe('Request r1: a DENIED request cannot become APPROVED (allowed from DENIED: none, it is final)');
  });

  it('a write without a status is never refused', () => {
    for (const from of ALL_STATUSES) expect(() => assertTransition(from, undefined)).not.toThrow();
  });

  it.each(ALL_STATUSES)('isFinal(%s) matches "no way out"', (status) => {
    expect(isFinal(status)).toBe(['EXPIRED', 'DENIED', 'CANCELLED', 'TIMED_OUT', 'FAILED', 'REVOKED'].includes(status));
  });

  it.each<[Status, Status, boolean]>([
    ['ACTIVE', 'EXPIRED', true],
    ['PENDING', 'TIMED_OUT', true],
    ['APPROVED', 'TIMED_OUT', true],
    ['DENIED', 'DENIED', false],
    ['DENIED', 'TIMED_OUT', false],
    ['CANCELLED', 'FAILED', false],
    ['EXPIRED', 'EXPIRED', false],
  ])('settles(%s, %s) is %s', (current, outcome, expected) => {
    expect(settles(current, outcome)).toBe(expected);
  });

  it.each(ALL_STATUSES)('dropsCredentials(%s)', (status) => {
    expect(dropsCredentials(status)).toBe(status === 'EXPIRED' || status === 'FAILED' || status === 'REVOKED');
  });
});

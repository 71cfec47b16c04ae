import { describe, expect, it } from 'vitest';
import { assertLinkUsable, linkExpiresAt, linkUnusableReason } from '../../shared/domain/approval-link';
import { DomainError } from '../../shared/domain/errors';
import type { RequestStatus } from '../../shared/domain/status';
import { activation, assertWindowOpen, consoleUrlExpiresAt, needsRefresh, openWindow } from '../../shared/domain/window';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
}

describe('approval link usability', () => {
  it.each<[string, { expiresAt: string; usedAt?: string }, string | undefined]>([
    ['unused, expiring later', { expiresAt: at(60) }, undefined],
    ['one millisecond before expiry', { expiresAt: new Date(NOW.getTime() + 1).toISOString() }, undefined],
    ['exactly at expiry (exclusive end)', { expiresAt: at(0) }, 'LINK_EXPIRED'],
    ['after expiry', { expiresAt: at(-1) }, 'LINK_EXPIRED'],
    ['used, not expired', { expiresAt: at(60), usedAt: at(-10) }, 'LINK_USED'],
    ['used and expired: used is said first', { expiresAt: at(-1), usedAt: at(-10) }, 'LINK_USED'],
  ])('%s -> %s', (_name, link, expected) => {
    expect(linkUnusableReason(link, NOW)).toBe(expected);
    expect(codeOf(() => assertLinkUsable(link, NOW))).toBe(expected);
  });

  // The approver's mailbox voted on the request by another path (the authenticated decision route).
  const carolVoted = [{ by: 'carol@example.com', decision: 'approve' as const, at: at(-5) }];
  it.each<[string, { expiresAt: string; usedAt?: string; approver: string }, { by: string; decision: 'approve' | 'deny'; at: string }[], string | undefined, string | undefined]>([
    ['no votes yet', { expiresAt: at(60), approver: 'carol@example.com' }, [], undefined, undefined],
    ["another approver's vote", { expiresAt: at(60), approver: 'dave@example.com' }, carolVoted, undefined, undefined],
    ["its approver's vote", { expiresAt: at(60), approver: 'carol@example.com' }, carolVoted, 'LINK_VOTED', 'LINK_USED'],
    ["its approver's vote under an alias of the mailbox", { expiresAt: at(60), approver: 'Carol+prod@example.com' }, carolVoted, 'LINK_VOTED', 'LINK_USED'],
    ['voted and expired: the vote is said first', { expiresAt: at(-1), approver: 'carol@example.com' }, carolVoted, 'LINK_VOTED', 'LINK_USED'],
    ['used by its own vote: used is said first', { expiresAt: at(60), usedAt: at(-5), approver: 'carol@example.com' }, carolVoted, 'LINK_USED', 'LINK_USED'],
  ])('%s -> %s', (_name, link, votes, reason, code) => {
    expect(linkUnusableReason(link, NOW, votes)).toBe(reason);
    expect(codeOf(() => assertLinkUsable(link, NOW, votes))).toBe(code);
  });

  it('a link spent by a vote on another path says when that vote was cast', () => {
    expect(() => assertLinkUsable({ expiresAt: at(60), approver: 'carol@example.com' }, NOW, carolVoted)).toThrow(
      `This link can no longer be used: you already decided (approve) on this request at ${at(-5)}`,
    );
  });

  it('a refused link is 410 Gone and says when', () => {
    expect(() => assertLinkUsable({ expiresAt: at(-1) }, NOW)).toThrow(`This link expired at ${at(-1)}`);
    expect(() => assertLinkUsable({ expiresAt: at(-1) }, NOW)).toThrow(expect.objectContaining({ kind: 'gone' }));
  });

  it('links live as long as the approval wait', () => {
    expect(linkExpiresAt(NOW, 86_400)).toBe('2026-03-02T12:00:00.000Z');
  });
});

describe('window opening', () => {
  it.each<[string, RequestStatus, string]>([
    ['APPROVED opens', 'APPROVED', 'open'],
    ['ACTIVE is a retried step: already open', 'ACTIVE', 'already-open'],
    ['PENDING is refused', 'PENDING', 'refuse'],
    ['CANCELLED is refused', 'CANCELLED', 'refuse'],
    ['TIMED_OUT is refused', 'TIMED_OUT', 'refuse'],
    ['FAILED is refused', 'FAILED', 'refuse'],
    ['EXPIRED is refused', 'EXPIRED', 'refuse'],
  ])('%s', (_name, status, action) => {
    expect(activation({ status, durationSeconds: 900 }, NOW).action).toBe(action);
  });

  it.each([
    [900, '2026-03-01T12:15:00.000Z'],
    [3600, '2026-03-01T13:00:00.000Z'],
    [4 * 3600 + 30 * 60, '2026-03-01T16:30:00.000Z'],
  ])('a %ss grant opens at now and ends %s', (duration, expiresAt) => {
    expect(openWindow(NOW, duration)).toEqual({ startsAt: NOW.toISOString(), expiresAt });
    expect(activation({ status: 'APPROVED', durationSeconds: duration }, NOW)).toEqual({ action: 'open', startsAt: NOW.toISOString(), expiresAt });
  });

  it.each<[string, RequestStatus, string | undefined, string | undefined]>([
    ['ACTIVE, window open', 'ACTIVE', at(1), undefined],
    ['ACTIVE, window ends now (exclusive)', 'ACTIVE', at(0), 'WINDOW_CLOSED'],
    ['ACTIVE, window closed', 'ACTIVE', at(-60), 'WINDOW_CLOSED'],
    ['ACTIVE without a window', 'ACTIVE', undefined, 'NOT_ACTIVE'],
    ['APPROVED, not yet issued', 'APPROVED', undefined, 'NOT_ACTIVE'],
    ['EXPIRED', 'EXPIRED', at(-60), 'NOT_ACTIVE'],
    ['REVOKED with time left', 'REVOKED', at(600), 'NOT_ACTIVE'],
  ])('credentials: %s -> %s', (_name, status, expiresAt, expected) => {
    expect(codeOf(() => assertWindowOpen({ id: 'r1', status, ...(expiresAt ? { expiresAt } : {}) }, NOW))).toBe(expected);
  });
});

describe('credential refresh threshold (5 minutes)', () => {
  it.each([
    ['an hour left', at(3600), false],
    ['exactly 5 minutes left', at(300), false],
    ['one second under 5 minutes', at(299), true],
    ['already expired', at(-1), true],
  ])('%s -> refresh %s', (_name, expiration, expected) => {
    expect(needsRefresh(expiration, NOW)).toBe(expected);
  });

  it('a console URL minted now is good for 15 minutes', () => {
    expect(consoleUrlExpiresAt(NOW)).toBe('2026-03-01T12:15:00.000Z');
  });
});

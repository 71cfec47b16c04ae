/**
 * The grant lifecycle's pure rules: scheduled starts, reminder points, break-glass grants and
 * reviews, extensions, and the sub-state tables they are checked against.
 */
import { describe, expect, it } from 'vitest';
import type { Target } from '../../shared/catalogue/types';
import { breakGlassGrant, castReview, reviewOverdue } from '../../shared/domain/break-glass';
import { ConflictError, ForbiddenError, ValidationError } from '../../shared/domain/errors';
import { askExtension, buildExtension, timeOutPending, voteOnExtension } from '../../shared/domain/extension';
import { buildAccessRequest } from '../../shared/domain/new-request';
import { approvalWaits } from '../../shared/domain/reminders';
import type { AccessRequest, Extension, ExtensionStatus, ReviewStatus } from '../../shared/domain/request';
import { describeStart, parseScheduledStart, relativeTime } from '../../shared/domain/schedule';
import {
  EXTENSION_TRANSITIONS,
  INITIAL_STATUSES,
  REVIEW_TRANSITIONS,
  assertExtensionTransition,
  assertInitialStatus,
  assertReviewTransition,
} from '../../shared/domain/status';
import { activation, assertWindowOpen } from '../../shared/domain/window';
import { CALLERS, FAKE_NOW, aRequest, fakeCatalogue } from '../helpers/fake-ports';

const NOW = new Date(FAKE_NOW);
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const sandbox = (overrides: Partial<Target> = {}): Target => ({ ...fakeCatalogue().targets[0]!, ...overrides });

describe('sub-state tables', () => {
  const REVIEWS: ReviewStatus[] = ['pending', 'acknowledged', 'flagged'];
  const REVIEW_ALLOWED = new Set(['pending->acknowledged', 'pending->flagged', 'acknowledged->flagged']);
  it.each(REVIEWS.flatMap((from) => REVIEWS.map((to) => [from, to] as const)))('review %s -> %s', (from, to) => {
    const ok = from === to || REVIEW_ALLOWED.has(`${from}->${to}`);
    expect(REVIEW_TRANSITIONS[from].includes(to)).toBe(REVIEW_ALLOWED.has(`${from}->${to}`));
    if (ok) expect(() => assertReviewTransition(from, to)).not.toThrow();
    else expect(() => assertReviewTransition(from, to)).toThrow(ConflictError);
  });

  const EXTENSIONS: ExtensionStatus[] = ['PENDING', 'APPLIED', 'DENIED', 'TIMED_OUT'];
  const EXTENSION_ALLOWED = new Set(['PENDING->APPLIED', 'PENDING->DENIED', 'PENDING->TIMED_OUT']);
  it.each(EXTENSIONS.flatMap((from) => EXTENSIONS.map((to) => [from, to] as const)))('extension %s -> %s', (from, to) => {
    expect(EXTENSION_TRANSITIONS[from].includes(to)).toBe(EXTENSION_ALLOWED.has(`${from}->${to}`));
    if (from === to || EXTENSION_ALLOWED.has(`${from}->${to}`)) expect(() => assertExtensionTransition(from, to)).not.toThrow();
    else expect(() => assertExtensionTransition(from, to, 'r1')).toThrow('r1: a');
  });

  it('a request is created PENDING, or ACTIVE for break-glass, nothing else', () => {
    expect(INITIAL_STATUSES).toEqual(['PENDING', 'ACTIVE']);
    expect(() => assertInitialStatus('APPROVED', 'r1')).toThrow('Request r1: a request cannot be created APPROVED (allowed: PENDING, ACTIVE)');
    expect(() => assertInitialStatus('ACTIVE')).not.toThrow();
  });
});

describe('scheduled start', () => {
  const WEEK = 7 * 24 * 3600;
  it.each([
    ['2030-01-01T12:00:00Z', { at: '2030-01-01T12:00:00.000Z' }],
    ['2030-01-01T12:00:00.250+00:00', { at: '2030-01-01T12:00:00.250Z' }],
    ['2030-01-08T09:00:00Z', { at: '2030-01-08T09:00:00.000Z' }],
    ['2030-01-08T09:00:01Z', { rule: 'max-schedule-ahead' }],
    ['2030-01-01T09:00:00Z', { rule: 'future' }],
    ['2029-12-31T23:00:00Z', { rule: 'future' }],
    ['2030-01-01T12:00:00+01:00', { rule: 'iso8601-utc' }],
    ['2030-01-01 12:00:00Z', { rule: 'iso8601-utc' }],
    ['2030-02-30T12:00:00Z', { rule: 'iso8601-utc' }],
    ['tonight', { rule: 'iso8601-utc' }],
  ])('%s', (text, expected) => {
    const result = parseScheduledStart(text, NOW, WEEK);
    if ('at' in expected) expect('at' in result && result.at.toISOString()).toBe(expected.at);
    else expect('problem' in result && result.problem).toMatchObject({ field: 'startsAt', rule: expected.rule });
  });

  it('names the limit when too far ahead', () => {
    const result = parseScheduledStart('2030-01-09T00:00:00Z', NOW, WEEK);
    expect('problem' in result && result.problem.message).toBe(
      'must be at most 168h ahead (maxScheduleAhead of the target), so no later than 2030-01-08T09:00:00.000Z; got 2030-01-09T00:00:00.000Z',
    );
  });

  it.each([
    [3 * HOUR + 10 * MIN, 'in 3 h 10 min'],
    [45 * MIN, 'in 45 min'],
    [2 * HOUR, 'in 2 h'],
    [52 * HOUR, 'in 2 d 4 h'],
    [0, 'now'],
    [-12 * MIN, '12 min ago'],
  ])('relativeTime %d ms -> %s', (ms, text) => {
    expect(relativeTime(NOW, new Date(NOW.getTime() + ms))).toBe(text);
  });

  it('describes a start in UTC and relative to now', () => {
    expect(describeStart(at(3 * HOUR + 10 * MIN), NOW)).toBe('2030-01-01 12:10 UTC (in 3 h 10 min)');
  });

  it('a new request keeps its start; break-glass cannot be scheduled', () => {
    const input = { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'change window CHG-1', startsAt: at(HOUR) };
    expect(buildAccessRequest({ id: 'r1', now: NOW, caller: CALLERS.alice, target: sandbox(), input }).startsAt).toBe(at(HOUR));
    const glass = sandbox({ breakGlass: { maxDurationSeconds: 3600, requireTicket: false, reviewWithinSeconds: 86400, requesterGroups: ['engineers'] } });
    expect(() => buildAccessRequest({ id: 'r1', now: NOW, caller: CALLERS.alice, target: glass, input: { ...input, breakGlass: true } })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: 'startsAt', rule: 'not-with-break-glass' })] }),
    );
  });

  it('opens at startsAt when approved before it, at approval when approved after it; credentials before it are 409 naming it', () => {
    const approvedAt = (when: string) => [{ at: when, type: 'approved' as const }];
    const scheduled = { status: 'APPROVED' as const, durationSeconds: 900, startsAt: at(HOUR) };
    expect(activation({ ...scheduled, history: approvedAt(at(0)) }, new Date(at(HOUR + 500)))).toEqual({ action: 'open', startsAt: at(HOUR), expiresAt: at(HOUR + 900_000) });
    expect(activation({ ...scheduled, history: approvedAt(at(2 * HOUR)) }, new Date(at(2 * HOUR)))).toEqual({
      action: 'open',
      startsAt: at(2 * HOUR),
      expiresAt: at(2 * HOUR + 900_000),
    });
    expect(() => assertWindowOpen({ id: 'r1', status: 'APPROVED', startsAt: at(HOUR) }, NOW)).toThrow(
      `Request r1 is scheduled to start at ${at(HOUR)} (in 1 h); credentials exist only from then, while it is ACTIVE`,
    );
  });
});

describe('reminder points', () => {
  it.each([
    [14_400, { first: 3600, second: 5040, third: 5760 }],
    [3600, { first: 900, second: 1260, third: 1440 }],
    [300, { first: 75, second: 105, third: 120 }],
  ])('%d s -> 25 %% / 60 %% / end', (timeout, waits) => {
    expect(approvalWaits(timeout)).toEqual(waits);
    expect(waits.first + waits.second + waits.third).toBe(timeout);
  });
});

describe('break-glass', () => {
  const rule = { maxDurationSeconds: 3600, requireTicket: true, reviewWithinSeconds: 24 * 3600, requesterGroups: ['oncall'] };
  const oncall = { ...CALLERS.bob, groups: ['engineers', 'oncall'] };
  const input = { target: 'sandbox-readonly', services: ['ec2'], duration: '30m', reason: 'database down INC-9', ticket: 'INC-9', breakGlass: true };

  it('a permitted requester gets an ACTIVE grant with its window and a pending review', () => {
    const request = buildAccessRequest({ id: 'r1', now: NOW, caller: oncall, target: sandbox({ breakGlass: rule }), input });
    expect(request).toMatchObject({
      status: 'ACTIVE',
      breakGlass: true,
      startsAt: FAKE_NOW,
      expiresAt: at(30 * MIN),
      review: { status: 'pending', dueAt: at(24 * HOUR), reviews: [] },
    });
    expect(request.history.map((h) => h.type)).toEqual(['submitted', 'break-glass']);
  });

  it.each([
    ['a target without break-glass', sandbox(), oncall, input, ForbiddenError],
    ['a requester outside its groups', sandbox({ breakGlass: rule }), CALLERS.alice, input, ForbiddenError],
    ['no ticket when one is required', sandbox({ breakGlass: rule }), oncall, { ...input, ticket: undefined }, ValidationError],
    ['longer than its maxDuration', sandbox({ breakGlass: { ...rule, maxDurationSeconds: 900 } }), oncall, input, ValidationError],
  ])('refuses %s', (_name, target, caller, body, error) => {
    expect(() => buildAccessRequest({ id: 'r1', now: NOW, caller, target, input: body })).toThrow(error);
  });

  it('reviews: any approver but the requester, once each; a flag outranks an acknowledgement', () => {
    const request = breakGlassGrant(aRequest({ requester: { sub: 'bob', email: 'bob@example.com' } }), rule, NOW);
    const ack = castReview(request, { by: 'carol@example.com', outcome: 'acknowledge', at: FAKE_NOW });
    expect(ack.status).toBe('acknowledged');
    const flagged = castReview({ ...request, review: ack }, { by: 'dave@example.com', outcome: 'flag', at: FAKE_NOW, comment: 'why?' });
    expect(flagged).toMatchObject({ status: 'flagged', reviews: [{ by: 'carol@example.com' }, { by: 'dave@example.com', comment: 'why?' }] });
    expect(castReview({ ...request, review: flagged }, { by: 'erin@example.com', outcome: 'acknowledge', at: FAKE_NOW }).status).toBe('flagged');
    expect(() => castReview({ ...request, review: ack }, { by: 'Carol+x@example.com', outcome: 'flag', at: FAKE_NOW })).toThrow('already reviewed');
    expect(() => castReview(request, { by: 'bob@example.com', outcome: 'acknowledge', at: FAKE_NOW })).toThrow(ForbiddenError);
    expect(() => castReview(aRequest(), { by: 'carol@example.com', outcome: 'acknowledge', at: FAKE_NOW })).toThrow('not a break-glass grant');
  });

  it('is overdue only when pending, past due, and not alarmed yet', () => {
    const request = breakGlassGrant(aRequest(), rule, NOW);
    const later = new Date(at(24 * HOUR));
    expect(reviewOverdue(request, new Date(at(24 * HOUR - 1)))).toBe(false);
    expect(reviewOverdue(request, later)).toBe(true);
    expect(reviewOverdue({ ...request, review: { ...request.review!, status: 'acknowledged' } }, later)).toBe(false);
    expect(reviewOverdue({ ...request, review: { ...request.review!, escalatedAt: FAKE_NOW } }, later)).toBe(false);
  });
});

describe('extensions', () => {
  const target = sandbox({ maxDurationSeconds: 2 * 3600, maxExtendedDurationSeconds: 3 * 3600, maxExtensions: 2 });
  const active = (overrides: Partial<AccessRequest> = {}): AccessRequest =>
    aRequest({ status: 'ACTIVE', startsAt: FAKE_NOW, expiresAt: at(HOUR), durationSeconds: 3600, ...overrides });
  const build = (request: AccessRequest, duration = '1h') =>
    buildExtension({ id: 'x1', now: NOW, request, target, input: { duration, reason: 'the migration runs long' } });
  const applied = (id: string): Extension => ({ id, status: 'APPLIED', durationSeconds: 900, reason: 'r', requestedAt: FAKE_NOW, from: FAKE_NOW, to: FAKE_NOW, approvals: [] });

  it('asks from the current end to the new one', () => {
    expect(build(active())).toEqual({ id: 'x1', status: 'PENDING', durationSeconds: 3600, reason: 'the migration runs long', requestedAt: FAKE_NOW, from: at(HOUR), to: at(2 * HOUR), approvals: [] });
  });

  it.each([
    ['not ACTIVE', aRequest({ status: 'APPROVED' }), '1h', 'NOT_ACTIVE'],
    ['a closed window', active({ expiresAt: FAKE_NOW }), '1h', 'NOT_ACTIVE'],
    ['one already pending', active({ extensions: [{ ...applied('x0'), status: 'PENDING' }] }), '1h', 'EXTENSION_PENDING'],
    ['break-glass access', active({ breakGlass: true }), '15m', 'BREAK_GLASS_NOT_EXTENSIBLE'],
  ])('409 when %s', (_name, request, duration, code) => {
    expect(() => build(request, duration)).toThrow(expect.objectContaining({ code }));
  });

  it.each([
    ['over maxExtendedDuration', active(), '2h1m', 'max-extended-duration', 'allows at most 3h in all (maxExtendedDuration), so at most 2h more'],
    ['over maxExtensions', active({ extensions: [applied('a'), applied('b')] }), '15m', 'max-extensions', 'allows at most 2 (maxExtensions)'],
    ['under 15 minutes', active(), '5m', 'minimum', 'at least 15m'],
  ])('400 %s, naming the limit', (_name, request, duration, rule, message) => {
    expect(() => build(request, duration)).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'duration', rule, message: expect.stringContaining(message) })] }));
  });

  it('is decided by the request quorum; deny wins; applying moves expiresAt; history says asked, decided, applied', () => {
    const request = active({ approvalsRequired: 2, approverEmails: ['carol@example.com', 'dave@example.com', 'erin@example.com'] });
    const asked = askExtension(request, build(request), false, 'alice@example.com');
    expect(asked.history.map((h) => h.type)).toEqual(['extension-requested']);
    const withPending = { ...request, extensions: asked.extensions };
    const one = voteOnExtension(withPending, 'x1', { by: 'carol@example.com', decision: 'approve', at: FAKE_NOW });
    expect(one).toMatchObject({ decided: false, extension: { status: 'PENDING' } });
    expect(one.expiresAt).toBeUndefined();
    const two = voteOnExtension({ ...withPending, extensions: one.extensions }, 'x1', { by: 'dave@example.com', decision: 'approve', at: FAKE_NOW });
    expect(two).toMatchObject({ decided: true, expiresAt: at(2 * HOUR), extension: { status: 'APPLIED' } });
    expect(two.history.map((h) => h.type)).toEqual(['approved-by', 'extension-decided', 'extension-applied']);
    const denied = voteOnExtension({ ...withPending, extensions: one.extensions }, 'x1', { by: 'dave@example.com', decision: 'deny', at: FAKE_NOW });
    expect(denied).toMatchObject({ decided: true, extension: { status: 'DENIED' } });
    expect(denied.expiresAt).toBeUndefined();
    expect(() => voteOnExtension(withPending, 'x1', { by: 'alice@example.com', decision: 'approve', at: FAKE_NOW })).toThrow(ForbiddenError);
    expect(() => voteOnExtension({ ...withPending, extensions: one.extensions }, 'x1', { by: 'carol@example.com', decision: 'deny', at: FAKE_NOW })).toThrow('already decided');
    expect(() => voteOnExtension({ ...withPending, extensions: two.extensions }, 'x1', { by: 'erin@example.com', decision: 'deny', at: FAKE_NOW })).toThrow(
      expect.objectContaining({ code: 'ALREADY_DECIDED' }),
    );
  });

  it('auto-approval applies it at once; expiry with one pending times it out', () => {
    const request = active();
    const auto = askExtension(request, build(request), true, 'alice@example.com');
    expect(auto).toMatchObject({ decided: true, expiresAt: at(2 * HOUR), extension: { status: 'APPLIED' } });
    expect(auto.history.map((h) => h.type)).toEqual(['extension-requested', 'extension-decided', 'extension-applied']);
    const pending = askExtension(request, build(request), false, 'alice@example.com');
    const ended = timeOutPending({ ...request, extensions: pending.extensions }, FAKE_NOW);
    expect(ended?.extensions).toEqual([expect.objectContaining({ status: 'TIMED_OUT', decidedAt: FAKE_NOW })]);
    expect(timeOutPending(request, FAKE_NOW)).toBeUndefined();
  });
});

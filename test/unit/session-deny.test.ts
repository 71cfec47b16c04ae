import { describe, expect, it } from 'vitest';
import {
  addEndedSessions,
  bucketEnd,
  bucketSid,
  checkSessionDenyBudget,
  EMPTY_SESSION_DENY,
  isSessionEnded,
  keepDenyUntil,
  parseSessionDenyPolicy,
  policyChars,
  pruneEndedSessions,
  renderSessionDenyPolicy,
  ROLE_INLINE_POLICIES_MAX_CHARS,
  sessionDenyCapacity,
  SessionDenyTooLargeError,
  SessionDenyUnreadableError,
  coarsenBuckets,
  fitSessionDenyPolicy,
} from '../../shared/domain/session-deny';

const NOW = new Date('2026-11-29T00:10:00Z');
const A = '01JNKQ7R8W3V5X2Y4Z6A8B0C1D';
const B = '01JNKQ7R8W3V5X2Y4Z6A8B0C1E';
const C = '01JNKQ9ZZZ3V5X2Y4Z6A8B0C1F';
const ROLE = 'arn:aws:iam::111111111111:role/BrokerReadOnly';
const at = (iso: string) => new Date(iso);

describe('keepDenyUntil', () => {
  it.each([
    ['2026-11-29T00:00:00Z', 900, '2026-11-29T00:15:00.000Z'],
    ['2026-11-29T00:00:00Z', 3600, '2026-11-29T01:00:00.000Z'],
    ['2026-11-29T00:00:00Z', 43_200, '2026-11-29T12:00:00.000Z'],
  ])('issued %s for %i s -> %s', (issued, seconds, until) => {
    expect(keepDenyUntil(at(issued), seconds).toISOString()).toBe(until);
  });

  it.each([0, -1, 1.5, 43_201])('refuses a credential duration of %s seconds', (seconds) => {
    expect(() => keepDenyUntil(NOW, seconds)).toThrow(/credentialSeconds must be a whole number from 1 to 43200/);
  });
});

describe('expiry buckets', () => {
  it.each([
    // until + 5 min margin, rounded up to 15 minutes
    ['2026-11-29T00:15:00Z', 15, '2026-11-29T00:30:00.000Z', 'EndedUntil202611290030'],
    ['2026-11-29T00:10:00Z', 15, '2026-11-29T00:15:00.000Z', 'EndedUntil202611290015'],
    ['2026-11-29T00:10:01Z', 15, '2026-11-29T00:30:00.000Z', 'EndedUntil202611290030'],
    ['2026-12-31T23:59:00Z', 15, '2027-01-01T00:15:00.000Z', 'EndedUntil202701010015'],
    ['2026-11-29T00:15:00Z', 60, '2026-11-29T01:00:00.000Z', 'EndedUntil202611290100'],
    ['2026-11-29T00:15:00Z', 1, '2026-11-29T00:20:00.000Z', 'EndedUntil202611290020'],
  ])('%s in %i-minute buckets ends at %s (%s)', (until, minutes, end, sid) => {
    const e = bucketEnd(at(until), minutes);
    expect(e.toISOString()).toBe(end);
    expect(bucketSid(e)).toBe(sid);
    // Never earlier than the credential's end plus the margin.
    expect(e.getTime()).toBeGreaterThanOrEqual(at(until).getTime() + 5 * 60_000);
  });

  it.each([0, 721, 2.5])('refuses a bucket of %s minutes', (minutes) => {
    expect(() => bucketEnd(NOW, minutes)).toThrow(/bucketMinutes/);
  });
});

describe('addEndedSessions', () => {
  it('groups sessions by bucket, one statement per bucket, sorted, compact', () => {
    const state = addEndedSessions(
      EMPTY_SESSION_DENY,
      [
        { requestId: B, until: at('2026-11-29T01:00:00Z') },
        { requestId: A, until: at('2026-11-29T01:02:00Z') },
        { requestId: C, until: at('2026-11-29T00:20:00Z') },
      ],
      NOW,
    );
    expect(renderSessionDenyPolicy(state)).toBe(
      '{"Version":"2012-10-17","Statement":[' +
        `{"Sid":"EndedUntil202611290030","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:userid":["*:${C}"]}}},` +
        `{"Sid":"EndedUntil202611290115","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringLike":{"aws:userid":["*:${A}","*:${B}"]}}}` +
        ']}',
    );
  });

  it('renders the same text whatever order sessions were ended in', () => {
    const entries = [
      { requestId: A, until: at('2026-11-29T01:00:00Z') },
      { requestId: B, until: at('2026-11-29T03:00:00Z') },
      { requestId: C, until: at('2026-11-29T02:00:00Z') },
    ];
    const forward = renderSessionDenyPolicy(addEndedSessions(EMPTY_SESSION_DENY, entries, NOW));
    let stepwise = EMPTY_SESSION_DENY;
    for (const e of [...entries].reverse()) stepwise = addEndedSessions(stepwise, [e], NOW);
    expect(renderSessionDenyPolicy(stepwise)).toBe(forward);
  });

  it('keeps the later end when a session is ended twice, and is idempotent', () => {
    const first = addEndedSessions(EMPTY_SESSION_DENY, [{ requestId: A, until: at('2026-11-29T02:00:00Z') }], NOW);
    const earlier = addEndedSessions(first, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW);
    const later = addEndedSessions(first, [{ requestId: A, until: at('2026-11-29T03:00:00Z') }], NOW);
    expect(earlier).toEqual(first);
    expect(later.sessions).toEqual([{ requestId: A, until: at('2026-11-29T03:15:00Z') }]);
    expect(addEndedSessions(later, [{ requestId: A, until: at('2026-11-29T03:00:00Z') }], NOW)).toEqual(later);
  });

  it.each([
    ['*', /requestId must be a 26-character request id/],
    ['01JNKQ7R8W3V5X2Y4Z6A8B0C1*', /request id/],
    ['01JNKQ7R8W3V5X2Y4Z6A8B0C1?', /request id/],
    ['01jnkq7r8w3v5x2y4z6a8b0c1d', /request id/],
    [`${A}X`, /request id/],
  ])('refuses request id %j (no wildcard may reach the pattern)', (requestId, message) => {
    expect(() => addEndedSessions(EMPTY_SESSION_DENY, [{ requestId, until: at('2026-11-29T01:00:00Z') }], NOW)).toThrow(message);
  });

  it('refuses an end more than 12 hours ahead, and an invalid date', () => {
    expect(() => addEndedSessions(EMPTY_SESSION_DENY, [{ requestId: A, until: at('2026-11-29T12:10:01Z') }], NOW)).toThrow(
      /more than 12 hours after/,
    );
    expect(() => addEndedSessions(EMPTY_SESSION_DENY, [{ requestId: A, until: new Date('nope') }], NOW)).toThrow(/valid date/);
    expect(addEndedSessions(EMPTY_SESSION_DENY, [{ requestId: A, until: at('2026-11-29T12:10:00Z') }], NOW).sessions).toHaveLength(1);
  });
});

describe('pruneEndedSessions', () => {
  const state = addEndedSessions(
    { sessions: [], foreign: [{ Sid: 'Manual', Effect: 'Deny', Action: '*', Resource: '*' }] },
    [
      { requestId: A, until: at('2026-11-29T00:20:00Z') }, // bucket 00:30
      { requestId: B, until: at('2026-11-29T01:00:00Z') }, // bucket 01:15
    ],
    NOW,
  );

  it.each([
    ['2026-11-29T00:20:00Z', [A, B], 'the credential ends at 00:20 but the deny stays through the margin'],
    ['2026-11-29T00:29:59Z', [A, B], 'still inside the bucket'],
    ['2026-11-29T00:30:00Z', [B], 'bucket over'],
    ['2026-11-29T01:15:00Z', [], 'all over'],
  ])('at %s keeps %j (%s)', (now, kept) => {
    const pruned = pruneEndedSessions(state, at(now));
    expect(pruned.sessions.map((s) => s.requestId)).toEqual(kept);
    expect(pruned.foreign).toEqual(state.foreign);
  });

  it('renders null (delete the policy) once nothing is left, foreign statements included', () => {
    expect(renderSessionDenyPolicy(pruneEndedSessions({ ...state, foreign: [] }, at('2026-11-29T02:00:00Z')))).toBeNull();
    expect(renderSessionDenyPolicy(pruneEndedSessions(state, at('2026-11-29T02:00:00Z')))).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"Manual","Effect":"Deny","Action":"*","Resource":"*"}]}',
    );
  });

  it('isSessionEnded answers per request id', () => {
    expect(isSessionEnded(state, A)).toBe(true);
    expect(isSessionEnded(state, C)).toBe(false);
  });
});

describe('parseSessionDenyPolicy', () => {
  it('reads back what it renders', () => {
    const state = addEndedSessions(
      { sessions: [], foreign: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] },
      [
        { requestId: A, until: at('2026-11-29T01:00:00Z') },
        { requestId: C, until: at('2026-11-29T05:00:00Z') },
      ],
      NOW,
    );
    const text = renderSessionDenyPolicy(state)!;
    expect(parseSessionDenyPolicy(text)).toEqual(state);
    expect(renderSessionDenyPolicy(parseSessionDenyPolicy(text))).toBe(text);
  });

  it('tolerates an older or hand-written form: pretty-printed, single values, arrays, role-id prefixes', () => {
    const text = JSON.stringify(
      {
        Version: '2012-10-17',
        Statement: {
          Sid: 'EndedUntil202611290200',
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { StringLike: { 'aws:userid': `AROAEXAMPLEROLEID1234:${A}` } },
        },
      },
      null,
      2,
    );
    expect(parseSessionDenyPolicy(text)).toEqual({ sessions: [{ requestId: A, until: at('2026-11-29T02:00:00Z') }], foreign: [] });
  });

  it('keeps statements without the broker Sid verbatim, as foreign', () => {
    const manual = {
      Sid: 'RevokeOlderSessions',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-11-28T00:00:00Z' } },
    };
    const noSid = { Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:userid': '*:alice' } } };
    const state = parseSessionDenyPolicy(JSON.stringify({ Version: '2012-10-17', Statement: [manual, noSid] }));
    expect(state).toEqual({ sessions: [], foreign: [manual, noSid] });
  });

  it('merges a request id listed in two buckets to the later one', () => {
    const stmt = (sid: string) => ({
      Sid: sid,
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringLike: { 'aws:userid': [`*:${A}`] } },
    });
    const text = JSON.stringify({ Version: '2012-10-17', Statement: [stmt('EndedUntil202611290300'), stmt('EndedUntil202611290100')] });
    expect(parseSessionDenyPolicy(text).sessions).toEqual([{ requestId: A, until: at('2026-11-29T03:00:00Z') }]);
  });

  const ours = {
    Sid: 'EndedUntil202611290100',
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { StringLike: { 'aws:userid': [`*:${A}`] } },
  };
  it.each([
    ['not JSON', '{', /not JSON/],
    ['no Statement', '{"Version":"2012-10-17"}', /no Statement/],
    ['a statement that is not an object', '{"Statement":["x"]}', /not an object/],
    ['an impossible date in the Sid', JSON.stringify({ Statement: [{ ...ours, Sid: 'EndedUntil202613290100' }] }), /UTC minute/],
    ['an Allow under our Sid', JSON.stringify({ Statement: [{ ...ours, Effect: 'Allow' }] }), /not a Deny/],
    ['a narrower action under our Sid', JSON.stringify({ Statement: [{ ...ours, Action: 's3:*' }] }), /not a Deny/],
    ['an extra condition under our Sid', JSON.stringify({ Statement: [{ ...ours, Condition: { ...ours.Condition, Bool: { 'aws:x': 'true' } } }] }), /not a Deny/],
    ['a NotAction under our Sid', JSON.stringify({ Statement: [{ ...ours, NotAction: 's3:*' }] }), /not a Deny/],
    ['a value that is not a request id', JSON.stringify({ Statement: [{ ...ours, Condition: { StringLike: { 'aws:userid': ['*:alice'] } } }] }), /lists "\*:alice"/],
    ['a bare wildcard', JSON.stringify({ Statement: [{ ...ours, Condition: { StringLike: { 'aws:userid': '*' } } }] }), /lists "\*"/],
  ])('refuses %s with a clear error', (_label, text, message) => {
    expect(() => parseSessionDenyPolicy(text)).toThrow(SessionDenyUnreadableError);
    expect(() => parseSessionDenyPolicy(text)).toThrow(message);
  });
});

describe('the inline policy budget', () => {
  it('counts characters without whitespace', () => {
    expect(policyChars('{ "a" : [ 1, 2 ] }')).toBe('{"a":[1,2]}'.length);
  });

  it('accepts up to the budget and names role, size, budget and sessions beyond it', () => {
    const text = renderSessionDenyPolicy(addEndedSessions(EMPTY_SESSION_DENY, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW))!;
    const other = ROLE_INLINE_POLICIES_MAX_CHARS - text.length;
    expect(checkSessionDenyBudget({ roleArn: ROLE, policyText: text, otherPoliciesChars: other, sessionsListed: 1 })).toBe(10_240);
    const call = () => checkSessionDenyBudget({ roleArn: ROLE, policyText: text, otherPoliciesChars: other + 1, sessionsListed: 1 });
    expect(call).toThrow(SessionDenyTooLargeError);
    expect(call).toThrow(`AccessBrokerEndedSessions on ${ROLE}: the role's inline policies would total 10241 characters with 1 ended sessions listed, over IAM's 10240-character budget`);
    expect(checkSessionDenyBudget({ roleArn: ROLE, policyText: null, otherPoliciesChars: 10_240, sessionsListed: 0 })).toBe(10_240);
  });

  it.each([
    [0, 1, 325],
    [2048, 1, 259],
    [0, 49, 321],
    [2048, 49, 255],
  ])('capacity with %i characters of other policies and %i buckets: %i sessions', (other, buckets, expected) => {
    const capacity = sessionDenyCapacity(other, buckets);
    expect(capacity).toBe(expected);
    // Spread ends cost more than one bucket but coarsening keeps most of the room.
    if (buckets > 1) expect(capacity).toBeGreaterThan(sessionDenyCapacity(other, 1) * 0.9);
  });

  it('one bucket: the document is 159 characters plus 31 per session', () => {
    expect(sessionDenyCapacity(0, 1)).toBe(Math.floor((10_240 - 159) / 31));
  });
});

describe('fitSessionDenyPolicy', () => {
  const spread = (count: number) =>
    addEndedSessions(
      EMPTY_SESSION_DENY,
      Array.from({ length: count }, (_, n) => ({
        requestId: `01JNKQ${String(n).padStart(20, '0')}`,
        until: new Date(NOW.getTime() + ((n % 48) + 1) * 15 * 60_000),
      })),
      NOW,
    );

  it('writes fine buckets when they fit', () => {
    const fitted = fitSessionDenyPolicy({ roleArn: ROLE, state: spread(48), otherPoliciesChars: 0 });
    expect(fitted.state).toEqual(spread(48));
    expect(JSON.parse(fitted.text!).Statement).toHaveLength(48);
    expect(fitted.totalChars).toBe(fitted.text!.length);
  });

  it('coarsens buckets when fine ones do not fit, keeping every session at least as long', () => {
    const state = spread(200);
    const fitted = fitSessionDenyPolicy({ roleArn: ROLE, state, otherPoliciesChars: 2048 });
    expect(fitted.totalChars).toBeLessThanOrEqual(10_240);
    expect(fitted.state.sessions.map((s) => s.requestId)).toEqual(state.sessions.map((s) => s.requestId));
    fitted.state.sessions.forEach((s, i) => expect(s.until.getTime()).toBeGreaterThanOrEqual(state.sessions[i]!.until.getTime()));
    expect(JSON.parse(fitted.text!).Statement.length).toBeLessThan(48);
    expect(coarsenBuckets(state, 720).sessions.every((s) => s.until.getUTCHours() % 12 === 0 && s.until.getUTCMinutes() === 0)).toBe(true);
  });

  it('throws naming role, size, budget and sessions when even 12-hour buckets do not fit', () => {
    const call = () => fitSessionDenyPolicy({ roleArn: ROLE, state: spread(400), otherPoliciesChars: 0 });
    expect(call).toThrow(SessionDenyTooLargeError);
    expect(call).toThrow(/on arn:aws:iam::111111111111:role\/BrokerReadOnly: the role's inline policies would total 1\d{4} characters with 400 ended sessions listed, over IAM's 10240-character budget/);
  });
});

import { basePolicyDocument } from '../shared/catalogue/base-role-policy';
import {
  addEndedSessions,
  DEFAULT_BUCKET_MINUTES,
  EMPTY_SESSION_DENY,
  fitSessionDenyPolicy,
  parseSessionDenyPolicy,
  renderSessionDenyPolicy,
  ROLE_INLINE_POLICIES_MAX_CHARS,
  sessionDenyCapacity,
} from '../shared/domain/session-deny';

/** Distinct 15-minute buckets when ended sessions' ends spread over a whole 12-hour window (+ margin). */
const SPREAD_BUCKETS = (12 * 60) / DEFAULT_BUCKET_MINUTES + 1;
const TYPICAL_OTHER_CHARS = 2048;

/**
 * Per-role capacity of the AccessBrokerEndedSessions deny: how many ended sessions one target
 * role can list at once, given IAM's 10,240-character budget for all its inline policies.
 * `bestCase`: all entries in one expiry bucket; `spread`: ends spread over 12 hours (the
 * writer coarsens buckets to fit). Also the cost of one read-merge-render at capacity.
 */
export function sessionDenyBench() {
  const rendered = (n: number) =>
    renderSessionDenyPolicy(
      addEndedSessions(
        EMPTY_SESSION_DENY,
        Array.from({ length: n }, (_, i) => ({ requestId: `01JNKQ${String(i).padStart(20, '0')}`, until: new Date('2026-11-29T01:00:00Z') })),
        new Date('2026-11-29T00:00:00Z'),
      ),
    )!.length;
  const seedBaseChars = JSON.stringify(basePolicyDocument()).length;
  const capacity = (other: number) => ({
    otherInlinePoliciesChars: other,
    bestCase: sessionDenyCapacity(other, 1),
    spreadOver12h: sessionDenyCapacity(other, SPREAD_BUCKETS),
  });

  // Time one full cycle (parse the policy at capacity, add one session, fit and render).
  const now = new Date('2026-11-29T00:00:00Z');
  const count = sessionDenyCapacity(TYPICAL_OTHER_CHARS, 1) - 1;
  const state = addEndedSessions(
    EMPTY_SESSION_DENY,
    Array.from({ length: count }, (_, n) => ({ requestId: `01JNKQ${String(n).padStart(20, '0')}`, until: new Date(now.getTime() + 3_600_000) })),
    now,
  );
  const text = fitSessionDenyPolicy({ roleArn: 'bench', state, otherPoliciesChars: TYPICAL_OTHER_CHARS }).text!;
  const rounds = 200;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const parsed = parseSessionDenyPolicy(text);
    const next = addEndedSessions(parsed, [{ requestId: '01JNKQZZZZZZZZZZZZZZZZZZZZ', until: new Date(now.getTime() + 3_600_000) }], now);
    fitSessionDenyPolicy({ roleArn: 'bench', state: next, otherPoliciesChars: TYPICAL_OTHER_CHARS });
  }
  const cycleMs = Number(process.hrtime.bigint() - start) / 1e6 / rounds;

  return {
    budgetChars: ROLE_INLINE_POLICIES_MAX_CHARS,
    charsPerSession: rendered(2) - rendered(1),
    oneSessionPolicyChars: rendered(1),
    seedBasePolicyChars: seedBaseChars,
    capacity: {
      emptyBudget: capacity(0),
      typical2KbOtherPolicies: capacity(TYPICAL_OTHER_CHARS),
      withSeedBasePolicy: capacity(seedBaseChars),
    },
    readMergeRenderAtCapacityMs: Math.round(cycleMs * 1000) / 1000,
  };
}

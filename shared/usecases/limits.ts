import type { Target } from '../catalogue/types';
import { UnavailableError } from '../domain/errors';
import {
  DEFAULT_OPEN_REQUEST_LIMITS,
  DEFAULT_SUBMISSION_RATE,
  assertOpenRequestsAllowed,
  claimHolds,
  submissionRateError,
  submissionWindow,
  type OpenClaim,
} from '../domain/limits';
import type { Deps } from '../runtime/deps';

/** The ports the limit checks touch. */
export type LimitDeps = Pick<Deps, 'catalogue' | 'limits' | 'requests'>;

/** Rounds of read-check-write before a submission that keeps losing races gets a 503 (retry). */
const MAX_CLAIM_ROUNDS = 10;

/** Counts the submission in the requester's current window, or refuses it (429 with Retry-After). */
export async function countSubmission(deps: LimitDeps, sub: string, now: Date): Promise<void> {
  const rate = deps.catalogue.submissionRate ?? DEFAULT_SUBMISSION_RATE;
  const window = submissionWindow(now, rate);
  if (!(await deps.limits.countSubmission(sub, window.start, rate.count, window.endsAt))) throw submissionRateError(rate, window);
}

/**
 * Takes an open-request slot on `target` for `requestId`, or refuses (409 LIMIT_OPEN_REQUESTS).
 * Each claimed slot is judged by its request's status now, so slots free themselves when their
 * requests end; the write is conditional on the slots' version, so of many parallel submissions
 * exactly the allowed number get one.
 */
export async function claimOpenSlot(deps: LimitDeps, sub: string, target: Target, requestId: string, now: Date): Promise<void> {
  const limits = target.openRequests ?? DEFAULT_OPEN_REQUEST_LIMITS;
  for (let round = 0; round < MAX_CLAIM_ROUNDS; round++) {
    const { claims, version } = await deps.limits.openClaims(sub, target.id);
    const statuses = await Promise.all(claims.map(async (c) => (await deps.requests.get(c.requestId))?.status));
    const held = { pending: 0, active: 0 };
    const kept: OpenClaim[] = [];
    claims.forEach((claim, i) => {
      const holds = claimHolds(claim, statuses[i], now);
      if (holds === undefined) return;
      held[holds]++;
      kept.push(claim);
    });
    assertOpenRequestsAllowed(held, limits, target.id);
    if (await deps.limits.replaceOpenClaims(sub, target.id, version, [...kept, { requestId, at: now.toISOString() }])) return;
  }
  throw new UnavailableError(`Too many submissions for ${target.id} at the same moment; try again`, 'LIMIT_BUSY');
}

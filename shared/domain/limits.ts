import { formatDuration } from './duration';
import { ConflictError, RateLimitedError } from './errors';
import { RequestStatus } from './status';

/**
 * Limits against abuse: how many requests one requester may hold open on one target, how many
 * they may submit per period, and how close together two auto-approved grants may be.
 */

/** Open requests one requester may hold on one target: not yet issued (PENDING, APPROVED) and ACTIVE. */
export interface OpenRequestLimits {
  /** ACTIVE grants; with `pending`, bounds the open total. */
  active: number;
  /** PENDING or APPROVED (not yet issued) requests. */
  pending: number;
}

/** Submissions one requester may make per period (a fixed window starting at the epoch). */
export interface SubmissionRate {
  count: number;
  periodSeconds: number;
}

export const DEFAULT_OPEN_REQUEST_LIMITS: OpenRequestLimits = { active: 1, pending: 2 };
export const DEFAULT_SUBMISSION_RATE: SubmissionRate = { count: 10, periodSeconds: 3600 };

/**
 * A claim on an open-request slot is written before its request: a claim whose request is not
 * stored yet still counts for this long (the submission may be in flight), then it is dropped.
 */
export const CLAIM_GRACE_MS = 5 * 60_000;

/** A slot taken by one submission: the request's id and when the slot was claimed. */
export interface OpenClaim {
  requestId: string;
  at: string;
}

/** What a claim holds now: a pending or active slot, or nothing (its request ended, or never came). */
export function claimHolds(claim: OpenClaim, status: RequestStatus | undefined, now: Date): 'pending' | 'active' | undefined {
  if (status === undefined) return now.getTime() - Date.parse(claim.at) < CLAIM_GRACE_MS ? 'pending' : undefined;
  if (status === RequestStatus.PENDING || status === RequestStatus.APPROVED) return 'pending';
  if (status === RequestStatus.ACTIVE) return 'active';
  return undefined;
}

/**
 * Refuses one more submission when the requester already holds `pending` not-yet-issued
 * requests, or `active + pending` open ones in all. 409 `LIMIT_OPEN_REQUESTS`, naming the limit.
 */
export function assertOpenRequestsAllowed(held: { pending: number; active: number }, limits: OpenRequestLimits, target: string): void {
  if (held.pending >= limits.pending) {
    throw new ConflictError(
      `You already have ${held.pending} pending request(s) for ${target}; the limit is ${limits.pending} pending (PENDING or APPROVED) per requester and target. Cancel one or wait for a decision.`,
      'LIMIT_OPEN_REQUESTS',
      [{ field: 'target', rule: 'open-requests.pending', message: `at most ${limits.pending} pending request(s) per requester and target` }],
    );
  }
  const total = limits.active + limits.pending;
  if (held.pending + held.active >= total) {
    throw new ConflictError(
      `You already have ${held.pending + held.active} open request(s) for ${target}; the limit is ${total} open (${limits.active} ACTIVE + ${limits.pending} pending) per requester and target.`,
      'LIMIT_OPEN_REQUESTS',
      [{ field: 'target', rule: 'open-requests.total', message: `at most ${total} open request(s) per requester and target` }],
    );
  }
}

/** The fixed window `now` falls in: its start (the counter's key), its end, and the seconds until then. */
export function submissionWindow(now: Date, rate: SubmissionRate): { start: string; endsAt: string; retryAfterSeconds: number } {
  const periodMs = rate.periodSeconds * 1000;
  const start = Math.floor(now.getTime() / periodMs) * periodMs;
  const end = start + periodMs;
  return {
    start: new Date(start).toISOString(),
    endsAt: new Date(end).toISOString(),
    retryAfterSeconds: Math.max(1, Math.ceil((end - now.getTime()) / 1000)),
  };
}

/** 429 `LIMIT_SUBMISSION_RATE` with Retry-After: the window's count is used up. */
export function submissionRateError(rate: SubmissionRate, window: { endsAt: string; retryAfterSeconds: number }): RateLimitedError {
  return new RateLimitedError(
    `Too many requests submitted: the limit is ${rate.count} per ${formatDuration(rate.periodSeconds)} per requester; try again after ${window.endsAt}.`,
    window.retryAfterSeconds,
    'LIMIT_SUBMISSION_RATE',
    [{ rule: 'submission-rate', message: `at most ${rate.count} submissions per ${formatDuration(rate.periodSeconds)}` }],
  );
}

/**
 * Until when an auto-approval given now blocks the next one for the same requester and target:
 * the grant's own window plus the cool-down. Back-to-back auto-approved grants would otherwise
 * chain into unbroken access that no person approved; within this time a request goes to the
 * approvers instead.
 */
export function autoApprovalBlockedUntil(now: Date, durationSeconds: number, cooldownSeconds: number): string {
  return new Date(now.getTime() + (durationSeconds + cooldownSeconds) * 1000).toISOString();
}

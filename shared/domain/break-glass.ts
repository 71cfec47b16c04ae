import type { BreakGlassRule } from '../catalogue/types';
import { formatDuration } from './duration';
import { ConflictError, ForbiddenError } from './errors';
import { sameMailbox } from './identity';
import { HistoryType, type AccessRequest, type BreakGlassReview, type ReviewOutcome } from './request';
import { RequestStatus, assertReviewTransition } from './status';
import { openWindow } from './window';

/**
 * Break-glass: a permitted requester gets access at once, without approval. The price is noise:
 * a CRITICAL alarm the moment it happens, a notice to every approver, and a review afterwards
 * (`acknowledge` or `flag`); nobody reviewing in time raises a second CRITICAL alarm.
 */

/** The new request (built PENDING by the request rules) as an ACTIVE break-glass grant with its review pending. */
export function breakGlassGrant(request: AccessRequest, rule: BreakGlassRule, now: Date): AccessRequest {
  const window = openWindow(now, request.durationSeconds);
  const dueAt = new Date(now.getTime() + rule.reviewWithinSeconds * 1000).toISOString();
  return {
    ...request,
    status: RequestStatus.ACTIVE,
    ...window,
    breakGlass: true,
    review: { status: 'pending', dueAt, reviews: [] },
    history: [
      ...request.history,
      { at: now.toISOString(), type: HistoryType.BREAK_GLASS, by: request.requester.email, detail: `active without approval until ${window.expiresAt}; review due ${dueAt} (${formatDuration(rule.reviewWithinSeconds)})` },
    ],
  };
}

/**
 * One approver's review of a break-glass grant: any approver of the target but the requester,
 * once each. The first review settles `pending`; a flag after an acknowledgement still flags it
 * (a concern is never overruled by someone else's "fine").
 */
export function castReview(
  request: Pick<AccessRequest, 'id' | 'breakGlass' | 'review' | 'requester'>,
  review: { by: string; outcome: ReviewOutcome; at: string; comment?: string },
): BreakGlassReview {
  if (!request.breakGlass || !request.review) throw new ConflictError(`Request ${request.id} is not a break-glass grant; nothing to review`, 'NOT_BREAK_GLASS');
  if (sameMailbox(review.by, request.requester.email)) throw new ForbiddenError('You cannot review your own break-glass access', 'SELF_REVIEW');
  if (request.review.reviews.some((r) => sameMailbox(r.by, review.by))) {
    throw new ConflictError(`${review.by} has already reviewed request ${request.id}`, 'ALREADY_REVIEWED');
  }
  const current = request.review.status;
  const next = review.outcome === 'flag' ? 'flagged' : current === 'pending' ? 'acknowledged' : current;
  assertReviewTransition(current, next, request.id);
  return { ...request.review, status: next, reviews: [...request.review.reviews, review] };
}

/** The review deadline passed with nothing reviewed and no alarm raised yet. */
export const reviewOverdue = (request: Pick<AccessRequest, 'breakGlass' | 'review'>, now: Date): boolean =>
  request.breakGlass === true &&
  request.review?.status === 'pending' &&
  !request.review.escalatedAt &&
  Date.parse(request.review.dueAt) <= now.getTime();

import { reviewOverdue } from '../domain/break-glass';
import { HistoryType } from '../domain/request';
import { BreakGlassAlarm, breakGlassAlarm } from '../alerts/break-glass-alarm';
import type { Deps } from '../runtime/deps';
import { updateRequest } from './update-request';

/** The ports this use case touches. */
export type ReviewDueDeps = Pick<Deps, 'clock' | 'logger' | 'notifier' | 'requests'>;

/**
 * The workflow's check when a break-glass grant's review is due: nobody reviewed it, so the
 * CRITICAL break-glass-unreviewed alarm goes out, once (the request records `escalatedAt`, written
 * conditionally before publishing; a publish that fails clears nothing and is retried by the
 * workflow, which finds the mark and publishes again only if the first try did not).
 */
export async function checkBreakGlassReview(deps: ReviewDueDeps, requestId: string): Promise<{ alarmed: boolean }> {
  const now = deps.clock.now();
  // Reviewed in time or not break-glass: nothing changes and nothing is raised. Marked but not
  // alarmed (an earlier attempt's publish failed): raised now.
  const { request } = await updateRequest(deps, requestId, (latest) =>
    reviewOverdue(latest, now) && latest.review
      ? { set: { review: { ...latest.review, escalatedAt: now.toISOString() } }, append: [] }
      : null,
  );
  if (!request.review?.escalatedAt || request.history.some((h) => h.type === HistoryType.REVIEW_OVERDUE)) return { alarmed: false };
  await deps.notifier.publish(breakGlassAlarm(BreakGlassAlarm.UNREVIEWED, request, now));
  await deps.requests.appendHistory(requestId, [
    { at: deps.clock.now().toISOString(), type: HistoryType.REVIEW_OVERDUE, detail: `nobody reviewed it by ${request.review.dueAt}; break-glass-unreviewed alarm raised` },
  ]);
  deps.logger.warn('break-glass access unreviewed', { requestId });
  return { alarmed: true };
}

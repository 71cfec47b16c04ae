import { RequestStatus } from '../domain/status';
import { stuckReason, type EndedExecutionStatus } from '../domain/stuck';
import type { Deps } from '../runtime/deps';
import { settleRequest, type SettleRequestDeps } from './settle-request';

/** The ports these use cases touch (their composition roots provide exactly these). */
export type SettleStuckDeps = SettleRequestDeps;
export type SweepDeps = SettleStuckDeps & Pick<Deps, 'executions'>;

/** Requests the sweep reads per page of the open-requests index. */
const SWEEP_PAGE = 100;
/** Pages one sweep reads; the next run goes on (the schedule repeats). */
const SWEEP_MAX_PAGES = 50;

/**
 * Settles FAILED a request whose workflow can no longer do it, through the same path as the
 * workflow's own failure recorder (final status by conditional write; the live sessions of a
 * grant whose window had opened cut by the ended-sessions deny; sealed credentials deleted;
 * requester told once). A request already final is left as it is.
 */
export async function settleStuck(deps: SettleStuckDeps, requestId: string, reason: string, error: string): Promise<{ status: RequestStatus; changed: boolean }> {
  const before = await deps.requests.get(requestId);
  if (!before) {
    deps.logger.warn('stuck request not found', { requestId, reason });
    return { status: RequestStatus.FAILED, changed: false };
  }
  return settleRequest(deps, {
    requestId,
    outcome: 'FAILED',
    error,
    cause: JSON.stringify({ errorType: error, errorMessage: reason }),
  });
}

/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) of the
 * approval workflow: the execution is named after its request.
 */
export function settleEndedExecution(deps: SettleStuckDeps, requestId: string, status: EndedExecutionStatus) {
  return settleStuck(deps, requestId, `the approval workflow execution ended ${status}`, `Workflow.${status}`);
}

/**
 * The scheduled sweep: every request that is not final and older than the sweep's minimum age
 * whose execution is not running (never started, or ended without settling it) is settled.
 */
export async function sweepStuckRequests(deps: SweepDeps): Promise<{ checked: number; settled: string[] }> {
  const settled: string[] = [];
  let checked = 0;
  let after: string | undefined;
  for (let page = 0; page < SWEEP_MAX_PAGES; page++) {
    const { items, last } = await deps.requests.listOpen({ limit: SWEEP_PAGE, ...(after ? { after } : {}) });
    for (const request of items) {
      checked++;
      const now = deps.clock.now();
      // Too young (or final by now): no need to ask Step Functions.
      if (stuckReason(request, 'NOT_FOUND', now) === undefined) continue;
      const reason = stuckReason(request, await deps.executions.status(request.id), now);
      if (reason === undefined) continue;
      const { changed } = await settleStuck(deps, request.id, reason, 'Workflow.Stuck');
      if (changed) settled.push(request.id);
    }
    if (!last) break;
    after = last;
  }
  deps.logger.info('stuck requests swept', { checked, settled: settled.length });
  return { checked, settled };
}

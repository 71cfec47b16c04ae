import type { AccessRequest } from './request';
import { isFinal } from './status';

/**
 * Requests nobody is working on any more: their workflow ended (failed, timed out, aborted, or
 * finished without settling them) or never started. A scheduled sweep finds them and settles
 * them FAILED; an EventBridge rule on the workflow's status changes catches most of them first.
 */

/** What Step Functions' DescribeExecution says of a request's execution, or NOT_FOUND (never started). */
export type ExecutionState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | 'NOT_FOUND';

/** Execution statuses of the "Execution Status Change" events the rule delivers. */
export const ENDED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type EndedExecutionStatus = (typeof ENDED_EXECUTION_STATUSES)[number];

/** A request younger than this is left alone by the sweep: its workflow may be starting right now. */
export const SWEEP_MIN_AGE_MS = 15 * 60_000;

/**
 * Why a request must be settled FAILED, or undefined when it is fine: final already, too young
 * to judge, or its execution still running (or waiting to be redriven).
 */
export function stuckReason(request: Pick<AccessRequest, 'status' | 'createdAt'>, execution: ExecutionState | undefined, now: Date): string | undefined {
  if (isFinal(request.status)) return undefined;
  if (now.getTime() - Date.parse(request.createdAt) < SWEEP_MIN_AGE_MS) return undefined;
  switch (execution) {
    case undefined:
    case 'RUNNING':
    case 'PENDING_REDRIVE':
      return undefined;
    case 'NOT_FOUND':
      return 'the approval workflow never started';
    case 'SUCCEEDED':
      return `the approval workflow ended without settling the request (it was ${request.status})`;
    default:
      return `the approval workflow execution ended ${execution}`;
  }
}

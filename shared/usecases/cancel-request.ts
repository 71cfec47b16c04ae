import { ConflictError, NotFoundError } from '../domain/errors';
import { isRequester } from '../domain/authorization';
import type { Caller } from '../domain/identity';
import { HistoryType, type AccessRequest } from '../domain/request';
import { RequestStatus, canTransition } from '../domain/status';
import type { Deps } from '../runtime/deps';
import { WORKFLOW_CANCELLED_ERROR } from '../workflow/errors';
import { updateRequest } from './update-request';

/** The ports this use case touches (its composition root provides exactly these). */
export type CancelRequestDeps = Pick<Deps, 'clock' | 'logger' | 'requests' | 'workflow'>;

/**
 * The requester withdraws a PENDING or APPROVED request. The status write is conditional, so of
 * two racing cancels (or a cancel racing an approval) exactly one wins; the waiting workflow is
 * then ended, and the approval links die with the status (links act only on PENDING requests).
 */
export async function cancelRequest(deps: CancelRequestDeps, caller: Caller, id: string, reason?: string): Promise<AccessRequest> {
  const { request, taskToken } = await updateRequest(
    deps,
    id,
    (current) => {
      // Approvers may see the request but only its requester may withdraw it; others get 404 as for reads.
      if (!isRequester(current, caller)) throw new NotFoundError(`Request ${id} not found`);
      if (!canTransition(current.status, RequestStatus.CANCELLED)) {
        throw new ConflictError(`Request ${id} is ${current.status} and can no longer be cancelled`, 'NOT_CANCELLABLE');
      }
      return {
        set: { status: RequestStatus.CANCELLED },
        append: [
          { at: deps.clock.now().toISOString(), type: HistoryType.CANCELLED, by: caller.email, ...(reason ? { detail: reason } : {}) },
        ],
        taskToken: null,
      };
    },
    { readTaskToken: true },
  );
  if (taskToken) {
    try {
      await deps.workflow.abort(taskToken, WORKFLOW_CANCELLED_ERROR, `Cancelled by ${caller.email}`);
    } catch (e) {
      // The request is CANCELLED either way; a workflow that cannot be reached times out into a no-op.
      deps.logger.warn('could not end the waiting workflow', { requestId: id, error: e });
    }
  }
  return request;
}

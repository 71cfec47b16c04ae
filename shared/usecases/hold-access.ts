import { NotFoundError } from '../domain/errors';
import { RequestStatus } from '../domain/status';
import { secondsLeftInWindow } from '../domain/window';
import type { Deps } from '../runtime/deps';
import type { HoldAccessMeasure, HoldAccessPayload } from '../workflow/payloads';
import { RequestClosedError } from './issue-credentials';
import { updateRequest } from './update-request';

/** The ports this use case touches (its composition root provides exactly these). */
export type HoldAccessDeps = Pick<Deps, 'clock' | 'logger' | 'requests'>;

/**
 * The end-of-access wait's two steps. `measure`: the whole seconds left until the request's
 * expiresAt, read from the request (an extension moves it there). `hold`: store the callback's
 * task token on the request, conditional on ACTIVE, so a revoke (or an extension) can resume
 * the wait with SendTaskSuccess; the token replaces any older one (a retried attempt's or the
 * approval wait's). A request no longer ACTIVE ends the wait at once with Broker.RequestClosed:
 * whoever moved it (a revoke that found no token yet) already wrote its final status.
 */
export async function holdAccess(deps: HoldAccessDeps, payload: HoldAccessPayload): Promise<HoldAccessMeasure | { held: true }> {
  if (payload.step === 'measure') {
    const request = await deps.requests.get(payload.requestId);
    if (!request) throw new NotFoundError(`Request ${payload.requestId} not found`);
    if (request.status !== RequestStatus.ACTIVE || !request.expiresAt) throw new RequestClosedError(request.id, request.status);
    return { secondsLeft: secondsLeftInWindow(request.expiresAt, deps.clock.now()), expiresAt: request.expiresAt };
  }
  await updateRequest(deps, payload.requestId, (current) => {
    if (current.status !== RequestStatus.ACTIVE) throw new RequestClosedError(current.id, current.status);
    return { set: {}, append: [], taskToken: payload.taskToken };
  });
  deps.logger.info('holding access until the window ends', { requestId: payload.requestId, secondsLeft: payload.secondsLeft });
  return { held: true };
}

import { findTarget } from '../catalogue';
import { UnavailableError, ValidationError } from '../domain/errors';
import type { Caller } from '../domain/identity';
import { canRequest } from '../domain/authorization';
import { buildAccessRequest, type NewRequestInput } from '../domain/new-request';
import { HistoryType, type AccessRequest } from '../domain/request';
import { compileSessionPolicy } from '../domain/session-policy';
import { RequestStatus, assertInitialStatus, canTransition } from '../domain/status';
import type { Deps } from '../runtime/deps';
import { claimOpenSlot, countSubmission } from './limits';
import { updateRequest } from './update-request';
import { approvalWaits } from '../domain/reminders';
import { BreakGlassAlarm, breakGlassAlarm } from '../alerts/break-glass-alarm';

/** The ports this use case touches (its composition root provides exactly these). */
export type CreateRequestDeps = Pick<Deps, 'catalogue' | 'clock' | 'limits' | 'logger' | 'newId' | 'notifier' | 'requests' | 'workflow'>;

/**
 * Validates and stores a new PENDING request, then starts its approval workflow.
 * If the workflow cannot start, the request is marked FAILED (kept for the audit trail) and
 * the caller gets a 503 naming the request: nothing is left PENDING with no one waiting on it.
 */
export async function createRequest(deps: CreateRequestDeps, caller: Caller, input: NewRequestInput): Promise<AccessRequest> {
  const target = findTarget(deps.catalogue, input.target);
  // A target the caller may not request gets the very answer an unknown one gets: nothing
  // tells them it exists, let alone which groups may ask for it.
  if (!target || !canRequest(target, caller)) {
    const allowed = deps.catalogue.targets.filter((t) => canRequest(t, caller)).map((t) => t.id);
    throw new ValidationError(`Unknown target "${input.target}"`, [
      {
        field: 'target',
        rule: 'known-target',
        message: `"${input.target}" is not a target you can request; yours: ${allowed.join(', ') || 'none'}`,
      },
    ]);
  }
  const now = deps.clock.now();
  const built = buildAccessRequest({ id: deps.newId(), now, caller, target, input });
  // Refuse now what STS would refuse at issue time, while the requester is still here to fix it;
  // the compiled policy is kept on the request: approvers see it, issuance sends it.
  const sessionPolicy = compileSessionPolicy(built.services, deps.catalogue.services, { account: built.account, region: target.region });
  const request: AccessRequest = { ...built, sessionPolicy };
  // Limits against abuse, after the request was found valid: the submission rate (429), then a
  // slot among the requester's open requests on this target (409).
  await countSubmission(deps, caller.sub, now);
  await claimOpenSlot(deps, caller.sub, target, request.id, now);

  // A request starts PENDING, or ACTIVE for break-glass access (the lifecycle's initial statuses).
  assertInitialStatus(request.status, request.id);
  if (request.breakGlass) {
    // Fail closed, and before the ACTIVE request exists (so no credential can be fetched for a
    // break-glass grant nobody was alarmed about): an alarm that cannot be raised grants nothing.
    try {
      await deps.notifier.publish(breakGlassAlarm(BreakGlassAlarm.USED, request, now));
    } catch (e) {
      deps.logger.error('break-glass alarm failed', { requestId: request.id, error: e });
      throw new UnavailableError(`The break-glass alarm could not be raised, so no access was granted and nothing was recorded. Try again.`, 'ALARM_FAILED');
    }
  }
  await deps.requests.create(request);
  deps.logger.info('request submitted', { requestId: request.id, target: target.id, ...(request.breakGlass ? { breakGlass: true } : {}) });
  const markFailed = (detail: string) =>
    updateRequest(deps, request.id, (current) =>
      canTransition(current.status, RequestStatus.FAILED)
        ? { set: { status: RequestStatus.FAILED }, append: [{ at: deps.clock.now().toISOString(), type: HistoryType.FAILED, detail }] }
        : null,
    );

  let executionArn: string;
  try {
    executionArn = await deps.workflow.start({
      requestId: request.id,
      approvalTimeoutSeconds: target.approvalTimeoutSeconds,
      ...(target.reminders && !request.breakGlass ? { approvalWaits: approvalWaits(target.approvalTimeoutSeconds) } : {}),
      ...(request.startsAt && !request.breakGlass ? { startsAt: request.startsAt } : {}),
      ...(request.review ? { reviewDueAt: request.review.dueAt } : {}),
    });
  } catch (e) {
    deps.logger.error('workflow start failed', { requestId: request.id, error: e });
    await markFailed('approval workflow could not start');
    throw new UnavailableError(
      `Request ${request.id} was recorded but its approval workflow could not start; it is marked FAILED. Try again shortly.`,
      'WORKFLOW_START_FAILED',
    );
  }

  const { request: stored } = await updateRequest(
    deps,
    request.id,
    (current) =>
      current.executionArn
        ? null
        : {
            set: { executionArn },
            append: [{ at: deps.clock.now().toISOString(), type: HistoryType.WORKFLOW_STARTED }],
          },
    { current: request },
  );
  return stored;
}


import { votingApprovers } from '../domain/authorization';
import type { Caller } from '../domain/identity';
import { judgeRevoke, type Revoker } from '../domain/revocation';
import { HistoryType, type AccessRequest } from '../domain/request';
import { RequestStatus } from '../domain/status';
import { quoteLines } from '../notifications/quote';
import { revokedApproverMessage } from '../notifications/revocation-email';
import type { Deps } from '../runtime/deps';
import { WORKFLOW_CANCELLED_ERROR } from '../workflow/errors';
import { accessWaitOutput } from '../workflow/payloads';
import { endSessions } from './end-sessions';
import { tellRequester } from './notify-requester';
import { updateRequest } from './update-request';
import { timeOutPending } from '../domain/extension';

/** The ports revoking touches (its composition root provides exactly these). */
export type RevokeRequestDeps = Pick<Deps, 'catalogue' | 'clock' | 'credentials' | 'logger' | 'mailer' | 'notifier' | 'requests' | 'sessionDenies' | 'settings' | 'workflow'>;

/** One revoke: who, why, and the rule that says whether they may (throws when not). */
export interface Revocation {
  id: string;
  /** Recorded in the history and told to the requester and approvers. */
  by: string;
  reason?: string;
  /** Judges the request as stored (each attempt of the conditional write judges it again). */
  authorize(current: AccessRequest): void;
}

/**
 * `POST /requests/{id}/revoke`: the requester (reason optional), an approver of the target
 * (by mailbox) or a member of an operator group (both with a reason) ends an ACTIVE grant, or
 * an APPROVED one before anything was issued.
 */
export async function revokeRequest(deps: RevokeRequestDeps, caller: Caller, id: string, reason?: string): Promise<AccessRequest> {
  let as: Revoker | undefined;
  const request = await endGrant(deps, {
    id,
    by: caller.email,
    ...(reason ? { reason } : {}),
    authorize: (current) => {
      as = judgeRevoke(current, caller, deps.catalogue.operatorGroups, reason);
    },
  });
  deps.logger.info('request revoked', { requestId: id, as });
  return request;
}

/**
 * Ends a grant: ACTIVE or APPROVED -> REVOKED by a write conditional on the version and status
 * it judged (so of a revoke racing another revoke, or the expiry, exactly one final status is
 * written; the loser is judged again on what the winner left and gets 409), with a `revoked`
 * history entry {by, detail: reason}. Then, in this order:
 * 1. cut the live sessions (an ACTIVE grant issued credentials; an APPROVED one issued none):
 *    the deny on the target role, or a CRITICAL alarm if it cannot be written;
 * 2. delete the sealed credentials, so the API can hand nothing out again;
 * 3. resume the end-of-access wait with {"outcome":"revoked"} (a wait already over is fine);
 *    an APPROVED grant's workflow finds REVOKED at issuance and issues nothing (an approval
 *    wait still open because its decision was not delivered is ended as a cancel);
 * 4. tell the requester and the approvers.
 */
export async function endGrant(deps: RevokeRequestDeps, revocation: Revocation): Promise<AccessRequest> {
  let from: RequestStatus | undefined;
  const { request, taskToken } = await updateRequest(
    deps,
    revocation.id,
    (current) => {
      revocation.authorize(current);
      from = current.status;
      const at = deps.clock.now().toISOString();
      // An extension still pending ends with the grant (TIMED_OUT), in the same conditional write.
      const pending = timeOutPending(current, at);
      return {
        set: { status: RequestStatus.REVOKED, ...(pending ? { extensions: pending.extensions } : {}) },
        append: [
          {
            at,
            type: HistoryType.REVOKED,
            by: revocation.by,
            ...(revocation.reason ? { detail: revocation.reason } : {}),
          },
          ...(pending?.history ?? []),
        ],
        taskToken: null,
      };
    },
    { readTaskToken: true },
  );
  if (from === RequestStatus.ACTIVE) await endSessions(deps, request, 'revoked');
  await deps.credentials.delete(request.id);
  if (taskToken && from === RequestStatus.APPROVED) {
    // Still the approval wait's token: normally answered already, but if the decision could not
    // be delivered it is still waiting. Ending it as a cancel ends the execution in "Cancelled".
    try {
      await deps.workflow.abort(taskToken, WORKFLOW_CANCELLED_ERROR, `Revoked by ${revocation.by}`);
    } catch (e) {
      deps.logger.info('the approval wait had already ended', { requestId: request.id, error: e });
    }
  } else if (taskToken) {
    try {
      const resumed = await deps.workflow.resumeAccessWait(taskToken, accessWaitOutput('revoked'));
      if (resumed === 'closed') deps.logger.info('the end-of-access wait had already ended', { requestId: request.id });
    } catch (e) {
      // REVOKED is written and the sessions are cut; the wait then ends at the window's end,
      // where expiring finds the request already REVOKED and writes nothing.
      deps.logger.warn('could not resume the end-of-access wait', { requestId: request.id, error: e });
    }
  }
  await tellEveryone(deps, request, revocation);
  return request;
}

async function tellEveryone(deps: RevokeRequestDeps, request: AccessRequest, revocation: Revocation): Promise<void> {
  const reason = revocation.reason ? ['', `Reason given by ${revocation.by}:`, ...quoteLines(revocation.reason)] : [];
  const detail = [`Revoked by ${revocation.by}. Live sessions made with its credentials are denied on the role.`, ...reason].join('\n');
  try {
    await tellRequester(deps, request, 'revoked', detail);
    for (const approver of votingApprovers(request)) {
      await deps.mailer.send(revokedApproverMessage(request, approver, revocation.by, revocation.reason));
    }
  } catch (e) {
    // The grant has ended either way; a lost email must not turn a done revoke into an error.
    deps.logger.warn('could not notify about the revoke', { requestId: request.id, error: e });
  }
}

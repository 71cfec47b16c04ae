import type { Target } from '../catalogue/types';
import { canRequest, canView, isRequester, mayBreakGlass } from './authorization';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors';
import type { Caller } from './identity';
import { mailbox } from './identity';
import { STS_MIN_SESSION_SECONDS, STS_MAX_SESSION_SECONDS } from './issuance';
import type { AccessRequest } from './request';
import { canTransition, isFinal, RequestStatus } from './status';
import { CONSOLE_URL_TTL_SECONDS } from './window';

/**
 * Ending a grant early: who may revoke it, what they must say, and how long its sessions must
 * stay denied.
 */

/** In whose name a revoke is made. */
export type Revoker = 'requester' | 'approver' | 'operator';

/** Reason recorded when a grant is revoked because its requester may no longer request it. */
export const ENTITLEMENT_LOST_REASON = 'entitlement-lost';

/** Who does the revoking when the broker itself revokes (lost entitlement). */
export const BROKER_REVOKER = 'access-broker';

/**
 * The caller's standing on this request: its requester (by `sub`), one of the approvers
 * snapshotted on it (by mailbox, so case and +tags do not matter), or a member of one of the
 * catalogue's operator groups; undefined for anyone else.
 */
export function revokerOf(request: Pick<AccessRequest, 'requester' | 'approverEmails'>, caller: Caller, operatorGroups: readonly string[]): Revoker | undefined {
  if (request.requester.sub === caller.sub) return 'requester';
  const box = mailbox(caller.email);
  if (request.approverEmails.some((email) => mailbox(email) === box)) return 'approver';
  if (caller.groups.some((g) => operatorGroups.includes(g))) return 'operator';
  return undefined;
}

/** Operators may read any request; everyone else as `canView` says. */
export function canRead(request: AccessRequest, caller: Caller, operatorGroups: readonly string[]): boolean {
  return canView(request, caller) || caller.groups.some((g) => operatorGroups.includes(g));
}

/**
 * Judges one revoke against the request as stored, in this order:
 * - a caller with no standing: 404 if they cannot even read the request (its existence is not
 *   revealed), 403 NOT_A_REVOKER if they can (a member of an approver group only: deciding and
 *   revoking go by the approver's own mailbox);
 * - an approver or operator must give a reason (400 naming `reason`); for the requester it is
 *   optional ("I'm done");
 * - the move to REVOKED must be allowed: 409 ALREADY_ENDED from a final status, 409
 *   NOT_REVOCABLE from PENDING (nothing was granted yet: cancel it, or deny it).
 */
export function judgeRevoke(request: AccessRequest, caller: Caller, operatorGroups: readonly string[], reason: string | undefined): Revoker {
  const as = revokerOf(request, caller, operatorGroups);
  if (!as) {
    if (canRead(request, caller, operatorGroups)) {
      throw new ForbiddenError(
        `Only the requester, the target's approvers (by their own email) and members of the operator groups may revoke request ${request.id}`,
        'NOT_A_REVOKER',
      );
    }
    throw new NotFoundError(`Request ${request.id} not found`);
  }
  if (as !== 'requester' && !reason) {
    throw new ValidationError(`An ${as} revoking request ${request.id} must give a reason`, [
      { field: 'reason', rule: 'required', message: `is required when an ${as} revokes (it is recorded and sent to the requester)` },
    ]);
  }
  assertRevocable(request);
  return as;
}

/** 409 unless REVOKED is a move the lifecycle allows from the request's status. */
export function assertRevocable(request: Pick<AccessRequest, 'id' | 'status'>): void {
  if (canTransition(request.status, RequestStatus.REVOKED)) return;
  if (isFinal(request.status)) {
    throw new ConflictError(`Request ${request.id} already ended (${request.status}); there is nothing to revoke`, 'ALREADY_ENDED');
  }
  throw new ConflictError(
    `Request ${request.id} is ${request.status}: nothing was granted yet, so it cannot be revoked (its requester may cancel it)`,
    'NOT_REVOCABLE',
  );
}

/**
 * Until when the deny on an ended session must stay, decided at `now` (the moment the grant
 * ends): no credential of the grant expires after the window's end, except one issued within
 * its last 15 minutes (STS's minimum session), which expires at most 15 minutes after `now`;
 * a console session made from a credential lasts until that credential expires, or at least 15
 * minutes from its sign-in URL (itself valid 15 minutes). Hence the later of the window's end
 * and now + 15 minutes, plus 15 minutes, never more than STS's 12-hour maximum from now. The
 * deny policy then rounds it up to its bucket after a clock-skew margin.
 */
export function endedSessionUntil(windowEndsAt: string | undefined, now: Date): Date {
  const windowEnd = windowEndsAt === undefined ? Number.NaN : Date.parse(windowEndsAt);
  const latestCredentialEnd = Math.max(Number.isNaN(windowEnd) ? 0 : windowEnd, now.getTime() + STS_MIN_SESSION_SECONDS * 1000);
  const until = latestCredentialEnd + CONSOLE_URL_TTL_SECONDS * 1000;
  return new Date(Math.min(until, now.getTime() + STS_MAX_SESSION_SECONDS * 1000));
}

/**
 * Whether the requester still holds the entitlement a grant rests on, checked on every
 * credential retrieval: the target still exists in the catalogue, the caller is still in one
 * of its requester groups, and the caller's email is still the requester's mailbox (an IdP
 * account handed to someone else keeps its `sub`). A reason is given when it is lost.
 */
export function lostEntitlement(
  request: Pick<AccessRequest, 'target' | 'requester' | 'breakGlass'>,
  target: Pick<Target, 'requesterGroups' | 'breakGlass'> | undefined,
  caller: Caller,
): string | undefined {
  if (!target) return `target ${request.target} is no longer in the catalogue`;
  // Break-glass access follows the break-glass groups (and the target still allowing it).
  if (request.breakGlass) {
    if (!target.breakGlass) return `target ${request.target} no longer allows break-glass access`;
    if (!mayBreakGlass(target, caller)) return `the requester is no longer in a break-glass group of ${request.target}`;
  } else if (!canRequest(target, caller)) return `the requester is no longer in a requester group of ${request.target}`;
  if (mailbox(caller.email) !== mailbox(request.requester.email)) return "the caller's email is no longer the requester's";
  return undefined;
}

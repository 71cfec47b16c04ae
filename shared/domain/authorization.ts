import type { Target } from '../catalogue/types';
import type { Caller } from './identity';
import { mailbox, normalizeEmail } from './identity';
import type { AccessRequest } from './request';

/** The caller belongs to one of the target's requester groups. */
export function canRequest(target: Pick<Target, 'requesterGroups'>, caller: Caller): boolean {
  return caller.groups.some((g) => target.requesterGroups.includes(g));
}

/** The target allows break-glass access and the caller belongs to one of its break-glass groups. */
export function mayBreakGlass(target: Pick<Target, 'breakGlass'>, caller: Caller): boolean {
  return target.breakGlass !== undefined && canRequest(target.breakGlass, caller);
}

/** The caller may see and list requests for the target: an emailed approver or an approver-group member. */
export function isApproverOf(target: Pick<Target, 'approverEmails' | 'approverGroups'>, caller: Caller): boolean {
  const email = normalizeEmail(caller.email);
  return target.approverEmails.includes(email) || caller.groups.some((g) => target.approverGroups.includes(g));
}

export const isRequester = (request: AccessRequest, caller: Caller): boolean =>
  request.requester.sub === caller.sub;

/** Requester or one of the approvers snapshotted on the request; everyone else gets a 404. */
export function canView(request: AccessRequest, caller: Caller): boolean {
  return isRequester(request, caller) || isApproverOf(request, caller);
}

/**
 * Who casts a vote: one address per mailbox (the first listed), none of the requester's mailbox
 * (plus-addressing, case and a trailing dot do not make another person). A requester who is also
 * an approver gets no vote, and aliases of one approver get one link between them.
 */
export function votingApprovers(request: Pick<AccessRequest, 'approverEmails' | 'requester'>): string[] {
  const seen = new Set<string>([mailbox(request.requester.email)]);
  return request.approverEmails.filter((email) => {
    const box = mailbox(email);
    if (seen.has(box)) return false;
    seen.add(box);
    return true;
  });
}

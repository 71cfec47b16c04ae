import { votingApprovers } from './authorization';
import { ConflictError, ForbiddenError } from './errors';
import { mailbox, sameMailbox } from './identity';
import { HistoryType, type AccessRequest, type Approval, type Decision, type HistoryEntry } from './request';
import { RequestStatus } from './status';

/**
 * Voting on a request, by mailbox: every rule here compares `mailbox()` forms, so `carol@`,
 * `Carol+prod@` and `carol@example.com.` are one person with one vote, and none of them may
 * decide a request that person submitted.
 */

/** What a request's votes add up to. */
export type Tally = typeof RequestStatus.PENDING | typeof RequestStatus.APPROVED | typeof RequestStatus.DENIED;

/** Distinct mailboxes that approved. Two approvals from aliases of one mailbox count once. */
export function approvalCount(approvals: readonly Pick<Approval, 'by' | 'decision'>[]): number {
  return new Set(approvals.filter((a) => a.decision === 'approve').map((a) => mailbox(a.by))).size;
}

/** Deny wins: one denial decides. Otherwise the request is approved once distinct approving mailboxes reach the quorum. */
export function tally(approvals: readonly Pick<Approval, 'by' | 'decision'>[], approvalsRequired: number): Tally {
  if (approvals.some((a) => a.decision === 'deny')) return RequestStatus.DENIED;
  return approvalCount(approvals) >= approvalsRequired ? RequestStatus.APPROVED : RequestStatus.PENDING;
}

/** The vote an approver (any alias of their mailbox) has cast on the request, if any. */
export const voteOf = (approvals: readonly Approval[], approver: string): Approval | undefined =>
  approvals.find((a) => sameMailbox(a.by, approver));

/** A PENDING request is the only one open to votes; its approval links die with the status. */
export function assertOpenForDecision(request: Pick<AccessRequest, 'id' | 'status'>): void {
  if (request.status !== RequestStatus.PENDING) {
    throw new ConflictError(`Request ${request.id} is already ${request.status}; nothing to decide`, 'ALREADY_DECIDED');
  }
}

/** Nobody decides on their own request, whatever alias of their mailbox the link was sent to. */
export function assertNotSelfVote(request: Pick<AccessRequest, 'requester'>, approver: string): void {
  if (sameMailbox(approver, request.requester.email)) {
    throw new ForbiddenError('You cannot decide on your own request', 'SELF_APPROVAL');
  }
}

/**
 * The approver address a signed-in caller votes as: the one listed on the request for the
 * caller's mailbox (the address their link was sent to), so a vote cast through the
 * authenticated route and one cast through the link are the same person's. Refused as a
 * self-vote for the requester's mailbox (listed or not), and as not an approver otherwise.
 */
export function approverAddressFor(request: Pick<AccessRequest, 'approverEmails' | 'requester'>, email: string): string {
  assertNotSelfVote(request, email);
  const listed = votingApprovers(request).find((approver) => sameMailbox(approver, email));
  if (!listed) throw new ForbiddenError("You are not an approver of this request's target", 'NOT_APPROVER');
  return listed;
}

export interface VoteResult {
  /** The request's approvals with the new vote appended. */
  approvals: Approval[];
  /** The status the votes now decide (PENDING until quorum or a denial). */
  status: Tally;
  /** Distinct approving mailboxes after this vote. */
  approvedCount: number;
  /** This vote took the request out of PENDING. */
  decided: boolean;
  /** The audit entries the vote adds: who decided what (with their comment), and the approval once quorum is met. */
  history: HistoryEntry[];
}

/**
 * Casts one vote: refused as a self-vote, refused on a request that is no longer PENDING, refused
 * from a mailbox that has already voted; then deny wins and quorum is counted by mailbox.
 */
export function castVote(
  request: Pick<AccessRequest, 'id' | 'status' | 'requester' | 'approvals' | 'approvalsRequired'>,
  vote: Approval,
): VoteResult {
  assertNotSelfVote(request, vote.by);
  assertOpenForDecision(request);
  if (voteOf(request.approvals, vote.by)) {
    throw new ConflictError(`${vote.by} has already decided on request ${request.id}`, 'ALREADY_VOTED');
  }
  const approvals = [...request.approvals, vote];
  const status = tally(approvals, request.approvalsRequired);
  const approvedCount = approvalCount(approvals);
  const decided = status !== RequestStatus.PENDING;
  const by = { by: vote.by, ...(vote.comment ? { detail: vote.comment } : {}) };
  const history: HistoryEntry[] =
    vote.decision === 'deny'
      ? [{ at: vote.at, type: HistoryType.DENIED_BY, ...by }]
      : [
          { at: vote.at, type: HistoryType.APPROVED_BY, ...by },
          ...(decided ? [{ at: vote.at, type: HistoryType.APPROVED, detail: `${approvedCount} of ${request.approvalsRequired} approvals` }] : []),
        ];
  return { approvals, status, approvedCount, decided, history };
}

/**
 * A decision that was recorded but perhaps not delivered to the workflow may be delivered again by
 * the approver whose vote it was: the request carries the status this decision leads to and that
 * approver's mailbox voted exactly this way.
 */
export function isRecordedVote(request: Pick<AccessRequest, 'status' | 'approvals'>, approver: string, decision: Decision): boolean {
  const decidedStatus = decision === 'approve' ? RequestStatus.APPROVED : RequestStatus.DENIED;
  if (request.status !== decidedStatus) return false;
  return voteOf(request.approvals, approver)?.decision === decision;
}

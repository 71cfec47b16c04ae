import { findTarget } from '../catalogue';
import { serviceNames } from '../catalogue/services';
import { grantedPermissions, type ServicePermissions } from '../notifications/permissions';
import { APPROVAL_TOKEN_PATTERN, hashApprovalToken, sameHash } from '../domain/approval-token';
import { assertLinkUsable } from '../domain/approval-link';
import { ConflictError, GoneError, NotFoundError, UnavailableError, ValidationError } from '../domain/errors';
import { HistoryType, type AccessRequest, type Decision, type ReviewOutcome } from '../domain/request';
import { canView } from '../domain/authorization';
import { castReview } from '../domain/break-glass';
import { sameMailbox, type Caller } from '../domain/identity';
import { approverAddressFor, assertOpenForDecision, castVote, isRecordedVote } from '../domain/voting';
import type { ApprovalLink, LinkPurpose } from '../ports/repositories';
import { decideExtension } from './extensions';
import { requirePending } from '../domain/extension';
import type { Deps } from '../runtime/deps';
import { WORKFLOW_TASK_CLOSED } from '../workflow/errors';
import { decisionOf } from '../domain/decision';
import { updateRequest } from './update-request';

/** The ports this use case touches (its composition root provides exactly these). */
export type ApprovalDeps = Pick<Deps, 'catalogue' | 'clock' | 'links' | 'logger' | 'requests' | 'workflow'>;
/** Viewing a link reads only: no workflow. */
export type ApprovalViewDeps = Omit<ApprovalDeps, 'workflow'>;

export interface ApprovalContext {
  link: ApprovalLink;
  request: AccessRequest;
  serviceNames: string[];
  /** The exact permissions approving grants, per service. */
  permissions: ServicePermissions[];
  targetDescription?: string;
}

/** Resolves a link token to its link and request, or the precise reason it cannot be used. */
async function resolveLink(deps: ApprovalViewDeps, token: string): Promise<ApprovalContext> {
  const context = await loadLink(deps, token);
  assertLinkUsable(context.link, deps.clock.now(), votesSpending(context), currentRoundFor(context));
  return context;
}

/** Decision links are valid only in the request's current link round (a reminder replaces them). */
const currentRoundFor = ({ link, request }: Pick<ApprovalContext, 'link' | 'request'>): number | undefined =>
  purposeOf(link) === 'decision' ? (request.linkRound ?? 0) : undefined;

/**
 * The votes that spend a link: a decision link is spent once its approver voted on the request
 * by any path; review and extension links are not votes on the request.
 */
const votesSpending = ({ link, request }: Pick<ApprovalContext, 'link' | 'request'>) => (purposeOf(link) === 'decision' ? request.approvals : []);

/** What a link decides. */
export const purposeOf = (link: Pick<ApprovalLink, 'purpose'>): LinkPurpose => link.purpose ?? 'decision';

/** The link and its request, whatever their state; unknown tokens are 404 alike. */
async function loadLink(deps: ApprovalViewDeps, token: string): Promise<ApprovalContext> {
  if (!APPROVAL_TOKEN_PATTERN.test(token)) throw new NotFoundError('This approval link is not valid', 'LINK_UNKNOWN');
  const hash = hashApprovalToken(token);
  const link = await deps.links.get(hash);
  if (!link || !sameHash(link.tokenHash, hash)) throw new NotFoundError('This approval link is not valid', 'LINK_UNKNOWN');
  const request = await deps.requests.get(link.requestId);
  if (!request) throw new NotFoundError('This approval link is not valid', 'LINK_UNKNOWN');
  const target = findTarget(deps.catalogue, request.target);
  return {
    link,
    request,
    serviceNames: serviceNames(request.services, deps.catalogue.services),
    permissions: grantedPermissions(request, deps.catalogue.services),
    ...(target?.description ? { targetDescription: target.description } : {}),
  };
}

/**
 * GET: what the confirmation page shows. Reads only; an email scanner fetching it changes nothing.
 * A request that is no longer PENDING (decided, cancelled, timed out) gets 409, not a page with
 * live Approve/Deny buttons: its links died with the status.
 */
export async function viewApproval(deps: ApprovalViewDeps, token: string): Promise<ApprovalContext> {
  const context = await resolveLink(deps, token);
  const purpose = purposeOf(context.link);
  if (purpose === 'review') assertReviewOpen(context.request, context.link.approver);
  else if (purpose === 'extension') requirePending(context.request, context.link.extensionId); // 409 once decided: a GET shows nothing to decide
  else assertOpenForDecision(context.request);
  return context;
}

/** A review link works while its approver has not reviewed (the review may be settled by others already). */
function assertReviewOpen(request: AccessRequest, approver: string): void {
  if (!request.breakGlass || !request.review) throw new ConflictError(`Request ${request.id} is not a break-glass grant; nothing to review`, 'NOT_BREAK_GLASS');
  if (request.review.reviews.some((r) => sameMailbox(r.by, approver))) {
    throw new ConflictError(`${approver} has already reviewed request ${request.id}`, 'ALREADY_REVIEWED');
  }
}

/**
 * An approver's review of break-glass access, through their review link: `acknowledge` or `flag`
 * with an optional comment. The link is spent by a conditional write; the review is written
 * conditionally on the request's version, judged by the review table (status.ts).
 */
export async function reviewBreakGlass(deps: Pick<Deps, 'catalogue' | 'clock' | 'links' | 'logger' | 'requests'>, context: ApprovalContext, outcome: ReviewOutcome, comment?: string): Promise<DecisionResult> {
  const { link, request, serviceNames } = context;
  const at = deps.clock.now().toISOString();
  const review = { by: link.approver, outcome, at, ...(comment ? { comment } : {}) };
  castReview(request, review);
  if (!(await deps.links.markUsed(link.tokenHash, at))) throw new GoneError('This link was already used', 'LINK_USED');
  const { request: updated } = await updateRequest(
    deps,
    request.id,
    (current) => ({
      set: { review: castReview(current, review) },
      append: [{ at, type: HistoryType.REVIEWED, by: link.approver, detail: `${outcome}${comment ? `: ${comment}` : ''}` }],
    }),
    { current: request },
  );
  deps.logger.info('break-glass reviewed', { requestId: request.id, outcome, review: updated.review?.status });
  return { request: updated, decided: true, timedOut: false, serviceNames };
}

export interface DecisionResult {
  request: AccessRequest;
  /** The request reached a final decision with this vote. */
  decided: boolean;
  /** The workflow had already stopped waiting: the request is shown as timed out. */
  timedOut: boolean;
  serviceNames: string[];
}

/** What recording a vote needs, whichever path it came by. */
export type DecideDeps = Pick<Deps, 'clock' | 'logger' | 'requests' | 'workflow'>;

/** The outcome of one recorded vote. */
export type VoteOutcome = Omit<DecisionResult, 'serviceNames'>;

/** One approver's vote on one request, as either path hands it to `recordVote`. */
interface Ballot {
  /** The request as just read (the vote is judged on it, then again as the write finds it). */
  request: AccessRequest;
  /** The approver address as listed on the request (what their link was made for). */
  voter: string;
  decision: Decision;
  comment?: string;
  /**
   * Spends the path's own credential once the vote passed the rules and before it is written:
   * the link marks itself used (a replay or a double click then gets 410). A refused vote
   * therefore leaves the link usable.
   */
  spend?: () => Promise<void>;
}

/** One line: the comment is quoted in the requester's plain-text email. */
const oneLine = (raw?: string): string | undefined => raw?.replace(/\p{Cc}+/gu, ' ').trim() || undefined;

/**
 * The one decide path of both the link (POST /approvals/{token}) and the authenticated route
 * (POST /requests/{id}/decision): the vote is judged by the domain's rules, written with a
 * conditional write on the request's version (two approvers at the same instant are
 * serialised, and one mailbox gets one vote whatever path each attempt took), and only the
 * write that reaches the quorum, or denies, tells the workflow.
 */
async function recordVote(deps: DecideDeps, ballot: Ballot): Promise<VoteOutcome> {
  const { request, voter, decision } = ballot;
  const comment = oneLine(ballot.comment);
  const now = deps.clock.now().toISOString();
  const vote = { by: voter, decision, at: now, ...(comment ? { comment } : {}) };
  // Judged once before the path's credential is spent, and again on the request as the
  // conditional write finds it.
  castVote(request, vote);
  await ballot.spend?.();

  let decided = false;
  const { request: updated, taskToken } = await updateRequest(
    deps,
    request.id,
    (current) => {
      const result = castVote(current, vote);
      decided = result.decided;
      return {
        set: result.decided ? { approvals: result.approvals, status: result.status } : { approvals: result.approvals },
        append: result.history,
      };
    },
    { readTaskToken: true },
  );
  if (!decided) return { request: updated, decided: false, timedOut: false };

  // The wait closed under us: it timed out (the workflow's own "Record timeout" then writes
  // TIMED_OUT, from APPROVED too), or notify-approvers is being retried with a new token (the
  // retry finds the recorded decision and delivers it). Either way the workflow settles the
  // status; writing TIMED_OUT here could overrule a retry that is about to deliver.
  const closedWait = async () => ({ request: (await deps.requests.get(updated.id)) ?? updated, decided: true, timedOut: true });
  if (!taskToken) return closedWait();
  try {
    await deps.workflow.sendDecision(taskToken, decisionOf(updated));
  } catch (e) {
    if (e instanceof ConflictError && e.code === WORKFLOW_TASK_CLOSED) return closedWait();
    deps.logger.error('decision recorded but not delivered', { requestId: updated.id, error: e });
    throw new UnavailableError(
      'Your decision is recorded but the approval workflow could not be reached. Submit the same decision again to deliver it.',
      'DECISION_NOT_DELIVERED',
    );
  }
  deps.logger.info('decision sent', { requestId: updated.id, status: updated.status });
  return { request: updated, decided: true, timedOut: false };
}

/**
 * The decision was recorded but telling the workflow failed (a throttled or unreachable Step
 * Functions): the token is still stored, so the approver whose vote decided may send the same
 * decision again to deliver it. Returns null when there is nothing to deliver (no recorded
 * vote of theirs with this decision, or no waiting task). `closed` says what a task that no
 * longer waits means on this path: the link shows the request ('show'), the authenticated route
 * answers that this approver already voted ('refuse': it was delivered, or the wait timed out).
 */
async function redeliverDecision(
  deps: DecideDeps,
  request: AccessRequest,
  voter: string,
  decision: Decision,
  closed: 'show' | 'refuse',
): Promise<VoteOutcome | null> {
  if (!isRecordedVote(request, voter, decision)) return null;
  const taskToken = await deps.requests.getTaskToken(request.id);
  if (!taskToken) return null;
  try {
    await deps.workflow.sendDecision(taskToken, decisionOf(request));
  } catch (e) {
    // Closed: delivered earlier, or the wait timed out (the workflow then records TIMED_OUT itself).
    if (!(e instanceof ConflictError && e.code === WORKFLOW_TASK_CLOSED)) throw e;
    if (closed === 'refuse') throw new ConflictError(`${voter} has already decided on request ${request.id}`, 'ALREADY_VOTED');
  }
  deps.logger.info('decision redelivered', { requestId: request.id });
  return { request: (await deps.requests.get(request.id)) ?? request, decided: true, timedOut: false };
}

/**
 * POST /approvals/{token}: one approver's vote through their emailed link. The link is
 * consumed by a conditional write (a replay or a double click gets 410) and is refused once its
 * approver voted by any path; the vote is recorded by `recordVote`, as for the route.
 */
export async function decideApproval(deps: ApprovalDeps, token: string, answer: LinkAnswer, rawComment?: string): Promise<DecisionResult> {
  const context = await loadLink(deps, token);
  const { link, request, serviceNames } = context;
  const purpose = purposeOf(link);
  assertAnswerFits(purpose, answer);
  if (purpose === 'review') {
    assertLinkUsable(link, deps.clock.now());
    return reviewBreakGlass(deps, context, answer as ReviewOutcome, oneLine(rawComment));
  }
  if (purpose === 'extension') {
    assertLinkUsable(link, deps.clock.now());
    return decideExtension(deps, context, answer as Decision, oneLine(rawComment));
  }
  const decision = answer as Decision;
  // Only the approver whose link decided, after spending it, may deliver that decision again.
  const redelivered = link.usedAt ? await redeliverDecision(deps, request, link.approver, decision, 'show') : null;
  if (redelivered) return { ...redelivered, serviceNames };
  assertLinkUsable(link, deps.clock.now(), request.approvals, currentRoundFor(context));
  const outcome = await recordVote(deps, {
    request,
    voter: link.approver,
    decision,
    ...(rawComment !== undefined ? { comment: rawComment } : {}),
    spend: async () => {
      if (!(await deps.links.markUsed(link.tokenHash, deps.clock.now().toISOString()))) throw new GoneError('This link was already used', 'LINK_USED');
    },
  });
  return { ...outcome, serviceNames };
}

/**
 * POST /requests/{id}/decision: a signed-in approver's vote, with the same rules as a link's
 * (the caller's verified email, by mailbox, must be one of the request's approvers; no vote on
 * one's own request; one vote per mailbox; 409 once decided). A caller who may not read the
 * request gets 404 as for a read. Their link for the request is spent by this vote: links are
 * refused once their approver's mailbox has voted (shared/domain/approval-link.ts).
 */
export async function decideAsApprover(deps: DecideDeps, caller: Caller, id: string, decision: Decision, comment?: string): Promise<VoteOutcome> {
  const request = await deps.requests.get(id);
  if (!request || !canView(request, caller)) throw new NotFoundError(`Request ${id} not found`);
  const voter = approverAddressFor(request, caller.email);
  // A repeat of a recorded decision delivers it if the workflow never heard it (after a 503).
  const redelivered = await redeliverDecision(deps, request, voter, decision, 'refuse');
  if (redelivered) return redelivered;
  return recordVote(deps, { request, voter, decision, ...(comment !== undefined ? { comment } : {}) });
}

/** What a link's form posts: a decision on a request or an extension, or a break-glass review. */
export type LinkAnswer = Decision | ReviewOutcome;

/** A review link takes acknowledge or flag; every other link approve or deny (400 naming the field otherwise). */
function assertAnswerFits(purpose: LinkPurpose, answer: LinkAnswer): void {
  const allowed: readonly LinkAnswer[] = purpose === 'review' ? ['acknowledge', 'flag'] : ['approve', 'deny'];
  if (!allowed.includes(answer)) {
    throw new ValidationError(`decision must be ${allowed.join(' or ')} for this link`, [
      { field: 'decision', rule: 'allowed-value', message: `must be ${allowed.join(' or ')} for this link, got ${answer}` },
    ]);
  }
}

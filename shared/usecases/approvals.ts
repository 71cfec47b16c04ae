import { findTarget } from '../catalogue';
import { serviceNames } from '../catalogue/services';
import { APPROVAL_TOKEN_PATTERN, hashApprovalToken, sameHash } from '../domain/approval-token';
import { assertLinkUsable } from '../domain/approval-link';
import { ConflictError, GoneError, NotFoundError, UnavailableError, ValidationError } from '../domain/errors';
import { HistoryType, type AccessRequest, type Decision, type ReviewOutcome } from '../domain/request';
import { castReview } from '../domain/break-glass';
import { sameMailbox } from '../domain/identity';
import { decideExtension, pendingExtension } from './extensions';
import { assertOpenForDecision, castVote, isRecordedVote } from '../domain/voting';
import type { ApprovalLink, LinkPurpose } from '../ports/repositories';
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
  targetDescription?: string;
}

/** Resolves a link token to its link and request, or the precise reason it cannot be used. */
async function resolveLink(deps: ApprovalViewDeps, token: string): Promise<ApprovalContext> {
  const context = await loadLink(deps, token);
  assertLinkUsable(context.link, deps.clock.now(), currentRoundFor(context));
  return context;
}

/** Decision links are valid only in the request's current link round (a reminder replaces them). */
const currentRoundFor = ({ link, request }: Pick<ApprovalContext, 'link' | 'request'>): number | undefined =>
  (link.purpose ?? 'decision') === 'decision' ? (request.linkRound ?? 0) : undefined;

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
  else if (purpose === 'extension') pendingExtension(context.request, context.link.extensionId);
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
  const { request: updated } = await updateRequest(deps, request.id, (current) => ({
    set: { review: castReview(current, review) },
    append: [{ at, type: HistoryType.REVIEWED, by: link.approver, detail: `${outcome}${comment ? `: ${comment}` : ''}` }],
  }));
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

/**
 * POST: one approver's vote. The link is consumed by a conditional write (a replay or a double
 * click gets 410), the vote by another conditional write on the request's version (two
 * approvers at the same instant are serialised), and only the write that reaches the quorum,
 * or denies, tells the workflow.
 */
export async function decideApproval(deps: ApprovalDeps, token: string, answer: LinkAnswer, rawComment?: string): Promise<DecisionResult> {
  // One line: the comment is quoted in the requester's plain-text email.
  const comment = rawComment?.replace(/\p{Cc}+/gu, ' ').trim() || undefined;
  const context = await loadLink(deps, token);
  const purpose = purposeOf(context.link);
  assertAnswerFits(purpose, answer);
  if (purpose === 'review') {
    assertLinkUsable(context.link, deps.clock.now());
    return reviewBreakGlass(deps, context, answer as ReviewOutcome, comment);
  }
  if (purpose === 'extension') {
    assertLinkUsable(context.link, deps.clock.now());
    return decideExtension(deps, context, answer as Decision, comment);
  }
  const decision = answer as Decision;
  const redelivered = await redeliverDecision(deps, context, decision);
  if (redelivered) return redelivered;
  assertLinkUsable(context.link, deps.clock.now(), currentRoundFor(context));
  const { link, request, serviceNames } = context;
  const now = deps.clock.now().toISOString();
  const vote = { by: link.approver, decision, at: now, ...(comment ? { comment } : {}) };
  // Judged once before the link is spent (a refused vote leaves it usable), and again on the
  // request as the conditional write finds it.
  castVote(request, vote);
  if (!(await deps.links.markUsed(link.tokenHash, now))) throw new GoneError('This link was already used', 'LINK_USED');

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
  if (!decided) return { request: updated, decided: false, timedOut: false, serviceNames };

  // The wait closed under us: it timed out (the workflow's own "Record timeout" then writes
  // TIMED_OUT, from APPROVED too), or notify-approvers is being retried with a new token (the
  // retry finds the recorded decision and delivers it). Either way the workflow settles the
  // status; writing TIMED_OUT here could overrule a retry that is about to deliver.
  const closedWait = async () => ({ request: (await deps.requests.get(updated.id)) ?? updated, decided: true, timedOut: true, serviceNames });
  if (!taskToken) return closedWait();
  try {
    await deps.workflow.sendDecision(taskToken, decisionOf(updated));
  } catch (e) {
    if (e instanceof ConflictError && e.code === WORKFLOW_TASK_CLOSED) return closedWait();
    deps.logger.error('decision recorded but not delivered', { requestId: updated.id, error: e });
    throw new UnavailableError(
      'Your decision is recorded but the approval workflow could not be reached. Submit the same decision again (reload this page) to deliver it.',
      'DECISION_NOT_DELIVERED',
    );
  }
  deps.logger.info('decision sent', { requestId: updated.id, status: updated.status });
  return { request: updated, decided: true, timedOut: false, serviceNames };
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

/**
 * The decision was recorded but telling the workflow failed (a throttled or unreachable Step
 * Functions): the token is still stored, so the same approver opening their link again delivers
 * it. Only the approver whose vote decided can do this, and only the same decision.
 */
async function redeliverDecision(deps: ApprovalDeps, context: ApprovalContext, decision: Decision): Promise<DecisionResult | null> {
  const { link, request, serviceNames } = context;
  if (!link.usedAt || !isRecordedVote(request, link.approver, decision)) return null;
  const taskToken = await deps.requests.getTaskToken(request.id);
  if (!taskToken) return null;
  try {
    await deps.workflow.sendDecision(taskToken, decisionOf(request));
  } catch (e) {
    // Closed: delivered earlier, or the wait timed out (the workflow then records TIMED_OUT itself).
    if (!(e instanceof ConflictError && e.code === WORKFLOW_TASK_CLOSED)) throw e;
  }
  deps.logger.info('decision redelivered', { requestId: request.id });
  return { request: (await deps.requests.get(request.id)) ?? request, decided: true, timedOut: false, serviceNames };
}



import { serviceNames } from '../catalogue/services';
import { grantedPermissions } from '../notifications/permissions';
import { newApprovalToken, hashApprovalToken } from '../domain/approval-token';
import { votingApprovers } from '../domain/authorization';
import { linkExpiresAt } from '../domain/approval-link';
import { awaitsDecision, decisionOf, hasRecordedDecision } from '../domain/decision';
import { qualifiesForAutoApproval } from '../domain/auto-approval';
import { autoApprovalBlockedUntil } from '../domain/limits';
import { HistoryType } from '../domain/request';
import { RequestStatus } from '../domain/status';
import { approvalEmail, breakGlassNotice } from '../notifications/approval-email';
import { voteOf } from '../domain/voting';
import type { AccessRequest } from '../domain/request';
import type { Mail } from '../ports';
import type { ApprovalLink } from '../ports/repositories';
import type { Deps } from '../runtime/deps';
import { WORKFLOW_CANCELLED_ERROR } from '../workflow/errors';
import type { NotifyApproversPayload } from '../workflow/payloads';
import { targetOf } from './issue-credentials';
import { updateRequest } from './update-request';

/** The ports this use case touches (its composition root provides exactly these). */
export type NotifyApproversDeps = Pick<Deps, 'catalogue' | 'clock' | 'limits' | 'links' | 'logger' | 'mailer' | 'requests' | 'settings' | 'workflow'>;

/** Who decided when no human had to. */
export const AUTO_APPROVER = 'auto-approval';

/**
 * First step of the callback wait: keep the task token server side, then either auto-approve
 * or send each voting approver their own single-use link. The token never leaves the table.
 */
export async function notifyApprovers(deps: NotifyApproversDeps, payload: NotifyApproversPayload): Promise<{ notified: number; autoApproved: boolean }> {
  const { requestId, taskToken, approvalTimeoutSeconds } = payload;
  const now = deps.clock.now();
  const current = await deps.requests.get(requestId);
  if (!current) throw new Error(`Request ${requestId} not found`);
  if (current.breakGlass) return noticeBreakGlass(deps, current, taskToken);
  if (hasRecordedDecision(current)) {
    // A retry of this task (new token) after an approver decided against the previous attempt's
    // token: keep the new token and deliver the recorded decision, so nothing is lost or re-asked.
    await updateRequest(deps, requestId, (latest) => (hasRecordedDecision(latest) ? { set: {}, append: [], taskToken } : null), { current });
    await deps.workflow.sendDecision(taskToken, decisionOf(current));
    return { notified: 0, autoApproved: false };
  }
  if (!awaitsDecision(current)) {
    // Cancelled before the workflow reached us: end the wait now rather than at its timeout.
    await deps.workflow.abort(taskToken, WORKFLOW_CANCELLED_ERROR, `Request is already ${current.status}`);
    return { notified: 0, autoApproved: false };
  }
  const target = targetOf(deps, current);
  if (payload.reminder) return remindApprovers(deps, current, payload, payload.reminder);
  let autoApprove = qualifiesForAutoApproval(target, current);
  let withheld: string | undefined;
  if (autoApprove && target.autoApprove) {
    // One auto-approved grant per requester and target per window plus cool-down: back-to-back
    // auto-approvals would chain into access no person approved. Within it, approvers decide.
    const cooldownSeconds = target.autoApprove.cooldownSeconds ?? target.autoApprove.maxDurationSeconds;
    const until = autoApprovalBlockedUntil(now, current.durationSeconds, cooldownSeconds);
    if (!(await deps.limits.claimAutoApproval(current.requester.sub, target.id, requestId, now.toISOString(), until))) {
      autoApprove = false;
      withheld = 'auto-approval withheld: an auto-approved grant of this target to the requester ended less than the cool-down ago';
    }
  }

  const { request, changed } = await updateRequest(deps, requestId, (latest) => {
    if (!awaitsDecision(latest)) return null;
    const at = deps.clock.now().toISOString();
    return autoApprove
      ? {
          set: { status: RequestStatus.APPROVED },
          append: [{ at, type: HistoryType.AUTO_APPROVED, by: AUTO_APPROVER, detail: 'matched the target auto-approval rule' }],
          taskToken: null,
        }
      : { set: {}, append: [], taskToken };
  }, { current });
  if (!changed) {
    if (autoApprove) await deps.limits.releaseAutoApproval(current.requester.sub, target.id, requestId, deps.clock.now().toISOString());
    await deps.workflow.abort(taskToken, WORKFLOW_CANCELLED_ERROR, `Request is already ${request.status}`);
    return { notified: 0, autoApproved: false };
  }
  if (autoApprove) {
    await deps.workflow.sendDecision(taskToken, { decision: 'approved', decidedBy: [AUTO_APPROVER] });
    return { notified: 0, autoApproved: true };
  }

  const expiresAt = linkExpiresAt(now, approvalTimeoutSeconds);
  const names = serviceNames(request.services, deps.catalogue.services);
  const permissions = grantedPermissions(request, deps.catalogue.services);
  const approvers = votingApprovers(request);
  await sendApprovalLinks(deps, approvers, { requestId, createdAt: now.toISOString(), expiresAt, round: request.linkRound ?? 0 }, (approver, link) =>
    approvalEmail({ request, target, approver, link, expiresAt, serviceNames: names, permissions, now }),
  );
  await deps.requests.appendHistory(requestId, [
    { at: deps.clock.now().toISOString(), type: HistoryType.NOTIFIED, detail: `${withheld ? `${withheld}; ` : ''}links sent to ${approvers.join(', ')}; they expire ${expiresAt}` },
  ]);
  deps.logger.info('approvers notified', { requestId, approvers: approvers.length });
  return { notified: approvers.length, autoApproved: false };
}

/** Who voted already (by mailbox): they are not reminded. */
const undecided = (request: AccessRequest): string[] => votingApprovers(request).filter((approver) => !voteOf(request.approvals, approver));

/**
 * Reminder 1 or 2 (the workflow's wait ran to 25 % or 60 % of the approval timeout): keep this
 * attempt's task token, move the request to a new link round (every earlier link stops working),
 * and send each approver who has not decided a new link. Nothing is sent once the request is
 * decided: a decision recorded meanwhile is delivered with the new token instead.
 */
async function remindApprovers(
  deps: NotifyApproversDeps,
  current: AccessRequest,
  payload: NotifyApproversPayload,
  reminder: number,
): Promise<{ notified: number; autoApproved: boolean }> {
  const { requestId, taskToken, approvalTimeoutSeconds } = payload;
  const { request, changed } = await updateRequest(deps, requestId, (latest) => {
    if (!awaitsDecision(latest)) return null;
    const at = deps.clock.now().toISOString();
    const round = (latest.linkRound ?? 0) + 1;
    return {
      set: { linkRound: round },
      append: [{ at, type: HistoryType.REMINDED, detail: `reminder ${reminder} to ${undecided(latest).join(', ') || 'nobody'}; earlier links replaced` }],
      taskToken,
    };
  }, { current });
  if (!changed) {
    if (hasRecordedDecision(request)) {
      await updateRequest(deps, requestId, (latest) => (hasRecordedDecision(latest) ? { set: {}, append: [], taskToken } : null));
      await deps.workflow.sendDecision(taskToken, decisionOf(request));
    } else {
      await deps.workflow.abort(taskToken, WORKFLOW_CANCELLED_ERROR, `Request is already ${request.status}`);
    }
    return { notified: 0, autoApproved: false };
  }
  const now = deps.clock.now();
  // The links keep the approval deadline: reminders never give approvers more time.
  const expiresAt = linkExpiresAt(new Date(request.createdAt), approvalTimeoutSeconds);
  const target = targetOf(deps, request);
  const names = serviceNames(request.services, deps.catalogue.services);
  const permissions = grantedPermissions(request, deps.catalogue.services);
  const approvers = undecided(request);
  await sendApprovalLinks(deps, approvers, { requestId, createdAt: now.toISOString(), expiresAt, round: request.linkRound ?? 0 }, (approver, link) =>
    approvalEmail({ request, target, approver, link, expiresAt, serviceNames: names, permissions, now, reminder }),
  );
  deps.logger.info('approvers reminded', { requestId, reminder, approvers: approvers.length });
  return { notified: approvers.length, autoApproved: false };
}

/** Review links stay usable this long after the review was due: a late review still counts. */
export const REVIEW_LINK_GRACE_SECONDS = 7 * 24 * 3600;

/**
 * Break-glass access is ACTIVE already: tell every approver of the target (their own review
 * link each, once, even when this task is retried) and let the workflow go straight on to issue.
 */
async function noticeBreakGlass(deps: NotifyApproversDeps, request: AccessRequest, taskToken: string): Promise<{ notified: number; autoApproved: boolean }> {
  let notified = 0;
  if (request.review && !request.history.some((h) => h.type === HistoryType.NOTIFIED)) {
    const now = deps.clock.now();
    const target = targetOf(deps, request);
    const names = serviceNames(request.services, deps.catalogue.services);
    const expiresAt = new Date(Date.parse(request.review.dueAt) + REVIEW_LINK_GRACE_SECONDS * 1000).toISOString();
    const approvers = votingApprovers(request);
    await sendApprovalLinks(deps, approvers, { requestId: request.id, createdAt: now.toISOString(), expiresAt, purpose: 'review' }, (approver, link) =>
      breakGlassNotice({ request, target, approver, link, expiresAt, serviceNames: names }),
    );
    await deps.requests.appendHistory(request.id, [
      { at: deps.clock.now().toISOString(), type: HistoryType.NOTIFIED, detail: `break-glass notice and review links sent to ${approvers.join(', ')}` },
    ]);
    notified = approvers.length;
    deps.logger.info('approvers told of break-glass access', { requestId: request.id, approvers: notified });
  }
  await deps.workflow.sendDecision(taskToken, { decision: 'approved', decidedBy: [BREAK_GLASS_DECIDER] });
  return { notified, autoApproved: false };
}

/** Who "decided" break-glass access: nobody, it was granted at once. */
export const BREAK_GLASS_DECIDER = 'break-glass';

/**
 * One approval link per approver, each stored (its token's hash, with `link`'s fields) before the
 * approver's own mail carries it: the one place links are minted and sent, for the first round,
 * reminders, break-glass reviews and extensions.
 */
export async function sendApprovalLinks(
  deps: Pick<Deps, 'links' | 'mailer' | 'settings'>,
  approvers: readonly string[],
  link: Omit<ApprovalLink, 'tokenHash' | 'approver'>,
  mailFor: (approver: string, url: string) => Mail,
): Promise<void> {
  for (const approver of approvers) {
    const token = newApprovalToken();
    await deps.links.put({ ...link, tokenHash: hashApprovalToken(token), approver });
    await deps.mailer.send(mailFor(approver, `${deps.settings.publicBaseUrl}/approvals/${token}`));
  }
}

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
import { approvalEmail } from '../notifications/approval-email';
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
  for (const approver of approvers) {
    const token = newApprovalToken();
    await deps.links.put({ tokenHash: hashApprovalToken(token), requestId, approver, createdAt: now.toISOString(), expiresAt });
    await deps.mailer.send(
      approvalEmail({ request, target, approver, link: `${deps.settings.publicBaseUrl}/approvals/${token}`, expiresAt, serviceNames: names, permissions }),
    );
  }
  await deps.requests.appendHistory(requestId, [
    { at: deps.clock.now().toISOString(), type: HistoryType.NOTIFIED, detail: `${withheld ? `${withheld}; ` : ''}links sent to ${approvers.join(', ')}; they expire ${expiresAt}` },
  ]);
  deps.logger.info('approvers notified', { requestId, approvers: approvers.length });
  return { notified: approvers.length, autoApproved: false };
}

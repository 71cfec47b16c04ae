import { grantedPermissions } from '../notifications/permissions';
import { serviceNames } from '../catalogue/services';
import { isRequester, votingApprovers } from '../domain/authorization';
import { qualifiesForAutoApproval } from '../domain/auto-approval';
import { GoneError, NotFoundError } from '../domain/errors';
import { askExtension, buildExtension, requirePending, voteOnExtension, windowSeconds, type ExtensionChange } from '../domain/extension';
import type { Caller } from '../domain/identity';
import { newRequestId } from '../domain/ids';
import type { AccessRequest, Decision, Extension } from '../domain/request';
import { approvalEmail } from '../notifications/approval-email';
import type { Deps } from '../runtime/deps';
import { AccessWaitOutcome, accessWaitOutput } from '../workflow/payloads';
import type { ApprovalContext, DecisionResult } from './approvals';
import { targetOf } from './issue-credentials';
import { sendApprovalLinks } from './notify-approvers';
import { updateRequest } from './update-request';

/** The ports asking for an extension touches (its composition root provides exactly these). */
export type ExtensionDeps = Pick<Deps, 'catalogue' | 'clock' | 'links' | 'logger' | 'mailer' | 'requests' | 'settings' | 'workflow'>;
/** The ports deciding one touches (through an approval link). */
export type ExtensionDecisionDeps = Pick<Deps, 'catalogue' | 'clock' | 'links' | 'logger' | 'requests' | 'workflow'>;

/**
 * POST /requests/{id}/extensions: the requester of an ACTIVE grant asks for more time. The
 * extension is recorded PENDING (conditional on the request's version, so two racing asks make
 * one), and each voting approver gets their own link, valid until the grant's current end: an
 * extension still pending then ends TIMED_OUT with the grant. Within the target's auto-approval
 * rule (on the whole window) it is applied at once.
 */
export async function requestExtension(
  deps: ExtensionDeps,
  caller: Caller,
  id: string,
  input: { duration: string; reason: string },
): Promise<{ extension: Extension; request: AccessRequest }> {
  const found = await deps.requests.get(id);
  if (!found || !isRequester(found, caller)) throw new NotFoundError(`Request ${id} not found`);
  const target = targetOf(deps, found);
  let change: ExtensionChange | undefined;
  const { request } = await updateRequest(
    deps,
    id,
    (current) => {
      const now = deps.clock.now();
      const extension = buildExtension({ id: newRequestId(now), now, request: current, target, input });
      const autoApproved = qualifiesForAutoApproval(target, { services: current.services, durationSeconds: windowSeconds(current) + extension.durationSeconds });
      change = askExtension(current, extension, autoApproved, caller.email);
      return { set: { extensions: change.extensions, ...(change.expiresAt ? { expiresAt: change.expiresAt } : {}) }, append: change.history };
    },
    { current: found },
  );
  const extension = change!.extension;
  deps.logger.info('extension requested', { requestId: id, extensionId: extension.id, status: extension.status });
  if (extension.status === 'APPLIED') {
    await followNewEnd(deps, request);
    return { extension, request };
  }

  const now = deps.clock.now();
  const names = serviceNames(request.services, deps.catalogue.services);
  // Links die with the grant: a vote after the window closed has nothing to extend.
  const expiresAt = extension.from;
  const permissions = grantedPermissions(request, deps.catalogue.services);
  await sendApprovalLinks(deps, votingApprovers(request), { requestId: id, createdAt: now.toISOString(), expiresAt, purpose: 'extension', extensionId: extension.id }, (approver, link) =>
    approvalEmail({ request, target, approver, link, expiresAt, serviceNames: names, permissions, now, extension }),
  );
  return { extension, request };
}

/**
 * One approver's vote on an extension through their link: the link is spent by a conditional
 * write, the vote by another on the request's version; the vote that reaches the quorum moves
 * the window's end and tells the workflow's end-of-access wait to follow it.
 */
export async function decideExtension(deps: ExtensionDecisionDeps, context: ApprovalContext, decision: Decision, comment?: string): Promise<DecisionResult> {
  const { link, request, serviceNames: names } = context;
  const at = deps.clock.now().toISOString();
  const vote = { by: link.approver, decision, at, ...(comment ? { comment } : {}) };
  voteOnExtension(request, link.extensionId, vote);
  if (!(await deps.links.markUsed(link.tokenHash, at))) throw new GoneError('This link was already used', 'LINK_USED');
  let change: ExtensionChange | undefined;
  const { request: updated } = await updateRequest(
    deps,
    request.id,
    (current) => {
      change = voteOnExtension(current, link.extensionId, vote);
      return { set: { extensions: change.extensions, ...(change.expiresAt ? { expiresAt: change.expiresAt } : {}) }, append: change.history };
    },
    // The link's request was read just now: decide on it (the write is conditional on its version).
    { current: request },
  );
  deps.logger.info('extension vote', { requestId: request.id, extensionId: link.extensionId, status: change!.extension.status });
  if (change!.extension.status === 'APPLIED') await followNewEnd(deps, updated);
  return { request: updated, decided: change!.decided, timedOut: false, serviceNames: names };
}

/**
 * Tells the end-of-access wait that the window's end moved, so it measures again and holds until
 * the new end. No stored token (the hold has not begun) or a closed one is fine: the hold measures
 * the request's expiresAt whenever it starts. Step Functions out of reach leaves the extension
 * applied but the hold on the old end: logged as an error for the operators.
 */
async function followNewEnd(deps: Pick<Deps, 'logger' | 'requests' | 'workflow'>, request: AccessRequest): Promise<void> {
  const token = await deps.requests.getTaskToken(request.id);
  if (!token) return;
  try {
    const result = await deps.workflow.resumeAccessWait(token, accessWaitOutput(AccessWaitOutcome.EXTENDED));
    deps.logger.info('end-of-access wait told of the new end', { requestId: request.id, expiresAt: request.expiresAt, result });
  } catch (e) {
    deps.logger.error('extension applied but the end-of-access wait could not be told', { requestId: request.id, error: e });
  }
}

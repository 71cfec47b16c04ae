import { findTarget } from '../catalogue';
import type { Target } from '../catalogue/types';
import { issuanceDurationSeconds } from '../domain/issuance';
import { HistoryType, type AccessRequest } from '../domain/request';
import { compileSessionPolicy } from '../domain/session-policy';
import { RequestStatus } from '../domain/status';
import { activation, justOpened } from '../domain/window';
import type { IssuedCredentials } from '../ports';
import type { StoredCredentials } from '../ports/repositories';
import type { Deps } from '../runtime/deps';
import { WORKFLOW_REQUEST_CLOSED_ERROR } from '../workflow/errors';
import type { IssueCredentialsResult } from '../workflow/payloads';
import { updateRequest } from './update-request';

/** The ports this use case touches (its composition root provides exactly these). */
export type IssueCredentialsDeps = Pick<Deps, 'catalogue' | 'clock' | 'credentials' | 'issuer' | 'logger' | 'requests' | 'vault'>;

/** Thrown when the request left APPROVED before issuing (cancelled meanwhile); the workflow ends quietly. */
export class RequestClosedError extends Error {
  constructor(id: string, status: string) {
    super(`Request ${id} is ${status}; no credentials issued`);
    this.name = WORKFLOW_REQUEST_CLOSED_ERROR;
  }
}

/** The request's target as the catalogue has it now; a target removed since submission is an operator error. */
export function targetOf(deps: Pick<Deps, 'catalogue'>, request: Pick<AccessRequest, 'id' | 'target'>): Target {
  const target = findTarget(deps.catalogue, request.target);
  if (!target) throw new Error(`Target ${request.target} of request ${request.id} is no longer in the catalogue`);
  return target;
}

/**
 * Assumes the target role for the request's services and seals the result. The session lasts
 * what the window, the role and the chaining cap allow, whichever ends first.
 */
export async function issueAndStore(deps: IssueCredentialsDeps, request: AccessRequest, target: Target, now: Date = deps.clock.now()): Promise<StoredCredentials> {
  if (!request.expiresAt) throw new Error(`Request ${request.id} has no window`);
  const durationSeconds = issuanceDurationSeconds({
    now,
    windowEndsAt: request.expiresAt,
    roleMaxSessionSeconds: target.roleMaxSessionSeconds,
    chained: target.issuer === 'chained',
  });
  const credentials: IssuedCredentials = await deps.issuer.issue({
    request,
    // What the approvers approved: the policy compiled at submission (older requests: compiled now).
    sessionPolicy: request.sessionPolicy ?? compileSessionPolicy(request.services, deps.catalogue.services, { account: request.account, region: target.region }),
    durationSeconds,
    issuer: target.issuer,
    ...(target.externalId ? { externalId: target.externalId } : {}),
  });
  const stored: StoredCredentials = {
    requestId: request.id,
    sealed: await deps.vault.seal(request.id, JSON.stringify(credentials)),
    expiration: credentials.expiration,
    issuedAt: now.toISOString(),
    chained: credentials.chained,
  };
  await deps.credentials.put(stored, request.expiresAt);
  await deps.requests.appendHistory(request.id, [
    {
      at: now.toISOString(),
      type: HistoryType.ISSUED,
      detail: `session of ${durationSeconds}s, credentials expire ${credentials.expiration}`,
      accessKeyId: credentials.accessKeyId,
    },
  ]);
  deps.logger.info('credentials issued', { requestId: request.id, durationSeconds, issuer: target.issuer });
  return stored;
}

/**
 * Workflow step after approval: opens the window (APPROVED -> ACTIVE) and issues the first
 * credentials. Safe to retry: an ACTIVE request with credentials already stored is left alone.
 */
export async function issueCredentials(deps: IssueCredentialsDeps, requestId: string): Promise<IssueCredentialsResult> {
  const { request, changed } = await updateRequest(deps, requestId, (current) => {
    const next = activation(current, deps.clock.now());
    if (next.action === 'already-open') return null;
    if (next.action === 'refuse') throw new RequestClosedError(current.id, current.status);
    // The approval wait's token is dead once decided: the end-of-access hold stores its own.
    return { set: { status: RequestStatus.ACTIVE, startsAt: next.startsAt, expiresAt: next.expiresAt }, append: [], taskToken: null };
  });
  if (request.status !== RequestStatus.ACTIVE || !request.startsAt || !request.expiresAt) {
    throw new RequestClosedError(request.id, request.status);
  }
  // The call that opened the window measures it from startsAt: measured a few ms later, a 15-minute
  // window would have 899 s left, under STS's 900 s minimum, and the shortest grant would always fail.
  // So does the first issuance of a window opened moments before elsewhere: break-glass access
  // (ACTIVE from its creation) and a scheduled start the workflow reached just after startsAt.
  const measureFrom = changed || justOpened(request.startsAt, deps.clock.now()) ? new Date(request.startsAt) : undefined;
  if (!(await deps.credentials.get(request.id))) await issueAndStore(deps, request, targetOf(deps, request), measureFrom);
  return { startsAt: request.startsAt, expiresAt: request.expiresAt };
}


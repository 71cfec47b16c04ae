import { HistoryType, type HistoryType as HistoryTypeValue } from '../domain/request';
import { RequestStatus, dropsCredentials, settles } from '../domain/status';
import type { RequesterEvent } from '../notifications/requester-messages';
import type { Deps } from '../runtime/deps';
import type { SettleRequestPayload } from '../workflow/payloads';
import { endSessions } from './end-sessions';
import { tellRequester } from './notify-requester';
import { timeOutPending } from '../domain/extension';
import { updateRequest } from './update-request';

/** The ports this use case touches (its composition root provides exactly these). */
export type SettleRequestDeps = Pick<Deps, 'clock' | 'credentials' | 'logger' | 'mailer' | 'notifier' | 'requests' | 'sessionDenies' | 'settings'>;

const OUTCOME: Record<SettleRequestPayload['outcome'], { status: RequestStatus; history: HistoryTypeValue; event: RequesterEvent }> = {
  EXPIRED: { status: RequestStatus.EXPIRED, history: HistoryType.EXPIRED, event: 'expired' },
  DENIED: { status: RequestStatus.DENIED, history: HistoryType.DENIED_BY, event: 'denied' },
  TIMED_OUT: { status: RequestStatus.TIMED_OUT, history: HistoryType.TIMED_OUT, event: 'timed-out' },
  FAILED: { status: RequestStatus.FAILED, history: HistoryType.FAILED, event: 'failed' },
};

/**
 * What the requester (and the history) is told of a failure: the error's type only. The message
 * may name keys, roles or IAM hints meant for operators; it goes to the log instead.
 */
function failureDetail(payload: SettleRequestPayload): { told: string; logged: string } | undefined {
  if (payload.outcome !== 'FAILED') return undefined;
  let type = payload.error;
  let message = payload.cause;
  try {
    const cause = JSON.parse(payload.cause) as { errorType?: string; errorMessage?: string };
    type = cause.errorType ?? payload.error;
    message = cause.errorMessage ?? '';
  } catch {
    // States.* causes are plain text
  }
  return { told: `The workflow failed (${type}). The platform team has the details in the broker's logs.`, logged: `${type}: ${message}`.slice(0, 1000) };
}

/**
 * Final step of every workflow path: writes the outcome unless the request already has a
 * final status (a denial is written by the decision itself; a late timeout must not
 * overwrite it), cuts the live sessions of a grant whose window had opened (the strict window:
 * at EXPIRED, credentials and console sessions that outlive the window stop working; likewise
 * when an open grant FAILED), drops sealed credentials, and tells the requester once. A retry
 * writes the deny again (it is idempotent), so a crash between the status and the deny is
 * repaired by the workflow's retry.
 */
export async function settleRequest(deps: SettleRequestDeps, payload: SettleRequestPayload): Promise<{ status: RequestStatus; changed: boolean }> {
  const outcome = OUTCOME[payload.outcome];
  const failure = failureDetail(payload);
  if (failure) deps.logger.error('request failed', { requestId: payload.requestId, failure: failure.logged });
  const detail = failure?.told;
  const { request, changed } = await updateRequest(deps, payload.requestId, (current) => {
    if (!settles(current.status, outcome.status)) return null;
    const at = deps.clock.now().toISOString();
    // The grant ends with an extension still pending: the extension ends TIMED_OUT with it.
    const pending = timeOutPending(current, at);
    return {
      set: { status: outcome.status, ...(pending ? { extensions: pending.extensions } : {}) },
      append: [{ at, type: outcome.history, ...(detail ? { detail } : {}) }, ...(pending?.history ?? [])],
      taskToken: null,
    };
  });
  const windowOpened = request.startsAt !== undefined && request.expiresAt !== undefined;
  if (request.status === outcome.status && windowOpened && (outcome.status === RequestStatus.EXPIRED || outcome.status === RequestStatus.FAILED)) {
    await endSessions(deps, request, outcome.status === RequestStatus.EXPIRED ? 'expired' : 'failed');
  }
  if (dropsCredentials(request.status)) await deps.credentials.delete(request.id);
  if (request.status === outcome.status) await tellRequester(deps, request, outcome.event, detail);
  deps.logger.info('request settled', { requestId: request.id, status: request.status, changed });
  return { status: request.status, changed };
}

import { HistoryType, type AccessRequest } from '../domain/request';
import { requesterMessage, type RequesterEvent } from '../notifications/requester-messages';
import type { Deps } from '../runtime/deps';

/** The ports this use case touches (its composition root provides exactly these). */
export type NotifyRequesterDeps = Pick<Deps, 'clock' | 'mailer' | 'requests' | 'settings'>;

/**
 * Tells the requester about an outcome once: a retried Lambda finds the marker in the
 * history and sends nothing again.
 */
export async function tellRequester(deps: NotifyRequesterDeps, request: AccessRequest, event: RequesterEvent, detail?: string): Promise<boolean> {
  if (request.history.some((h) => h.type === HistoryType.REQUESTER_NOTIFIED && h.detail === event)) return false;
  await deps.mailer.send(requesterMessage(request, event, deps.settings.publicBaseUrl, detail));
  await deps.requests.appendHistory(request.id, [{ at: deps.clock.now().toISOString(), type: HistoryType.REQUESTER_NOTIFIED, detail: event }]);
  return true;
}

/** Workflow step after issuing: "your access is active". */
export async function notifyRequesterOfGrant(deps: NotifyRequesterDeps, requestId: string): Promise<{ notified: boolean }> {
  const request = await deps.requests.get(requestId);
  if (!request) throw new Error(`Request ${requestId} not found`);
  return { notified: await tellRequester(deps, request, 'granted') };
}

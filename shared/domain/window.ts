import { ConflictError } from './errors';
import { HistoryType, type AccessRequest } from './request';
import { RequestStatus } from './status';
import { relativeTime, startIsAhead } from './schedule';

/**
 * The access window [startsAt, expiresAt) and the credentials inside it: when it opens, when it
 * is closed, when sealed credentials are due for a refresh.
 */

/** Credentials closer than this to expiry are replaced, while the window allows. */
export const REFRESH_BEFORE_SECONDS = 5 * 60;
/** AWS accepts a federated sign-in URL for 15 minutes after it is made. */
export const CONSOLE_URL_TTL_SECONDS = 15 * 60;

/** The window a request opens at `now`: exactly its approved duration. */
export function openWindow(now: Date, durationSeconds: number): { startsAt: string; expiresAt: string } {
  return { startsAt: now.toISOString(), expiresAt: new Date(now.getTime() + durationSeconds * 1000).toISOString() };
}

/**
 * What issuing does with a request: open its window (APPROVED), leave it (already ACTIVE: a
 * retried step), or refuse (anything else: cancelled, timed out or failed meanwhile).
 */
export type Activation =
  | { action: 'open'; startsAt: string; expiresAt: string }
  | { action: 'already-open' }
  | { action: 'refuse' };

/** How soon after a window opened its first issuance still measures from the opening (workflow latency). */
export const OPENING_GRACE_MS = 60_000;

/** The window opened less than OPENING_GRACE_MS ago. */
export const justOpened = (startsAt: string, now: Date): boolean => {
  const age = now.getTime() - Date.parse(startsAt);
  return age >= 0 && age < OPENING_GRACE_MS;
};

/**
 * A scheduled request approved before its start opens at its `startsAt` (the workflow waits for
 * it, and reaches it a moment later), so its window is [startsAt, startsAt + duration). One
 * approved only after its start opens at issuance, for its full duration, never before approval.
 */
export function activation(
  request: Pick<AccessRequest, 'status' | 'durationSeconds'> & Partial<Pick<AccessRequest, 'startsAt' | 'history'>>,
  now: Date,
): Activation {
  if (request.status === RequestStatus.ACTIVE) return { action: 'already-open' };
  if (request.status !== RequestStatus.APPROVED) return { action: 'refuse' };
  if (request.startsAt) {
    const decided = request.history?.find((h) => h.type === HistoryType.APPROVED || h.type === HistoryType.AUTO_APPROVED)?.at;
    const approvedBeforeStart = decided !== undefined && Date.parse(decided) <= Date.parse(request.startsAt);
    if (approvedBeforeStart || Date.parse(request.startsAt) > now.getTime()) {
      return { action: 'open', ...openWindow(new Date(request.startsAt), request.durationSeconds) };
    }
  }
  return { action: 'open', ...openWindow(now, request.durationSeconds) };
}

/** Credentials exist only while the request is ACTIVE and its window open: 409 naming which rule failed. */
export function assertWindowOpen(
  request: Pick<AccessRequest, 'id' | 'status' | 'expiresAt' | 'startsAt' | 'breakGlass' | 'executionArn'>,
  now: Date,
): asserts request is Pick<AccessRequest, 'id' | 'status'> & { expiresAt: string } {
  const pendingStatus = request.status === RequestStatus.PENDING || request.status === RequestStatus.APPROVED;
  if (pendingStatus && startIsAhead(request.startsAt, now)) {
    throw new ConflictError(
      `Request ${request.id} is scheduled to start at ${request.startsAt} (${relativeTime(now, new Date(request.startsAt))}); credentials exist only from then, while it is ACTIVE`,
      'NOT_STARTED',
    );
  }
  if (request.status !== RequestStatus.ACTIVE || !request.expiresAt) {
    throw new ConflictError(`Request ${request.id} is ${request.status}; credentials exist only while it is ACTIVE`, 'NOT_ACTIVE');
  }
  // Break-glass access is stored ACTIVE before its workflow starts: no credentials until the
  // workflow runs, so a grant whose workflow failed to start (and was marked FAILED) never had any.
  if (request.breakGlass && !request.executionArn) {
    throw new ConflictError(`Request ${request.id} is break-glass access still being set up (its workflow has not started yet); try again in a moment`, 'NOT_READY');
  }
  if (Date.parse(request.expiresAt) <= now.getTime()) {
    throw new ConflictError(`The access window of request ${request.id} closed at ${request.expiresAt}`, 'WINDOW_CLOSED');
  }
}

/** Sealed credentials expiring within REFRESH_BEFORE_SECONDS of `now` (or already expired) are replaced. */
export const needsRefresh = (credentialsExpiration: string, now: Date): boolean =>
  Date.parse(credentialsExpiration) - now.getTime() < REFRESH_BEFORE_SECONDS * 1000;

/** When a console URL minted now stops being accepted by AWS. */
export const consoleUrlExpiresAt = (now: Date): string => new Date(now.getTime() + CONSOLE_URL_TTL_SECONDS * 1000).toISOString();

/**
 * Whole seconds from `now` until the window ends, rounded up (a callback wait's timeout is a
 * whole number of seconds and must not end the window early); 0 once it has ended.
 */
export function secondsLeftInWindow(expiresAt: string, now: Date): number {
  const ms = Date.parse(expiresAt) - now.getTime();
  if (Number.isNaN(ms)) throw new ConflictError(`expiresAt ${JSON.stringify(expiresAt)} is not a valid instant`, 'WINDOW_INVALID');
  return ms <= 0 ? 0 : Math.ceil(ms / 1000);
}

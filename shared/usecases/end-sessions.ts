import { sessionDenyFailedAlarm, type SessionEnding } from '../alerts/session-deny-alarm';
import { endedSessionUntil } from '../domain/revocation';
import type { AccessRequest } from '../domain/request';
import type { EndSessionsResult } from '../ports/session-denies';
import type { Deps } from '../runtime/deps';

/** The ports this step touches. */
export type EndSessionsDeps = Pick<Deps, 'clock' | 'logger' | 'notifier' | 'sessionDenies'>;

/**
 * Cuts the live sessions of a grant that has just ended (its final status is already written):
 * lists its session in the target role's ended-sessions deny until no credential of it can
 * still be valid, pruning expired entries on the way. When the deny cannot be written (IAM's
 * budget, access, an outage) the grant still ends: the failure is logged and raised as a
 * CRITICAL `session-deny-failed` alarm naming the session and until when it may live, so a
 * person can cut it by hand. Fails closed: if even the alarm cannot be published, it throws.
 */
export async function endSessions(deps: EndSessionsDeps, request: AccessRequest, ending: SessionEnding): Promise<EndSessionsResult | undefined> {
  const now = deps.clock.now();
  const until = endedSessionUntil(request.expiresAt, now);
  try {
    const result = await deps.sessionDenies.endSessions(request.roleArn, [{ requestId: request.id, until }], now);
    deps.logger.info('sessions cut', { requestId: request.id, roleArn: request.roleArn, ending, until: until.toISOString(), listed: result.listed, pruned: result.pruned, outcome: result.outcome, attempts: result.attempts });
    return result;
  } catch (error) {
    deps.logger.error('sessions could not be cut', { requestId: request.id, roleArn: request.roleArn, ending, error });
    await deps.notifier.publish(sessionDenyFailedAlarm(request, ending, error, until));
    return undefined;
  }
}

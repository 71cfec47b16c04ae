import {
  addEndedSessions,
  EMPTY_SESSION_DENY,
  fitSessionDenyPolicy,
  parseSessionDenyPolicy,
  policyChars,
  pruneEndedSessions,
  SESSION_DENY_POLICY_NAME,
  type EndedSession,
  type SessionDenyState,
} from '../../domain/session-deny';
import type { EndSessionsResult, RoleInlinePoliciesFor, SessionDenies } from '../../ports/session-denies';
import { BrokerErrorName, upstreamError } from '../aws-errors';

export interface SessionDeniesOptions {
  /** Reaches the role's inline policies (IAM in the target account, or the local stand-in). */
  policiesFor: RoleInlinePoliciesFor;
  /** Read-merge-write rounds before giving up when other writers keep overwriting (default 3). */
  maxAttempts?: number;
  /** Expiry bucket width in minutes (default: the domain's 15). */
  bucketMinutes?: number;
}

/**
 * SessionDenies as read-merge-write of the role's AccessBrokerEndedSessions policy:
 *
 * 1. list the role's inline policies and measure the others (IAM's 10,240-character budget
 *    is for all of them);
 * 2. read ours, add the new entries (a session already listed keeps the later end), prune;
 * 3. fit it in the budget (coarser buckets if needed, else SessionDenyTooLargeError, with
 *    nothing written) and put it, or delete it when nothing is left;
 * 4. read it back: if another writer's put replaced ours and our entries are missing, go to 1.
 *
 * IAM has no conditional put, so step 4 narrows the race but cannot close it (see the port).
 * Every round is a merge, so rounds and repeated calls converge.
 */
export function createSessionDenies(options: SessionDeniesOptions): SessionDenies {
  const maxAttempts = options.maxAttempts ?? 3;
  // Writes to one role from this process run one after another: IAM has no conditional put, so
  // two interleaved read-merge-writes could each verify their own entries while the later put
  // drops the other's. This closes the race within a process (local mode, one Lambda
  // container); across containers the read-back and a later write (which merges) remain.
  const queues = new Map<string, Promise<unknown>>();
  const serialised = <T>(roleArn: string, run: () => Promise<T>): Promise<T> => {
    const previous = queues.get(roleArn) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    queues.set(roleArn, settled);
    void settled.then(() => {
      if (queues.get(roleArn) === settled) queues.delete(roleArn);
    });
    return next;
  };
  return {
    endSessions: (roleArn, entries, now) => serialised(roleArn, () => endSessionsNow(roleArn, entries, now)),
  };

  async function endSessionsNow(roleArn: string, entries: readonly EndedSession[], now: Date): Promise<EndSessionsResult> {
    const policies = await options.policiesFor(roleArn);
    // Validate once up front (a bad id fails before any IAM call).
    const wanted = pruneEndedSessions(addEndedSessions(EMPTY_SESSION_DENY, entries, now, options.bucketMinutes), now);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const names = await policies.list();
      let otherChars = 0;
      for (const name of names) {
        if (name === SESSION_DENY_POLICY_NAME) continue;
        const text = await policies.get(name);
        if (text !== undefined) otherChars += policyChars(text);
      }
      const currentText = names.includes(SESSION_DENY_POLICY_NAME) ? await policies.get(SESSION_DENY_POLICY_NAME) : undefined;
      const current = currentText === undefined ? EMPTY_SESSION_DENY : parseSessionDenyPolicy(currentText);
      const merged = pruneEndedSessions(addEndedSessions(current, entries, now, options.bucketMinutes), now);
      const pruned = current.sessions.filter((s) => !merged.sessions.some((m) => m.requestId === s.requestId)).length;
      const fitted = fitSessionDenyPolicy({ roleArn, state: merged, otherPoliciesChars: otherChars });
      const result = (outcome: EndSessionsResult['outcome']): EndSessionsResult => ({
        roleArn,
        listed: fitted.state.sessions.length,
        pruned,
        outcome,
        totalChars: fitted.totalChars,
        attempts: attempt,
      });

      if (fitted.text === null) {
        if (currentText === undefined) return result('unchanged');
        await policies.delete(SESSION_DENY_POLICY_NAME);
        return result('deleted');
      }
      if (currentText !== undefined && policyChars(currentText) === fitted.text.length && sameState(current, fitted.state)) {
        return result('unchanged');
      }
      await policies.put(SESSION_DENY_POLICY_NAME, fitted.text);

      const readBack = await policies.get(SESSION_DENY_POLICY_NAME);
      if (readBack !== undefined && covers(parseSessionDenyPolicy(readBack), wanted)) return result('written');
    }
    throw upstreamError(
      'SESSION_DENY_NOT_CONVERGED',
      `${SESSION_DENY_POLICY_NAME} on ${roleArn} was overwritten by another writer ${maxAttempts} times in a row; the sessions may still be live: retry`,
      BrokerErrorName.TRANSIENT,
    );
  }
}

function sameState(a: SessionDenyState, b: SessionDenyState): boolean {
  return (
    a.sessions.length === b.sessions.length &&
    a.sessions.every((s, i) => s.requestId === b.sessions[i]!.requestId && s.until.getTime() === b.sessions[i]!.until.getTime()) &&
    JSON.stringify(a.foreign) === JSON.stringify(b.foreign)
  );
}

/** Every wanted session is listed until at least its wanted end. */
function covers(found: SessionDenyState, wanted: SessionDenyState): boolean {
  const until = new Map(found.sessions.map((s) => [s.requestId, s.until.getTime()]));
  return wanted.sessions.every((s) => (until.get(s.requestId) ?? -Infinity) >= s.until.getTime());
}


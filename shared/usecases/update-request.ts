import { NotFoundError } from '../domain/errors';
import type { AccessRequest } from '../domain/request';
import { StaleWriteError, type RequestUpdate } from '../ports/repositories';
import type { Deps } from '../runtime/deps';

/** What a decision function wants written; version and status conditions are added here. */
export type Change = Omit<RequestUpdate, 'expectedVersion' | 'expectedStatus' | 'at'>;

const MAX_ATTEMPTS = 8;

/**
 * Optimistic read-decide-write: `decide` sees the current request and returns the change (or
 * null for "nothing to do"); the write is conditional on the version it saw. A lost race
 * re-reads and decides again, so a second approver, a retried Lambda or a racing cancel is
 * judged against the state the winner left, never applied twice.
 */
export async function updateRequest(
  deps: Pick<Deps, 'requests' | 'clock'>,
  id: string,
  decide: (current: AccessRequest, taskToken: string | undefined) => Change | null,
  options: { readTaskToken?: boolean } = {},
): Promise<{ request: AccessRequest; changed: boolean; before: AccessRequest; taskToken?: string }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const current = await deps.requests.get(id);
    if (!current) throw new NotFoundError(`Request ${id} not found`);
    // Read after the request: a token stored in between bumps the version and fails our write.
    const taskToken = options.readTaskToken ? await deps.requests.getTaskToken(id) : undefined;
    const change = decide(current, taskToken);
    if (!change) return { request: current, changed: false, before: current, ...(taskToken ? { taskToken } : {}) };
    try {
      const request = await deps.requests.update(id, {
        ...change,
        expectedVersion: current.version,
        expectedStatus: current.status,
        at: deps.clock.now().toISOString(),
      });
      return { request, changed: true, before: current, ...(taskToken ? { taskToken } : {}) };
    } catch (e) {
      if (!(e instanceof StaleWriteError)) throw e;
    }
  }
  throw new StaleWriteError(id);
}

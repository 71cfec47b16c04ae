import { NotFoundError } from '../domain/errors';
import type { AccessRequest } from '../domain/request';
import { StaleWriteError, type RequestUpdate } from '../ports/repositories';
import type { Deps } from '../runtime/deps';

/** What a decision function wants written; version and status conditions are added here. */
export type Change = Omit<RequestUpdate, 'expectedVersion' | 'expectedStatus' | 'at'>;

const MAX_ATTEMPTS = 8;

export interface UpdateOptions {
  /** Also read the workflow's task token (in the same GetItem) and hand it to `decide`. */
  readTaskToken?: boolean;
  /**
   * A copy the caller has just read: the first attempt decides on it instead of reading again.
   * Safe because the write is conditional on its version; a stale copy only costs a retry.
   */
  current?: AccessRequest;
}

/**
 * Optimistic read-decide-write: `decide` sees the current request and returns the change (or
 * null for "nothing to do"); the write is conditional on the version it saw. A lost race
 * re-reads and decides again, so a second approver, a retried Lambda or a racing cancel is
 * judged against the state the winner left, never applied twice.
 */
export async function updateRequest(
  deps: Pick<Deps, 'requests' | 'clock'>,
  id: string,
  decide: (current: AccessRequest) => Change | null,
  options: UpdateOptions = {},
): Promise<{ request: AccessRequest; changed: boolean; taskToken?: string }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    let current: AccessRequest | undefined;
    let taskToken: string | undefined;
    if (attempt === 0 && options.current && !options.readTaskToken) {
      current = options.current;
    } else if (options.readTaskToken) {
      const read = await deps.requests.getWithTaskToken(id);
      current = read?.request;
      taskToken = read?.taskToken;
    } else {
      current = await deps.requests.get(id);
    }
    if (!current) throw new NotFoundError(`Request ${id} not found`);
    const change = decide(current);
    if (!change) return { request: current, changed: false, ...(taskToken ? { taskToken } : {}) };
    try {
      const request = await deps.requests.update(id, {
        ...change,
        expectedVersion: current.version,
        expectedStatus: current.status,
        at: deps.clock.now().toISOString(),
      });
      return { request, changed: true, ...(taskToken ? { taskToken } : {}) };
    } catch (e) {
      if (!(e instanceof StaleWriteError)) throw e;
    }
  }
  throw new StaleWriteError(id);
}

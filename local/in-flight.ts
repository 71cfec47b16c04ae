/**
 * Work started and not yet settled, so that a `close()` can wait for it before it closes what
 * that work uses (local DynamoDB's requests, the local workflow's function invocations).
 */
export interface InFlight {
  /** Records `work` until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once nothing is in flight, including work tracked while it waits. */
  drain(): Promise<void>;
}

export function inFlight(): InFlight {
  const pending = new Set<Promise<unknown>>();
  return {
    track(work) {
      pending.add(work);
      const settled = () => void pending.delete(work);
      work.then(settled, settled);
      return work;
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

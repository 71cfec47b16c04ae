/**
 * Time as the local workflow runner sees it: the instant it reads and the pauses it takes (the
 * Wait state, retry backoff, callback timeouts). The runner never calls setTimeout itself, so a
 * test hands it a timer it moves by hand and advances time instead of sleeping.
 */
export interface WorkflowTimer {
  /** Milliseconds since the epoch, on this timer's clock. */
  now(): number;
  /** Resolves after `ms` of this timer's time, or as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// Node timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once.
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Real time: Date.now() and setTimeout (what `npm start` uses). */
export const realTimer: WorkflowTimer = {
  now: () => Date.now(),
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timeout = setTimeout(done, Math.min(Math.max(0, ms), MAX_TIMEOUT_MS));
      signal?.addEventListener('abort', done, { once: true });
    });
  },
};

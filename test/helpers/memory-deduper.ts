import type { AlarmKey } from '../../shared/domain/alarm-scope';
import type { AlarmClaim, EventDeduper } from '../../shared/ports/repositories';

interface Entry {
  status: 'INPROGRESS' | 'COMPLETED';
  inProgressUntil: number;
  eventAtMs?: number;
  source?: string;
}

/**
 * The DynamoDB deduper's rules in memory (same conditions as
 * shared/adapters/dynamo/event-deduper.ts, which the data-layer suite checks on dynalite), for
 * use-case tests and the bench. `entries` is exposed for assertions.
 */
export function createMemoryDeduper(inProgressMs = 40_000) {
  const entries = new Map<string, Entry>();
  const deduper: EventDeduper = {
    async claim(key: AlarmKey, now: Date): Promise<AlarmClaim> {
      const nowMs = now.getTime();
      const old = entries.get(key.id);
      const free =
        old === undefined ||
        (old.status === 'INPROGRESS' && old.inProgressUntil < nowMs) ||
        (key.correlate !== undefined &&
          old.eventAtMs !== undefined &&
          (old.eventAtMs < key.correlate.atMs - key.correlate.withinMs || old.eventAtMs > key.correlate.atMs + key.correlate.withinMs));
      if (!free) return old.status === 'COMPLETED' ? 'completed' : 'in-progress';
      entries.set(key.id, {
        status: 'INPROGRESS',
        inProgressUntil: nowMs + inProgressMs,
        ...(key.correlate ? { eventAtMs: key.correlate.atMs } : {}),
      });
      return 'claimed';
    },
    async complete(key: AlarmKey, _now: Date, source: string) {
      const old = entries.get(key.id);
      entries.set(key.id, { ...(old ?? { inProgressUntil: 0 }), status: 'COMPLETED', source });
    },
    async release(key: AlarmKey) {
      if (entries.get(key.id)?.status === 'INPROGRESS') entries.delete(key.id);
    },
  };
  return { deduper, entries };
}

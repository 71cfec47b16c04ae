import { HistoryType, type HistoryEntry } from './request';

/**
 * Where a history entry lives, and how the entries of a request are read back in order.
 *
 * Lifecycle entries (submitted, votes, approved, issued, requester-notified, the final status,
 * ...) stay on the request item: there are few of them per request, and a status change and
 * its entry are then one atomic conditional write. Entries that each use of a grant adds
 * (credential retrievals, matched alarms) have no bound, so each is a separate item in the
 * request's partition: 10,000 retrievals never grow the request towards DynamoDB's 400 KB
 * item limit.
 */
export const SEPARATE_ITEM_TYPES: readonly HistoryType[] = [HistoryType.CREDENTIALS_RETRIEVED, HistoryType.ALERT_MATCHED];

/** True for entries stored as their own item (one per event), false for those kept on the request. */
export const storedApart = (entry: Pick<HistoryEntry, 'type'>): boolean => SEPARATE_ITEM_TYPES.includes(entry.type);

/** How many of the latest entries `GET /requests/{id}` shows; the history route pages through all. */
export const LATEST_HISTORY_ENTRIES = 20;
/** Default and largest page of `GET /requests/{id}/history`. */
export const HISTORY_PAGE_DEFAULT = 50;
export const HISTORY_PAGE_MAX = 100;

/**
 * A position orders all of a request's entries: the entry's time, then a suffix that keeps
 * entries of the same millisecond apart. Separate items use a random lower-case hex suffix;
 * entries on the request item use `i` and their index, so they never collide with an item.
 */
export interface PositionedEntry {
  position: string;
  entry: HistoryEntry;
}

/** A history cursor as the API hands it out (base64url of the position): time `#` suffix. */
export const POSITION_PATTERN = /^[0-9A-Za-z:.+-]{1,40}#[0-9a-z]{1,16}$/;

export const positionOf = (at: string, suffix: string): string => `${at}#${suffix}`;

/** The entries kept on the request item, with their positions. */
export function inlinePositions(entries: readonly HistoryEntry[]): PositionedEntry[] {
  return entries.map((entry, i) => ({ position: positionOf(entry.at, `i${String(i).padStart(5, '0')}`), entry }));
}

const byPosition = (a: PositionedEntry, b: PositionedEntry) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0);

/**
 * One page, oldest first, of the entries after `after` (all of them when absent). `items` are
 * separate items after `after`, oldest first, read with at least `limit + 1` of them when that
 * many exist: every unread item then lies after the first `limit + 1` merged entries, so the
 * page is exact. `last` is the cursor when more entries follow.
 */
export function historyPage(
  inline: readonly HistoryEntry[],
  items: readonly PositionedEntry[],
  after: string | undefined,
  limit: number,
): { entries: HistoryEntry[]; last?: string } {
  const merged = [...inlinePositions(inline), ...items]
    .filter((p) => after === undefined || p.position > after)
    .sort(byPosition);
  const page = merged.slice(0, limit);
  const last = page.at(-1)?.position;
  return merged.length > limit && last !== undefined ? { entries: page.map((p) => p.entry), last } : { entries: page.map((p) => p.entry) };
}

/**
 * The latest `count` entries, oldest first, and whether older ones exist. `newestItems` are
 * the newest separate items (at least `count + 1` when that many exist), in any order.
 */
export function latestHistory(
  inline: readonly HistoryEntry[],
  newestItems: readonly PositionedEntry[],
  count: number,
): { entries: HistoryEntry[]; more: boolean } {
  const merged = [...inlinePositions(inline), ...newestItems].sort(byPosition);
  return { entries: merged.slice(Math.max(0, merged.length - count)).map((p) => p.entry), more: merged.length > count };
}

import { describe, expect, it } from 'vitest';
import { historyPage, inlinePositions, latestHistory, storedApart, type PositionedEntry } from '../../shared/domain/history';
import { HistoryType, type HistoryEntry } from '../../shared/domain/request';

const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString();
const life = (s: number, detail: string): HistoryEntry => ({ at: at(s), type: HistoryType.ISSUED, detail });
const item = (s: number, suffix: string, detail: string): PositionedEntry => ({
  position: `${at(s)}#${suffix}`,
  entry: { at: at(s), type: HistoryType.CREDENTIALS_RETRIEVED, detail },
});
const details = (entries: HistoryEntry[]) => entries.map((e) => e.detail);

describe('where an entry is stored', () => {
  const rows: [HistoryType, boolean][] = [
    [HistoryType.CREDENTIALS_RETRIEVED, true],
    [HistoryType.ALERT_MATCHED, true],
    ...Object.values(HistoryType)
      .filter((t) => t !== HistoryType.CREDENTIALS_RETRIEVED && t !== HistoryType.ALERT_MATCHED)
      .map((t): [HistoryType, boolean] => [t, false]),
  ];
  it.each(rows)('%s stored apart: %s', (type, apart) => {
    expect(storedApart({ type })).toBe(apart);
  });
});

describe('positions of entries kept on the request', () => {
  it('are time, then i and the index: distinct within a millisecond and after any hex suffix', () => {
    expect(inlinePositions([life(1, 'a'), life(1, 'b')]).map((p) => p.position)).toEqual([`${at(1)}#i00000`, `${at(1)}#i00001`]);
    expect(`${at(1)}#i00000` > `${at(1)}#ffffffffffff`).toBe(true);
  });
});

describe('historyPage merges both kinds oldest first', () => {
  const inline = [life(0, 'L0'), life(3, 'L3'), life(5, 'L5')];
  const items = [item(1, 'aa', 'I1'), item(3, '0f', 'I3'), item(4, 'bb', 'I4'), item(6, 'cc', 'I6')];
  it.each([
    { after: undefined, limit: 3, page: ['L0', 'I1', 'I3'], last: `${at(3)}#0f` },
    { after: `${at(3)}#0f`, limit: 3, page: ['L3', 'I4', 'L5'], last: `${at(5)}#i00002` },
    { after: `${at(5)}#i00002`, limit: 3, page: ['I6'], last: undefined },
    { after: undefined, limit: 7, page: ['L0', 'I1', 'I3', 'L3', 'I4', 'L5', 'I6'], last: undefined },
    { after: undefined, limit: 6, page: ['L0', 'I1', 'I3', 'L3', 'I4', 'L5'], last: `${at(5)}#i00002` },
    { after: `${at(9)}#00`, limit: 3, page: [], last: undefined },
  ])('after $after, limit $limit', ({ after, limit, page, last }) => {
    const visible = items.filter((i) => after === undefined || i.position > after);
    const result = historyPage(inline, visible, after, limit);
    expect(details(result.entries)).toEqual(page);
    expect(result.last).toBe(last);
  });
});

describe('latestHistory', () => {
  const inline = [life(0, 'L0'), life(3, 'L3')];
  it.each([
    { items: [item(1, 'aa', 'I1'), item(4, 'bb', 'I4')], count: 2, latest: ['L3', 'I4'], more: true },
    { items: [item(4, 'bb', 'I4'), item(1, 'aa', 'I1')], count: 4, latest: ['L0', 'I1', 'L3', 'I4'], more: false },
    { items: [], count: 5, latest: ['L0', 'L3'], more: false },
    { items: [item(7, 'aa', 'I7'), item(8, 'aa', 'I8'), item(9, 'aa', 'I9')], count: 2, latest: ['I8', 'I9'], more: true },
  ])('$count of $latest', ({ items, count, latest, more }) => {
    const result = latestHistory(inline, items, count);
    expect(details(result.entries)).toEqual(latest);
    expect(result.more).toBe(more);
  });
});

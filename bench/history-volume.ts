import { LATEST_HISTORY_ENTRIES } from '../shared/domain/history';
import { activeGrant, expireWindow, pageAllHistory, retrieveMany, storedRequestItem } from '../test/helpers/history-volume';
import { summarize } from './stats';

/**
 * 10,000 credential retrievals on one grant in local mode (16 at a time), each its own history
 * item: how each answered, their latency, the request item's size afterwards, what GET
 * /requests/{id} shows, the history route paging them all back, and the expiry still landing.
 * test/integration/history.test.ts asserts the same scenario at 250.
 */
export async function historyVolumeBench(retrievals = 10_000, parallel = 16) {
  const g = await activeGrant();
  try {
    const { statuses, latenciesMs, wallMs } = await retrieveMany(g, retrievals, parallel);
    const item = await storedRequestItem(g);
    const shown = await g.t.call('GET', `/requests/${g.id}`, { as: 'alice' });
    const paging = performance.now();
    const { entries, pages } = await pageAllHistory(g);
    const pagingMs = performance.now() - paging;
    const expired = await expireWindow(g);
    return {
      scope: `${retrievals} GET /requests/{id}/credentials on one ACTIVE grant, ${parallel} at a time, then GET /requests/{id}, the history route with limit=100, and the window's expiry`,
      statuses,
      retrieval: summarize(latenciesMs, wallMs),
      requestItem: { jsonChars: item.chars, inlineEntries: item.inlineTypes.length, inlineRetrievals: item.inlineTypes.filter((t) => t === 'credentials-retrieved').length },
      getRequest: { status: shown.status, entriesShown: shown.body.request?.history?.length, latestLimit: LATEST_HISTORY_ENTRIES, historyTruncated: shown.body.request?.historyTruncated },
      historyRoute: {
        pages,
        entries: entries.length,
        retrievalEntries: entries.filter((h) => h.type === 'credentials-retrieved').length,
        oldestFirst: entries.every((h, i) => i === 0 || entries[i - 1]!.at <= h.at),
        wallMs: Math.round(pagingMs),
      },
      expiry: { status: expired.status, lastEntries: expired.history.slice(-2).map((h: { type: string }) => h.type) },
    };
  } finally {
    await g.t.broker.close();
  }
}

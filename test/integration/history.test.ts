/**
 * Bounded history in local mode: each credential retrieval is its own history item, so 150 of
 * them on one grant all succeed, leave the request item small, and the window still
 * expires; GET /requests/{id} shows the latest entries, GET /requests/{id}/history pages through
 * all. The same scenario at 10,000 retrievals is the `historyVolume` section of `npm run bench`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_HISTORY_ENTRIES } from '../../shared/domain/history';
import type { Person } from '../helpers/broker';
import { activeGrant, expireWindow, pageAllHistory, retrieveMany, storedRequestItem, type ActiveGrant } from '../helpers/history-volume';

/** Enough for GET /requests/{id} to truncate (20 shown) and for the history route to need three pages of 60 (a middle one). */
const RETRIEVALS = 150;
const PAGE = 60;
const PARALLEL = 16;

describe('history entries as separate items (local broker)', () => {
  let g: ActiveGrant;
  let id: string;
  beforeAll(async () => {
    g = await activeGrant();
    id = g.id;
  });
  afterAll(async () => {
    await g?.t.broker.close();
  });

  const history = (as: Person, query = '') => g.t.call('GET', `/requests/${id}/history${query}`, { as });

  it(`${RETRIEVALS} credential retrievals on one grant: every one succeeds and is audited, the request item stays small, expiry still lands`, async () => {
    const { statuses } = await retrieveMany(g, RETRIEVALS, PARALLEL);
    expect(statuses).toEqual({ 200: RETRIEVALS });

    // The request item carries only the lifecycle: a few entries, however many retrievals.
    const item = await storedRequestItem(g);
    expect(item.chars).toBeLessThan(8_000);
    expect(item.inlineTypes).not.toContain('credentials-retrieved');

    // GET shows the latest entries (all retrievals by now) and says older ones exist.
    const shown = await g.t.call('GET', `/requests/${id}`, { as: 'alice' });
    expect(shown.status).toBe(200);
    expect(shown.body.request.history).toHaveLength(LATEST_HISTORY_ENTRIES);
    expect(shown.body.request.history.every((h: { type: string }) => h.type === 'credentials-retrieved')).toBe(true);
    expect(shown.body.request.historyTruncated).toBe(true);

    // The history route pages through every entry once, oldest first.
    const { entries, pages } = await pageAllHistory(g, 'alice', PAGE);
    expect(pages).toBe(3);
    expect(entries.filter((h) => h.type === 'credentials-retrieved')).toHaveLength(RETRIEVALS);
    expect(entries[0]?.type).toBe('submitted');
    expect(entries.map((h) => h.at)).toEqual([...entries.map((h) => h.at)].sort());

    // The window still ends on time.
    const expired = await expireWindow(g);
    expect(expired.history.slice(-2).map((h: { type: string }) => h.type)).toEqual(['expired', 'requester-notified']);
  }, 120_000);

  it('the history route: the requester and approvers read it, others get 404, a bad nextToken is a 400 naming it', async () => {
    expect((await history('carol', '?limit=2')).status).toBe(200);
    expect((await history('dave', '?limit=2')).status).toBe(200);
    const bob = await history('bob');
    expect(bob.status).toBe(404);
    expect(bob.body.error.code).toBe('NOT_FOUND');
    expect((await g.t.call('GET', `/requests/01JD3Z6W9Q8X7V5T4R3N2M1K0H/history`, { as: 'alice' })).status).toBe(404);
    for (const bad of ['nope', Buffer.from(JSON.stringify({ before: 'x' })).toString('base64url'), Buffer.from('{"after":"no position"}').toString('base64url')]) {
      const res = await history('alice', `?nextToken=${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'nextToken', message: expect.stringContaining('not a token returned by this API') })]);
    }
    const tooMany = await history('alice', '?limit=101');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.details[0].field).toBe('limit');
    const first = await history('alice', '?limit=3');
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items.map((h: { type: string }) => h.type)).toEqual(['submitted', 'workflow-started', expect.any(String)]);
    const second = await history('alice', `?limit=3&nextToken=${first.body.nextToken}`);
    expect(second.body.items[0].at >= first.body.items[2].at).toBe(true);
    expect(second.body.items).not.toContainEqual(first.body.items[2]);
  });
});

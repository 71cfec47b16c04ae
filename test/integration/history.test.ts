/**
 * Bounded history in local mode: each credential retrieval is its own history item, so 10,000 of
 * them on one grant all succeed, leave the request item small, and the window still expires;
 * GET /requests/{id} shows the latest entries, GET /requests/{id}/history pages through all.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAME } from '../../local/broker';
import { createDocumentClient } from '../../shared/adapters/dynamo/client';
import { requestKey } from '../../shared/adapters/dynamo/keys';
import { LATEST_HISTORY_ENTRIES } from '../../shared/domain/history';
import { movableClock, startTestBroker, type Person, type TestBroker } from '../helpers/broker';

const MINUTE_MS = 60_000;
const REQUEST = { target: 'sandbox-readonly', services: ['ec2'], duration: '30m', reason: 'Investigating INC-4411 latency' };
const RETRIEVALS = 10_000;
const PARALLEL = 16;

describe('history entries as separate items (local broker)', () => {
  let t: TestBroker;
  const time = movableClock();
  let id: string;
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
    const created = await t.call('POST', '/requests', { as: 'alice', json: REQUEST });
    expect(created.status, created.text).toBe(201);
    id = created.body.request.id;
    const link = await t.linkFor(id, 'carol@example.com');
    const decided = await t.call('POST', new URL(link).pathname, { json: { decision: 'approve' } });
    expect(decided.status, decided.text).toBe(200);
    await t.waitForRequest(id, (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'requester-notified'));
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  const history = (as: Person, query = '') => t.call('GET', `/requests/${id}/history${query}`, { as });

  it(`${RETRIEVALS} credential retrievals on one grant: every one succeeds and is audited, the request item stays small, expiry still lands`, async () => {
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < RETRIEVALS) {
          next++;
          const res = await t.call('GET', `/requests/${id}/credentials`, { as: 'alice' });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 200: RETRIEVALS });

    // The request item carries only the lifecycle: a few entries, however many retrievals.
    const db = createDocumentClient({ endpoint: t.broker.dynamo.endpoint });
    const raw = await db.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: requestKey(id) }));
    db.destroy();
    expect(JSON.stringify(raw.Item).length).toBeLessThan(8_000);
    expect((raw.Item?.history as { type: string }[]).some((h) => h.type === 'credentials-retrieved')).toBe(false);

    // GET shows the latest entries (all retrievals by now) and says older ones exist.
    const shown = await t.call('GET', `/requests/${id}`, { as: 'alice' });
    expect(shown.status).toBe(200);
    expect(shown.body.request.history).toHaveLength(LATEST_HISTORY_ENTRIES);
    expect(shown.body.request.history.every((h: { type: string }) => h.type === 'credentials-retrieved')).toBe(true);
    expect(shown.body.request.historyTruncated).toBe(true);

    // The history route pages through every entry once, oldest first.
    const seen: { type: string; at: string }[] = [];
    let token: string | undefined;
    for (let pages = 0; pages < 200; pages++) {
      const page = await history('alice', `?limit=100${token ? `&nextToken=${token}` : ''}`);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.items);
      token = page.body.nextToken;
      if (!token) break;
    }
    expect(seen.filter((h) => h.type === 'credentials-retrieved')).toHaveLength(RETRIEVALS);
    expect(seen[0]?.type).toBe('submitted');
    expect(seen.map((h) => h.at)).toEqual([...seen.map((h) => h.at)].sort());

    // The window still ends on time.
    await time.advance(30 * MINUTE_MS);
    // EXPIRED is written first, then the requester is told: wait for both (the order is the settle step's).
    const expired = await t.waitForRequest(id, (r) => r.status === 'EXPIRED' && r.history.at(-1)?.type === 'requester-notified');
    expect(expired.history.slice(-2).map((h: { type: string }) => h.type)).toEqual(['expired', 'requester-notified']);
  }, 600_000);

  it('the history route: the requester and approvers read it, others get 404, a bad nextToken is a 400 naming it', async () => {
    expect((await history('carol', '?limit=2')).status).toBe(200);
    expect((await history('dave', '?limit=2')).status).toBe(200);
    const bob = await history('bob');
    expect(bob.status).toBe(404);
    expect(bob.body.error.code).toBe('NOT_FOUND');
    expect((await t.call('GET', `/requests/01JD3Z6W9Q8X7V5T4R3N2M1K0H/history`, { as: 'alice' })).status).toBe(404);
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

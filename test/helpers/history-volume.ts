/**
 * Many credential retrievals on one grant, in local mode: the scenario behind the history test
 * (a few hundred retrievals, asserting behaviour) and the `historyVolume` bench section (10,000,
 * reporting figures). Each retrieval is its own history item; the request item keeps only the
 * lifecycle; GET /requests/{id} shows the latest entries; GET /requests/{id}/history pages through
 * them all; and the window still expires on time.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_TABLE_NAME } from '../../local/broker';
import { createDocumentClient } from '../../shared/adapters/dynamo/client';
import { requestKey } from '../../shared/adapters/dynamo/keys';
import { runConcurrent } from '../../bench/stats';
import { movableClock, startTestBroker, type MovableClock, type Person, type TestBroker } from './broker';

const MINUTE_MS = 60_000;
export const VOLUME_REQUEST = { target: 'sandbox-readonly', services: ['ec2'], duration: '30m', reason: 'Investigating INC-4411 latency' };

export interface ActiveGrant {
  t: TestBroker;
  time: MovableClock;
  id: string;
}

/** A fresh local broker with alice's grant on sandbox-readonly approved by carol and ACTIVE. */
export async function activeGrant(): Promise<ActiveGrant> {
  const time = movableClock();
  const t = await startTestBroker({ clock: time.clock, timer: time.timer });
  const created = await t.call('POST', '/requests', { as: 'alice', json: VOLUME_REQUEST });
  if (created.status !== 201) throw new Error(`POST /requests answered ${created.status}: ${created.text}`);
  const id = created.body.request.id as string;
  const link = await t.linkFor(id, 'carol@example.com');
  const decided = await t.call('POST', new URL(link).pathname, { json: { decision: 'approve' } });
  if (decided.status !== 200) throw new Error(`the approval answered ${decided.status}: ${decided.text}`);
  await t.waitForRequest(id, (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'requester-notified'));
  return { t, time, id };
}

/** `count` GET /requests/{id}/credentials by alice, `parallel` at a time: how many of each status, and each call's milliseconds. */
export async function retrieveMany(g: ActiveGrant, count: number, parallel: number): Promise<{ statuses: Record<number, number>; latenciesMs: number[]; wallMs: number }> {
  const statuses = new Map<number, number>();
  const { latencies, wallMs } = await runConcurrent(count, parallel, async () => {
    const res = await g.t.call('GET', `/requests/${g.id}/credentials`, { as: 'alice' });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  });
  return { statuses: Object.fromEntries(statuses), latenciesMs: latencies, wallMs };
}

/** The request item as stored: its size in JSON characters and the types of its inline history. */
export async function storedRequestItem(g: ActiveGrant): Promise<{ chars: number; inlineTypes: string[] }> {
  const db = createDocumentClient({ endpoint: g.t.broker.dynamo.endpoint });
  try {
    const raw = await db.send(new GetCommand({ TableName: LOCAL_TABLE_NAME, Key: requestKey(g.id) }));
    return { chars: JSON.stringify(raw.Item).length, inlineTypes: (raw.Item?.history as { type: string }[]).map((h) => h.type) };
  } finally {
    db.destroy();
  }
}

/** Every entry of GET /requests/{id}/history, page by page (`limit` each), in the order served; throws on a non-200 page. */
export async function pageAllHistory(g: ActiveGrant, as: Person = 'alice', limit = 100): Promise<{ entries: { type: string; at: string }[]; pages: number }> {
  const entries: { type: string; at: string }[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await g.t.call('GET', `/requests/${g.id}/history?limit=${limit}${token ? `&nextToken=${token}` : ''}`, { as });
    if (page.status !== 200) throw new Error(`history page ${pages + 1} answered ${page.status}: ${page.text}`);
    pages++;
    entries.push(...page.body.items);
    token = page.body.nextToken;
  } while (token);
  return { entries, pages };
}

/** Moves the clock past the 30-minute window; resolves with the request once EXPIRED and the requester told. */
export async function expireWindow(g: ActiveGrant) {
  await g.time.advance(30 * MINUTE_MS);
  // EXPIRED is written first, then the requester is told: wait for both (the order is the settle step's).
  return g.t.waitForRequest(g.id, (r) => r.status === 'EXPIRED' && r.history.at(-1)?.type === 'requester-notified');
}

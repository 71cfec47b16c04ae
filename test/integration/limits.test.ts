/**
 * Limits against abuse in local mode, with the example catalogue's limits as shipped
 * (1 ACTIVE + 2 pending per requester and target, 10 submissions an hour per requester).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_CATALOGUE, movableClock, startTestBroker, type TestBroker } from '../helpers/broker';

const SANDBOX = { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'Investigating INC-4411 latency' };
const PROD = { ...SANDBOX, target: 'prod-readonly' };

describe('limits against abuse (example catalogue)', () => {
  let t: TestBroker;
  const time = movableClock();
  beforeAll(async () => {
    // A minute into an hour, so the hour's submission window cannot turn over during the tests.
    const hour = 3_600_000;
    time.offsetMs = Math.ceil(Date.now() / hour) * hour + 60_000 - Date.now();
    t = await startTestBroker({ catalogueFile: EXAMPLE_CATALOGUE, clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('7 parallel submissions on one target: exactly 2 are created, 5 get 409 LIMIT_OPEN_REQUESTS naming the limit', async () => {
    const results = await Promise.all(Array.from({ length: 7 }, () => t.call('POST', '/requests', { as: 'bob', json: SANDBOX })));
    const created = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 409);
    expect(created).toHaveLength(2);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r.body.error.code).toBe('LIMIT_OPEN_REQUESTS');
      expect(r.body.error.message).toContain('the limit is 2 pending (PENDING or APPROVED) per requester and target');
      expect(r.body.error.details).toEqual([{ field: 'target', rule: 'open-requests.pending', message: 'at most 2 pending request(s) per requester and target' }]);
    }
    const mine = await t.call('GET', '/requests?scope=mine', { as: 'bob' });
    expect(mine.body.items.map((r: { id: string }) => r.id).sort()).toEqual(created.map((r) => r.body.request.id).sort());

    // Another target has its own slots; a cancelled request frees its slot.
    expect((await t.call('POST', '/requests', { as: 'bob', json: PROD })).status).toBe(201);
    expect((await t.call('POST', `/requests/${created[0]!.body.request.id}/cancel`, { as: 'bob', json: {} })).status).toBe(200);
    expect((await t.call('POST', '/requests', { as: 'bob', json: SANDBOX })).status).toBe(201);
  });

  it('the 11th submission within the hour gets 429 LIMIT_SUBMISSION_RATE with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await t.call('POST', '/requests', { as: 'alice', json: i % 2 ? SANDBOX : PROD });
      statuses.push(res.status);
      // Keep the open-request slots free: only the rate is under test here.
      if (res.status === 201) await t.call('POST', `/requests/${res.body.request.id}/cancel`, { as: 'alice', json: {} });
    }
    expect(statuses).toEqual(Array(10).fill(201));
    const over = await t.call('POST', '/requests', { as: 'alice', json: SANDBOX });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('LIMIT_SUBMISSION_RATE');
    expect(over.body.error.message).toMatch(/^Too many requests submitted: the limit is 10 per 1h per requester; try again after \S+Z\.$/);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3540);
    // Nothing was stored for the refused one.
    const mine = await t.call('GET', '/requests?scope=mine&limit=100', { as: 'alice' });
    expect(mine.body.items).toHaveLength(10);
  });
});

describe('back-to-back auto-approved grants', () => {
  let t: TestBroker;
  const time = movableClock();
  beforeAll(async () => {
    const file = parse(readFileSync(EXAMPLE_CATALOGUE, 'utf8')) as { targets: Record<string, unknown>[] };
    file.targets[0]!.autoApprove = { services: ['ec2', 'cloudwatch'], maxDuration: '1h', cooldown: '30m' };
    const path = join(mkdtempSync(join(tmpdir(), 'access-broker-auto-')), 'catalogue.yaml');
    writeFileSync(path, stringify(file));
    t = await startTestBroker({ catalogueFile: path, clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  const submit = async () => {
    const res = await t.call('POST', '/requests', { as: 'alice', json: { ...SANDBOX, duration: '1h' } });
    expect(res.status, res.text).toBe(201);
    return res.body.request.id as string;
  };

  it('one auto-approved grant per window plus cool-down: the next request goes to the approvers, after it auto-approval is back', async () => {
    const first = await submit();
    await t.waitForRequest(first, (r) => r.status === 'ACTIVE');

    // While the first grant runs (and for its window + 30 m), no second auto-approval.
    const second = await submit();
    const notified = await t.waitForRequest(second, (r) => r.history.some((h: { type: string }) => h.type === 'notified'));
    expect(notified.status).toBe('PENDING');
    expect(notified.history.find((h: { type: string }) => h.type === 'notified').detail).toMatch(/^auto-approval withheld: /);
    await t.linkFor(second, 'carol@example.com');
    expect((await t.call('POST', `/requests/${second}/cancel`, { as: 'alice', json: {} })).status).toBe(200);

    // The first window ends (1 h), then the cool-down (30 m): auto-approval again.
    await time.advance(60 * 60_000);
    await t.waitForRequest(first, (r) => r.status === 'EXPIRED');
    time.offsetMs += 30 * 60_000;
    const third = await submit();
    const active = await t.waitForRequest(third, (r) => r.status === 'ACTIVE');
    expect(active.history.some((h: { type: string }) => h.type === 'auto-approved')).toBe(true);
  });
});

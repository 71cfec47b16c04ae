/**
 * The request API through the local HTTP server: real handlers from serverless.yml, real JWT
 * verification, real dynalite, the real state machine. What a client sees, status by status.
 * (Bad input and "the table is unchanged" live in request-api-bad-input.test.ts.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../local/broker';
import { claimsAsApiGatewayGivesThem, createLocalIdp } from '../../local/jwt';
import { SERVICE_KEYS } from '../../shared/catalogue/services';
import { compileSessionPolicy } from '../../shared/domain/session-policy';
import type { Logger } from '../../shared/log/logger';
import { relaxedCatalogueFile, startTestBroker, type Person, type TestBroker } from '../helpers/broker';
import { httpApiEvent } from '../helpers/http-api-event';

/** The example catalogue plus a target that carol neither approves by email nor by group. */
const EXTRA_TARGET = `
  - id: billing-readonly
    description: Cost Explorer in the billing account; finance approves.
    account: "333333333333"
    roleArn: arn:aws:iam::333333333333:role/BrokerReadOnly
    issuer: chained
    maxDuration: 2h
    services: [costexplorer, cloudwatch]
    requesterGroups: [engineers]
    approvers:
      emails: [erin@example.com]
      groups: [finance-approvers]
    approvalsRequired: 1
`;

const SANDBOX = { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '1h', reason: 'debugging INC-4411 in the sandbox' };
const PROD = { target: 'prod-readonly', services: ['ec2'], duration: '30m', reason: 'checking prod instances for INC-4412' };
const BILLING = { target: 'billing-readonly', services: ['costexplorer'], duration: '1h', reason: 'monthly cost review for FIN-7' };

let tb: TestBroker;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'request-api-'));
  const catalogueFile = join(dir, 'catalogue.yaml');
  writeFileSync(catalogueFile, readFileSync(relaxedCatalogueFile(), 'utf8') + EXTRA_TARGET);
  tb = await startTestBroker({ catalogueFile });
});

afterAll(async () => {
  await tb?.broker.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A person who is not in PEOPLE, with a token minted by the local IdP. */
const tokenOf = (sub: string, groups: string[]) => tb.broker.token({ sub, email: `${sub}@example.com`, groups });

async function create(as: Person | { token: string }, input: object = SANDBOX) {
  const res = await tb.call('POST', '/requests', { ...(typeof as === 'string' ? { as } : as), json: input });
  expect(res.status, res.text).toBe(201);
  return res.body.request as { id: string; [k: string]: any };
}

/** Swaps the broker's logger for one that records, so expected failures are checked, not printed. */
function captureLogs() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const make = (base: Record<string, unknown>): Logger => ({
    debug: (msg, fields) => lines.push({ level: 'debug', msg, fields: { ...base, ...fields } }),
    info: (msg, fields) => lines.push({ level: 'info', msg, fields: { ...base, ...fields } }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields: { ...base, ...fields } }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields: { ...base, ...fields } }),
    child: (fields) => make({ ...base, ...fields }),
  });
  const deps = tb.broker.deps;
  const original = deps.logger;
  deps.logger = make({});
  return { lines, restore: () => (deps.logger = original) };
}

const ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('POST /requests', () => {
  it('201 with the request as the contract describes it, services in catalogue order', async () => {
    const res = await tb.call('POST', '/requests', {
      as: 'alice',
      json: { target: 'sandbox-readonly', services: ['iam', 'cloudwatch', 'ec2'], duration: '1h30m', reason: '  debugging INC-4411 in the sandbox  ', ticket: 'INC-4411' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const r = res.body.request;
    expect(r).toEqual({
      id: expect.stringMatching(ID),
      status: 'PENDING',
      requester: { sub: 'alice', email: 'alice@example.com' },
      target: 'sandbox-readonly',
      account: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
      services: ['ec2', 'iam', 'cloudwatch'],
      // Compiled at submission: exactly what approvers are shown and STS receives.
      sessionPolicy: compileSessionPolicy(['ec2', 'iam', 'cloudwatch']),
      durationSeconds: 5400,
      reason: 'debugging INC-4411 in the sandbox',
      ticket: 'INC-4411',
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
      approvalsRequired: 1,
      approvers: ['carol@example.com', 'dave@example.com'],
      approvals: [],
      history: expect.any(Array),
      executionArn: `arn:aws:states:local:000000000000:execution:approval-workflow:${r.id}`,
      // Always present, null until the window opens.
      startsAt: null,
      expiresAt: null,
    });
    const types = r.history.map((h: { type: string }) => h.type);
    expect(types[0]).toBe('submitted');
    expect(types).toContain('workflow-started');
    expect(r.history[0]).toEqual({ at: r.createdAt, type: 'submitted', by: 'alice@example.com' });
    // Internal bookkeeping never leaves the server.
    for (const hidden of ['version', 'taskToken', 'approverGroups', 'approverEmails', 'pk', 'gsi1pk']) expect(r).not.toHaveProperty(hidden);
  });

  it('omits ticket when none was given and accepts ISO-8601 durations', async () => {
    const r = await create('bob', { ...PROD, duration: 'PT45M' });
    expect(r.durationSeconds).toBe(2700);
    expect(r.ticket).toBeNull();
    expect(r.approvalsRequired).toBe(2);
    expect(r.approvers).toEqual(['carol@example.com', 'erin@example.com']);
  });

  it('a caller outside the requester groups gets the answer of an unknown target, and no group name', async () => {
    const res = await tb.call('POST', '/requests', { as: 'mallory', json: SANDBOX });
    const unknown = await tb.call('POST', '/requests', { as: 'mallory', json: { ...SANDBOX, target: 'sandbox-readonlx' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([{ field: 'target', rule: 'known-target', message: expect.any(String) }]);
    expect(res.text.replaceAll('sandbox-readonly', 'sandbox-readonlx')).toBe(unknown.text);
    expect(res.text).not.toContain('engineers');
  });
});

describe('GET /requests/{id}', () => {
  it('the requester and the approvers (by email or approver group) see it; anyone else gets the 404 of an unknown id', async () => {
    const r = await create('alice');
    const mine = await tb.call('GET', `/requests/${r.id}`, { as: 'alice' });
    expect(mine.status).toBe(200);
    expect(mine.body.request.id).toBe(r.id);
    expect(mine.body.request.requester).toEqual({ sub: 'alice', email: 'alice@example.com' });

    for (const approver of ['carol', 'dave'] as const) {
      const res = await tb.call('GET', `/requests/${r.id}`, { as: approver });
      expect(res.status, approver).toBe(200);
      expect(res.body.request.id).toBe(r.id);
    }
    // erin is not emailed for sandbox-readonly but is in its approver group `approvers`.
    expect((await tb.call('GET', `/requests/${r.id}`, { as: 'erin' })).status).toBe(200);

    const unknownId = '01JD3Z6W9Q8X7V5T4R3N2M1K0H';
    const unknown = await tb.call('GET', `/requests/${unknownId}`, { as: 'alice' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'NOT_FOUND', message: `Request ${unknownId} not found`, details: [] } });
    for (const stranger of ['bob', 'mallory'] as const) {
      const res = await tb.call('GET', `/requests/${r.id}`, { as: stranger });
      expect(res.status, stranger).toBe(404);
      expect(res.text.replaceAll(r.id, unknownId)).toBe(unknown.text);
    }
  });

  it('an approver of another target gets 404 for a target whose approvers they are not', async () => {
    const r = await create('alice', BILLING);
    expect((await tb.call('GET', `/requests/${r.id}`, { as: 'carol' })).status).toBe(404);
    expect((await tb.call('GET', `/requests/${r.id}`, { as: 'dave' })).status).toBe(404);
    expect((await tb.call('GET', `/requests/${r.id}`, { as: 'erin' })).status).toBe(200);
  });
});

describe('GET /requests', () => {
  it('scope=mine lists only my requests, newest first, over 3 pages of limit=3 via nextToken', async () => {
    const token = await tokenOf('pager', ['engineers']);
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await create({ token }, { ...SANDBOX, reason: `pagination check number ${i}` })).id);
    await create('bob'); // someone else's: never listed
    const expected = [...created].sort().reverse();

    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const res = await tb.call('GET', `/requests?scope=mine&limit=3${nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : ''}`, { token });
      expect(res.status, res.text).toBe(200);
      pages.push(res.body.items.map((r: { id: string }) => r.id));
      for (const item of res.body.items) expect(item.requester.sub).toBe('pager');
      nextToken = res.body.nextToken;
      if (nextToken !== undefined) expect(nextToken).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (nextToken && pages.length < 10);
    expect(pages).toEqual([expected.slice(0, 3), expected.slice(3, 6), expected.slice(6)]);

    // scope defaults to mine; the default limit covers all seven.
    const all = await tb.call('GET', '/requests', { token });
    expect(all.body.items.map((r: { id: string }) => r.id)).toEqual(expected);
    expect(all.body).not.toHaveProperty('nextToken');

    // status filter, with pagination across the filtered set
    for (const id of [created[1]!, created[4]!]) expect((await tb.call('POST', `/requests/${id}/cancel`, { token })).status).toBe(200);
    const cancelled = await tb.call('GET', '/requests?status=CANCELLED', { token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.items.map((r: { id: string }) => r.id)).toEqual([created[4], created[1]]);
    expect(cancelled.body.items.every((r: { status: string }) => r.status === 'CANCELLED')).toBe(true);

    const pendingExpected = expected.filter((id) => id !== created[1] && id !== created[4]);
    const p1 = await tb.call('GET', '/requests?status=PENDING&limit=3', { token });
    expect(p1.body.items.map((r: { id: string }) => r.id)).toEqual(pendingExpected.slice(0, 3));
    const p2 = await tb.call('GET', `/requests?status=PENDING&limit=3&nextToken=${p1.body.nextToken}`, { token });
    expect(p2.body.items.map((r: { id: string }) => r.id)).toEqual(pendingExpected.slice(3));
    expect(p2.body).not.toHaveProperty('nextToken');

    expect((await tb.call('GET', '/requests?status=ACTIVE', { token })).body).toEqual({ items: [] });
  });

  it('scope=approvals lists the requests of targets the caller approves, not other targets and not their own', async () => {
    const sandbox = await create('alice');
    const prod = await create('bob', PROD);
    const billing = await create('alice', BILLING);
    const carolsOwn = await create('carol');

    const carol = await tb.call('GET', '/requests?scope=approvals&limit=100', { as: 'carol' });
    expect(carol.status).toBe(200);
    const carolIds = carol.body.items.map((r: { id: string }) => r.id);
    expect(carolIds).toEqual(expect.arrayContaining([sandbox.id, prod.id]));
    expect(carolIds).not.toContain(billing.id);
    expect(carolIds).not.toContain(carolsOwn.id);
    expect(carol.body.items.every((r: { target: string }) => r.target !== 'billing-readonly')).toBe(true);
    expect(carolIds).toEqual([...carolIds].sort().reverse());

    const erin = await tb.call('GET', '/requests?scope=approvals&limit=100', { as: 'erin' });
    expect(erin.body.items.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining([billing.id, prod.id, sandbox.id]));

    for (const who of ['bob', 'mallory'] as const) {
      const res = await tb.call('GET', '/requests?scope=approvals', { as: who });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [] });
    }
  });
});

describe('GET /requests?scope=approvals pagination', () => {
  it("pages stay full when the caller's own newest requests are left out", async () => {
    const others = [];
    for (let i = 0; i < 3; i++) others.push((await create('alice', { ...SANDBOX, reason: `older request of alice ${i}` })).id);
    // olivia approves through the `approvers` group and has the four newest requests herself.
    const olivia = await tokenOf('olivia', ['engineers', 'approvers']);
    const own = [];
    for (let i = 0; i < 4; i++) own.push((await create({ token: olivia }, { ...SANDBOX, reason: `newest request of olivia ${i}` })).id);

    const first = await tb.call('GET', '/requests?scope=approvals&limit=3', { token: olivia });
    expect(first.status).toBe(200);
    expect(first.body.items.map((r: { id: string }) => r.id)).toEqual([...others].reverse());
    expect(first.body.nextToken).toBeDefined();
    const second = await tb.call('GET', `/requests?scope=approvals&limit=3&nextToken=${first.body.nextToken}`, { token: olivia });
    expect(second.status).toBe(200);
    const seen = [...first.body.items, ...second.body.items].map((r: { id: string }) => r.id);
    for (const id of own) expect(seen).not.toContain(id);
    expect(second.body.items).toHaveLength(3);
  });
});

describe('GET /catalogue', () => {
  it('shows each caller only the targets they may request', async () => {
    const alice = await tb.call('GET', '/catalogue', { as: 'alice' });
    expect(alice.status).toBe(200);
    expect(alice.body.targets.map((t: { id: string }) => t.id)).toEqual(['sandbox-readonly', 'prod-readonly', 'team-readonly', 'billing-readonly']);
    const prod = alice.body.targets.find((t: { id: string }) => t.id === 'prod-readonly');
    expect(prod).toMatchObject({ account: '222222222222', services: ['ec2', 'databases', 'cloudwatch'], maxDuration: '1h', maxDurationSeconds: 3600, approvalsRequired: 2 });
    // The 13 built-in services, then the example's custom one (offered by team-readonly).
    expect(alice.body.services.map((s: { key: string }) => s.key)).toEqual([...SERVICE_KEYS, 's3-data-read']);

    const mallory = await tb.call('GET', '/catalogue', { as: 'mallory' });
    expect(mallory.status).toBe(200);
    expect(mallory.body).toEqual({ targets: [], services: [] });

    // Approvers who are not requesters see nothing to request either.
    expect((await tb.call('GET', '/catalogue', { as: 'dave' })).body.targets).toEqual([]);
  });
});

describe('POST /requests/{id}/cancel', () => {
  it('the requester cancels once (200), a second cancel is 409 NOT_CANCELLABLE, an approver gets 404', async () => {
    const r = await create('alice');
    const byCarol = await tb.call('POST', `/requests/${r.id}/cancel`, { as: 'carol' });
    expect(byCarol.status).toBe(404);
    expect(byCarol.body.error.code).toBe('NOT_FOUND');
    expect((await tb.call('GET', `/requests/${r.id}`, { as: 'alice' })).body.request.status).toBe('PENDING');

    const first = await tb.call('POST', `/requests/${r.id}/cancel`, { as: 'alice', json: { reason: 'fixed without access' } });
    expect(first.status, first.text).toBe(200);
    expect(first.body.request.status).toBe('CANCELLED');
    expect(first.body.request.history.at(-1)).toEqual({ at: expect.stringMatching(ISO), type: 'cancelled', by: 'alice@example.com', detail: 'fixed without access' });

    const second = await tb.call('POST', `/requests/${r.id}/cancel`, { as: 'alice' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('NOT_CANCELLABLE');
    expect(second.body.error.message).toContain('CANCELLED');

    const stored = await tb.call('GET', `/requests/${r.id}`, { as: 'alice' });
    expect(stored.body.request.status).toBe('CANCELLED');
    expect(stored.body.request.history.filter((h: { type: string }) => h.type === 'cancelled')).toHaveLength(1);
  });

  it('two concurrent cancels of one request: exactly one 200 and one 409, one cancelled entry (10 rounds)', async () => {
    const token = await tokenOf('racer', ['engineers']);
    for (let round = 0; round < 10; round++) {
      const r = await create({ token }, { ...SANDBOX, reason: `concurrent cancel round ${round}` });
      const results = await Promise.all([
        tb.call('POST', `/requests/${r.id}/cancel`, { token }),
        tb.call('POST', `/requests/${r.id}/cancel`, { token }),
      ]);
      expect(results.map((x) => x.status).sort(), `round ${round}: ${results.map((x) => x.text).join(' | ')}`).toEqual([200, 409]);
      const loser = results.find((x) => x.status === 409)!;
      expect(loser.body.error.code).toBe('NOT_CANCELLABLE');
      const stored = (await tb.call('GET', `/requests/${r.id}`, { token })).body.request;
      expect(stored.status).toBe('CANCELLED');
      expect(stored.history.filter((h: { type: string }) => h.type === 'cancelled')).toHaveLength(1);
    }
  });
});

describe('authentication', () => {
  it('401 without a token, with a garbage token, with a token from another key, and with an expired token', async () => {
    const unauthorized = { message: 'Unauthorized' };
    const none = await tb.call('GET', '/requests');
    expect(none.status).toBe(401);
    expect(none.body).toEqual(unauthorized);

    const garbage = await tb.call('GET', '/requests', { token: 'not.a.jwt' });
    expect(garbage.status).toBe(401);
    expect(garbage.body).toEqual(unauthorized);

    const basic = await tb.call('GET', '/catalogue', { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } });
    expect(basic.status).toBe(401);

    const otherIdp = await createLocalIdp(tb.broker.idp.issuer);
    const forged = await otherIdp.mint({ sub: 'alice', email: 'alice@example.com', groups: ['engineers'] });
    expect((await tb.call('POST', '/requests', { token: forged, json: SANDBOX })).status).toBe(401);

    const shortLived = await tb.broker.idp.mint({ sub: 'alice', email: 'alice@example.com', groups: ['engineers'], expiresIn: 60 });
    expect((await tb.call('GET', '/catalogue', { token: shortLived })).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5 * 60_000);
    const expired = await tb.call('GET', '/catalogue', { token: shortLived });
    vi.useRealTimers();
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(unauthorized);
  });

  it('the groups claim arrives as API Gateway\'s "[engineers approvers]" string; the token\'s array decides and both groups count', async () => {
    // Local mode hands the handler what API Gateway would: the array flattened to a string.
    expect(claimsAsApiGatewayGivesThem({ sub: 'grace', groups: ['engineers', 'approvers'] }).groups).toBe('[engineers approvers]');

    // grace is no emailed approver: only the `approvers` group lets her see others' requests.
    const grace = await tokenOf('grace', ['engineers', 'approvers']);
    const own = await create({ token: grace });
    const alices = await create('alice');
    expect((await tb.call('GET', `/requests/${alices.id}`, { token: grace })).status).toBe(200);
    const approvals = await tb.call('GET', '/requests?scope=approvals&limit=100', { token: grace });
    const ids = approvals.body.items.map((r: { id: string }) => r.id);
    expect(ids).toContain(alices.id);
    expect(ids).not.toContain(own.id);

    // The same through the handler directly, as API Gateway invokes it: the claims flattened in
    // requestContext, the verified token in the Authorization header.
    const heidi = async (groups: string[]) => {
      const token = await tb.broker.idp.mint({ sub: 'heidi', email: 'heidi@example.com', groups });
      return { token, claims: claimsAsApiGatewayGivesThem(await tb.broker.idp.verify(token)) };
    };
    const event = ({ token, claims }: { token?: string; claims: Record<string, string> }) =>
      httpApiEvent({
        routeKey: 'GET /requests/{id}',
        path: `/requests/${alices.id}`,
        claims,
        ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
        pathParameters: { id: alices.id },
        requestId: 'groups-claim-test',
      });
    const both = await heidi(['engineers', 'approvers']);
    expect(both.claims.groups).toBe('[engineers approvers]');
    const asGroup = (await tb.broker.invoke('getRequest', event(both))) as { statusCode: number };
    expect(asGroup.statusCode).toBe(200);
    const notApprover = (await tb.broker.invoke('getRequest', event(await heidi(['engineers'])))) as { statusCode: number };
    expect(notApprover.statusCode).toBe(404);
    // Without the token, "[engineers approvers]" could as well be the one group "engineers approvers": refused.
    const flattenedOnly = (await tb.broker.invoke('getRequest', event({ claims: both.claims }))) as { statusCode: number; body: string };
    expect(flattenedOnly.statusCode).toBe(401);
    expect(JSON.parse(flattenedOnly.body).error.message).toContain('could be one group with spaces or several groups');
  });
});

describe('failures', () => {
  it('5xx never leak internals: a throwing repository gives 500 INTERNAL with a request id and nothing else', async () => {
    const r = await create('alice');
    // Let its workflow reach the approvers first, so only the HTTP calls below meet the failure.
    await tb.waitForRequest(r.id, (x) => x.history.some((h: { type: string }) => h.type === 'notified'));
    const repo = tb.broker.deps.requests;
    const originalGet = repo.get;
    const originalGetWithToken = repo.getWithTaskToken;
    const originalGetWithLatest = repo.getWithLatestHistory;
    const originalCreate = repo.create;
    repo.get = async () => {
      throw new Error('secret internal detail: arn:aws:dynamodb:us-east-1:123456789012:table/access-broker');
    };
    repo.getWithTaskToken = repo.get as never;
    repo.getWithLatestHistory = repo.get as never;
    repo.create = async () => {
      const e = new Error('secret internal detail in create');
      e.name = 'ProvisionedThroughputExceededException';
      throw e;
    };
    const logs = captureLogs();
    const quoted: string[] = [];
    try {
      for (const res of [
        await tb.call('GET', `/requests/${r.id}`, { as: 'alice' }),
        await tb.call('POST', `/requests/${r.id}/cancel`, { as: 'alice' }),
        await tb.call('POST', '/requests', { as: 'alice', json: SANDBOX }),
      ]) {
        expect(res.status).toBe(500);
        expect(res.body.error.code).toBe('INTERNAL');
        expect(res.body.error.details).toEqual([]);
        expect(res.body.error.message).toMatch(/^Internal error; quote request id [0-9a-f-]{36} when reporting it$/);
        expect(res.text).not.toMatch(/secret|arn:aws:dynamodb|ProvisionedThroughput|stack|at /);
        quoted.push(/request id (\S+)/.exec(res.body.error.message)![1]!);
      }
    } finally {
      repo.get = originalGet;
      repo.getWithLatestHistory = originalGetWithLatest;
      repo.getWithTaskToken = originalGetWithToken;
      repo.create = originalCreate;
      logs.restore();
    }
    // The detail goes to the operator's log, keyed by the request id the caller was given.
    const logged = logs.lines.filter((l) => l.level === 'error' && l.msg === 'unhandled error');
    expect(logged).toHaveLength(3);
    expect(JSON.stringify(logged)).toContain('secret internal detail');
    expect(logged.map((l) => l.fields.requestId)).toEqual(quoted);
    expect((await tb.call('GET', `/requests/${r.id}`, { as: 'alice' })).status).toBe(200);
  });

  it('a workflow that cannot start: 503 WORKFLOW_START_FAILED and the stored request is FAILED', async () => {
    const workflow = tb.broker.deps.workflow;
    const originalStart = workflow.start;
    workflow.start = async () => {
      throw new Error('secret: states endpoint refused ExecutionLimitExceeded');
    };
    const logs = captureLogs();
    let res;
    try {
      res = await tb.call('POST', '/requests', { as: 'alice', json: SANDBOX });
    } finally {
      workflow.start = originalStart;
      logs.restore();
    }
    expect(logs.lines.some((l) => l.level === 'error' && l.msg === 'workflow start failed')).toBe(true);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('WORKFLOW_START_FAILED');
    expect(res.text).not.toContain('secret');
    const id = /Request ([0-9A-HJKMNP-TV-Z]{26}) was recorded/.exec(res.body.error.message)?.[1];
    expect(id).toBeDefined();

    const stored = await tb.call('GET', `/requests/${id}`, { as: 'alice' });
    expect(stored.status).toBe(200);
    expect(stored.body.request.status).toBe('FAILED');
    expect(stored.body.request.executionArn).toBeNull();
    expect(stored.body.request.history.map((h: { type: string }) => h.type)).toEqual(['submitted', 'failed']);
    expect(stored.body.request.history[1].detail).toBe('approval workflow could not start');

    const failed = await tb.call('GET', '/requests?status=FAILED', { as: 'alice' });
    expect(failed.body.items.map((r: { id: string }) => r.id)).toContain(id);
    // A FAILED request can no longer be cancelled.
    expect((await tb.call('POST', `/requests/${id}/cancel`, { as: 'alice' })).status).toBe(409);
  });
});

/**
 * "20 kinds of bad input each get a 4xx with a precise message and leave the table unchanged"
 * (issue 2), through the local HTTP server as curl would send them. After every case the whole
 * dynalite table is scanned and compared with the snapshot taken before the first one, and no
 * email may have been sent.
 */
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAME } from '../../local/broker';
import { MAX_BODY_BYTES } from '../../shared/http/request-body';
import { startTestBroker, type Person, type TestBroker } from '../helpers/broker';

const GOOD = { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '1h', reason: 'debugging INC-4411 in the sandbox' };
const UNKNOWN_ID = '01JD3Z6W9Q8X7V5T4R3N2M1K0H';

let tb: TestBroker;
let client: DynamoDBClient;
let pendingId: string;
let cancelledId: string;
let snapshot: string;
let outboxSize: number;

/** Every item of the table, in key order, as canonical JSON. */
async function scanTable(): Promise<string> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: LOCAL_TABLE_NAME, ConsistentRead: true, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const key = (i: Record<string, AttributeValue>) => `${i.pk?.S}\u0000${i.sk?.S}`;
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)])) : v;
  return JSON.stringify(items.sort((a, b) => (key(a) < key(b) ? -1 : 1)).map(canonical));
}

beforeAll(async () => {
  tb = await startTestBroker();
  client = new DynamoDBClient({ endpoint: tb.broker.dynamo.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

  // Something to be wrong about: one request waiting for approvers, one already cancelled.
  const pending = await tb.call('POST', '/requests', { as: 'alice', json: GOOD });
  expect(pending.status).toBe(201);
  pendingId = pending.body.request.id;
  const cancelled = await tb.call('POST', '/requests', { as: 'alice', json: GOOD });
  cancelledId = cancelled.body.request.id;
  await tb.waitForRequest(pendingId, (r) => r.history.some((h: { type: string }) => h.type === 'notified'));
  await tb.waitForRequest(cancelledId, (r) => r.history.some((h: { type: string }) => h.type === 'notified'));
  expect((await tb.call('POST', `/requests/${cancelledId}/cancel`, { as: 'alice' })).status).toBe(200);
  await tb.broker.workflow.whenSettled(cancelled.body.request.executionArn);

  // Nothing writes any more: notify-approvers appends `notified` last (the pending workflow
  // then waits for a decision) and the cancelled execution has ended.
  snapshot = await scanTable();
  outboxSize = tb.broker.outbox.messages().length;
  expect(JSON.parse(snapshot).length).toBeGreaterThanOrEqual(4); // 2 requests + approval links
});

afterAll(async () => {
  client?.destroy();
  await tb?.broker.close();
});

interface Case {
  name: string;
  method: 'GET' | 'POST';
  /** A function when it needs the seeded ids. */
  path: string | (() => string);
  as?: Person;
  json?: unknown;
  /** Raw body bytes; sent with `contentType` (or no content type at all when that is null). */
  raw?: string;
  contentType?: string | null;
  status: number;
  code: string;
  /** Each [field, rule] must be among error.details. Empty for errors that concern no field. */
  details: [field: string, rule: string][];
  /** Fragments the message must contain: what was expected, what was got. */
  says?: string[];
}

const CASES: Case[] = [
  // ---- the body as bytes
  { name: 'malformed JSON', method: 'POST', path: '/requests', raw: '{"target": "sandbox-readonly",', contentType: 'application/json', status: 400, code: 'MALFORMED_JSON', details: [['body', 'json-syntax']], says: ['not valid JSON'] },
  { name: 'wrong content type (text/plain)', method: 'POST', path: '/requests', raw: JSON.stringify(GOOD), contentType: 'text/plain', status: 400, code: 'UNSUPPORTED_MEDIA_TYPE', details: [['content-type', 'media-type']], says: ['application/json', 'text/plain'] },
  { name: 'no content type', method: 'POST', path: '/requests', raw: JSON.stringify(GOOD), contentType: null, status: 400, code: 'UNSUPPORTED_MEDIA_TYPE', details: [['content-type', 'media-type']], says: ['got none'] },
  { name: 'form encoding where JSON is required', method: 'POST', path: '/requests', raw: 'target=sandbox-readonly&duration=1h', contentType: 'application/x-www-form-urlencoded', status: 400, code: 'UNSUPPORTED_MEDIA_TYPE', details: [['content-type', 'media-type']] },
  { name: 'body over 16 KB', method: 'POST', path: '/requests', raw: JSON.stringify({ ...GOOD, reason: 'x'.repeat(MAX_BODY_BYTES) }), contentType: 'application/json', status: 400, code: 'BODY_TOO_LARGE', details: [['body', 'max-size']], says: [String(MAX_BODY_BYTES)] },
  { name: 'an array instead of an object', method: 'POST', path: '/requests', json: [GOOD], status: 400, code: 'VALIDATION_FAILED', details: [['(root)', 'invalid_type']] },
  { name: 'empty JSON object', method: 'POST', path: '/requests', json: {}, status: 400, code: 'VALIDATION_FAILED', details: [['target', 'invalid_type'], ['services', 'invalid_type'], ['duration', 'invalid_type'], ['reason', 'invalid_type']] },
  // ---- fields: shape
  { name: 'unknown field', method: 'POST', path: '/requests', json: { ...GOOD, role: 'admin' }, status: 400, code: 'VALIDATION_FAILED', details: [['role', 'unknown-field']], says: ['role is not a known field'] },
  { name: 'target missing', method: 'POST', path: '/requests', json: { services: GOOD.services, duration: '1h', reason: GOOD.reason }, status: 400, code: 'VALIDATION_FAILED', details: [['target', 'invalid_type']], says: ['target'] },
  { name: 'services is a string, not a list', method: 'POST', path: '/requests', json: { ...GOOD, services: 'ec2' }, status: 400, code: 'VALIDATION_FAILED', details: [['services', 'invalid_type']], says: ['services must be an array of service keys'] },
  { name: 'a service that is not a string', method: 'POST', path: '/requests', json: { ...GOOD, services: ['ec2', 7] }, status: 400, code: 'VALIDATION_FAILED', details: [['services[1]', 'invalid_type']], says: ['services[1] must be a string'] },
  { name: 'services empty', method: 'POST', path: '/requests', json: { ...GOOD, services: [] }, status: 400, code: 'VALIDATION_FAILED', details: [['services', 'too_small']], says: ['at least one service'] },
  { name: 'duration as a number', method: 'POST', path: '/requests', json: { ...GOOD, duration: 3600 }, status: 400, code: 'VALIDATION_FAILED', details: [['duration', 'invalid_type']], says: ['15m, 2h'] },
  // ---- fields: rules of the target
  { name: 'unknown target', method: 'POST', path: '/requests', json: { ...GOOD, target: 'prod-admin' }, status: 400, code: 'VALIDATION_FAILED', details: [['target', 'known-target']], says: ['"prod-admin"', 'sandbox-readonly, prod-readonly'] },
  { name: 'unknown service', method: 'POST', path: '/requests', json: { ...GOOD, services: ['ec2', 'lambda'] }, status: 400, code: 'VALIDATION_FAILED', details: [['services[1]', 'allowed-service']], says: ['"lambda"'] },
  { name: 'service not allowed for prod-readonly (iam)', method: 'POST', path: '/requests', json: { ...GOOD, target: 'prod-readonly', services: ['iam'], duration: '30m' }, status: 400, code: 'VALIDATION_FAILED', details: [['services[0]', 'allowed-service']], says: ['"iam"', 'ec2, databases, cloudwatch'] },
  { name: 'duplicate service', method: 'POST', path: '/requests', json: { ...GOOD, services: ['ec2', 'cloudwatch', 'ec2'] }, status: 400, code: 'VALIDATION_FAILED', details: [['services', 'unique']], says: ['ec2'] },
  { name: 'duration in an unknown format', method: 'POST', path: '/requests', json: { ...GOOD, duration: '2 hours' }, status: 400, code: 'VALIDATION_FAILED', details: [['duration', 'duration-format']], says: ['"2 hours"'] },
  { name: 'duration under 15 minutes', method: 'POST', path: '/requests', json: { ...GOOD, duration: '10m' }, status: 400, code: 'VALIDATION_FAILED', details: [['duration', 'minimum']], says: ['at least 15m', 'got 10m'] },
  { name: "duration over the target's max (prod 1h, asked 2h)", method: 'POST', path: '/requests', json: { ...GOOD, target: 'prod-readonly', services: ['ec2'], duration: '2h' }, status: 400, code: 'VALIDATION_FAILED', details: [['duration', 'maximum']], says: ['at most 1h for prod-readonly', 'got 2h'] },
  { name: 'reason too short', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'because' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'min-visible']], says: ['at least 10 visible characters', 'got 7'] },
  { name: 'reason only spaces', method: 'POST', path: '/requests', json: { ...GOOD, reason: ' '.repeat(40) }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'min-visible']], says: ['got 0'] },
  { name: 'reason too long', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'r'.repeat(501) }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'max-length']], says: ['at most 500', 'got 501'] },
  // ---- text that could forge the broker's own lines in an approver's email or page (issue 10)
  { name: 'reason with a line break', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'debugging\nApprovals: 0 required' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'plain-text']], says: ['U+000A at position 10'] },
  { name: 'reason with a Unicode line separator', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'debugging INC-4411\u2028Approvals: 0 required' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'plain-text']], says: ['U+2028'] },
  { name: 'reason with a paragraph separator', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'debugging INC-4411\u2029more' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'plain-text']], says: ['U+2029'] },
  { name: 'reason with a bidi override', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'debugging \u202egnp.evorppa' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'plain-text']], says: ['U+202E'] },
  { name: 'reason padded with zero-width spaces', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'fix\u200b\u200b\u200b\u200b\u200b\u200b\u200b' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'plain-text']], says: ['U+200B'] },
  { name: 'reason of combining marks and spaces only', method: 'POST', path: '/requests', json: { ...GOOD, reason: 'ok' + '\u0301'.repeat(20) + ' '.repeat(20) }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'min-visible']], says: ['got 2'] },
  { name: 'ticket given as a URL', method: 'POST', path: '/requests', json: { ...GOOD, ticket: 'https://evil.example/approve' }, status: 400, code: 'VALIDATION_FAILED', details: [['ticket', 'format']], says: ['ticket id such as INC-4411'] },
  { name: 'ticket with a line separator', method: 'POST', path: '/requests', json: { ...GOOD, ticket: 'INC-\u20284411' }, status: 400, code: 'VALIDATION_FAILED', details: [['ticket', 'plain-text']], says: ['U+2028'] },
  { name: 'cancel reason with a bidi isolate', method: 'POST', path: () => `/requests/${pendingId}/cancel`, json: { reason: 'no longer needed \u2067x' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'plain-text']], says: ['U+2067'] },
  { name: 'cancel reason too short', method: 'POST', path: () => `/requests/${pendingId}/cancel`, json: { reason: 'done' }, status: 400, code: 'VALIDATION_FAILED', details: [['reason', 'min-visible']], says: ['at least 10 visible characters'] },
  { name: 'ticket with bad characters', method: 'POST', path: '/requests', json: { ...GOOD, ticket: 'INC-4411; rm -rf /' }, status: 400, code: 'VALIDATION_FAILED', details: [['ticket', 'format']] },
  { name: 'several problems at once are all reported', method: 'POST', path: '/requests', json: { ...GOOD, services: ['ec2', 'nope'], duration: '13h', reason: 'short' }, status: 400, code: 'VALIDATION_FAILED', details: [['services[1]', 'allowed-service'], ['duration', 'maximum'], ['reason', 'min-visible']] },
  { name: 'approver asking for a target whose quorum they would block (carol, prod)', method: 'POST', path: '/requests', as: 'carol', json: { ...GOOD, target: 'prod-readonly', services: ['ec2'], duration: '30m' }, status: 400, code: 'VALIDATION_FAILED', details: [['target', 'quorum-possible']], says: ['needs 2 approvals'] },
  // ---- who
  { name: 'a target the caller may not request: as if unknown, no groups named', method: 'POST', path: '/requests', as: 'mallory', json: GOOD, status: 400, code: 'VALIDATION_FAILED', details: [['target', 'known-target']], says: ['"sandbox-readonly" is not a target you can request; yours: none'] },
  // ---- query strings
  { name: 'bad scope', method: 'GET', path: '/requests?scope=everyone', status: 400, code: 'VALIDATION_FAILED', details: [['scope', 'invalid_value']], says: ['scope must be mine or approvals'] },
  { name: 'bad status', method: 'GET', path: '/requests?status=DONE', status: 400, code: 'VALIDATION_FAILED', details: [['status', 'invalid_value']], says: ['PENDING, APPROVED'] },
  { name: 'status in lower case', method: 'GET', path: '/requests?status=pending', status: 400, code: 'VALIDATION_FAILED', details: [['status', 'invalid_value']] },
  { name: 'bad nextToken', method: 'GET', path: '/requests?nextToken=bm90LWEtY3Vyc29y', status: 400, code: 'VALIDATION_FAILED', details: [['nextToken', 'custom']], says: ['not a token returned by this API'] },
  { name: 'limit=0', method: 'GET', path: '/requests?limit=0', status: 400, code: 'VALIDATION_FAILED', details: [['limit', 'too_small']] },
  { name: 'limit over 100', method: 'GET', path: '/requests?limit=101', status: 400, code: 'VALIDATION_FAILED', details: [['limit', 'too_big']] },
  { name: 'limit not a number', method: 'GET', path: '/requests?limit=ten', status: 400, code: 'VALIDATION_FAILED', details: [['limit', 'invalid_type']], says: ['limit must be a number'] },
  { name: 'unknown query parameter', method: 'GET', path: '/requests?owner=bob', status: 400, code: 'VALIDATION_FAILED', details: [['owner', 'unknown-field']] },
  // ---- paths and states
  { name: 'bad request id in the path', method: 'GET', path: '/requests/not-a-request-id', status: 400, code: 'VALIDATION_FAILED', details: [['id', 'invalid_format']], says: ['must be a request id'] },
  { name: 'bad request id on cancel', method: 'POST', path: '/requests/..%2F..%2Fetc/cancel', status: 400, code: 'VALIDATION_FAILED', details: [['id', 'invalid_format']] },
  { name: 'unknown field in a cancel body', method: 'POST', path: () => `/requests/${pendingId}/cancel`, json: { reason: 'ok', force: true }, status: 400, code: 'VALIDATION_FAILED', details: [['force', 'unknown-field']] },
  { name: 'credentials in an unknown format', method: 'GET', path: () => `/requests/${pendingId}/credentials?format=yaml`, status: 400, code: 'VALIDATION_FAILED', details: [['format', 'invalid_value']], says: ['json, env or credential_process'] },
  { name: 'a console region that is no region', method: 'GET', path: () => `/requests/${pendingId}/credentials?region=mars-1`, status: 400, code: 'VALIDATION_FAILED', details: [['region', 'invalid_format']], says: ['must be a region name such as eu-west-1'] },
  { name: 'a console service that is no service key', method: 'GET', path: () => `/requests/${pendingId}/credentials?service=EC2!`, status: 400, code: 'VALIDATION_FAILED', details: [['service', 'invalid_format']], says: ['must be a service key such as ec2'] },
  { name: 'credentials of a request that is not ACTIVE (409)', method: 'GET', path: () => `/requests/${pendingId}/credentials`, status: 409, code: 'NOT_ACTIVE', details: [], says: ['PENDING'] },
  { name: 'cancel of an already cancelled request (409)', method: 'POST', path: () => `/requests/${cancelledId}/cancel`, status: 409, code: 'NOT_CANCELLABLE', details: [], says: ['CANCELLED'] },
  { name: "cancel of someone else's request (404)", method: 'POST', path: () => `/requests/${pendingId}/cancel`, as: 'bob', status: 404, code: 'NOT_FOUND', details: [] },
  { name: "reading someone else's request (404)", method: 'GET', path: () => `/requests/${pendingId}`, as: 'bob', status: 404, code: 'NOT_FOUND', details: [] },
  { name: 'cancel of an unknown id (404)', method: 'POST', path: `/requests/${UNKNOWN_ID}/cancel`, status: 404, code: 'NOT_FOUND', details: [], says: [UNKNOWN_ID] },
];

async function send(c: Case) {
  const path = typeof c.path === 'function' ? c.path() : c.path;
  if (c.raw === undefined) return tb.call(c.method, path, { as: c.as ?? 'alice', ...(c.json !== undefined ? { json: c.json } : {}) });
  // Raw bytes: fetch sets no content type for a Uint8Array body, so "none" really is none.
  const headers: Record<string, string> = { authorization: `Bearer ${await tb.tokenFor(c.as ?? 'alice')}` };
  if (c.contentType) headers['content-type'] = c.contentType;
  const res = await fetch(`${tb.broker.baseUrl}${path}`, { method: c.method, headers, body: new TextEncoder().encode(c.raw) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

describe('bad input', () => {
  it('covers at least 20 distinct kinds of bad input', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.filter((c) => c.status === 400).length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES)('$name -> $status $code, table unchanged', async (c) => {
    const res = await send(c);
    expect(res.status, res.text).toBe(c.status);
    const error = res.body.error;
    expect(error.code).toBe(c.code);
    expect(typeof error.message).toBe('string');
    expect(error.message.length).toBeGreaterThan(10);
    const got = (error.details as { field?: string; rule?: string; message: string }[]).map((d) => [d.field, d.rule]);
    for (const pair of c.details) expect(got, res.text).toContainEqual(pair);
    if (c.details.length === 0) expect(error.details).toEqual([]);
    for (const d of error.details) expect(d.message.length).toBeGreaterThan(3);
    // The top-level message names every field it complains about.
    for (const [field] of c.details) if (field !== '(root)') expect(error.message).toContain(field === 'content-type' ? 'Content-Type' : field);
    const words = [error.message, ...error.details.map((d: { message: string }) => d.message)].join(' | ');
    for (const fragment of c.says ?? []) expect(words).toContain(fragment);
    // No internals: no stack frames, no AWS resource names.
    expect(res.text).not.toMatch(/\n\s+at |arn:aws:dynamodb|node_modules/);

    expect(await scanTable()).toBe(snapshot);
    expect(tb.broker.outbox.messages()).toHaveLength(outboxSize);
  });

  it('after all of them the table still holds exactly the two seeded requests, untouched', async () => {
    const after = JSON.parse(await scanTable()) as Record<string, { S?: string }>[];
    expect(after).toEqual(JSON.parse(snapshot));
    const requests = after.filter((i) => i.sk?.S === 'REQUEST').map((i) => i.pk?.S);
    expect(requests.sort()).toEqual([`REQ#${pendingId}`, `REQ#${cancelledId}`].sort());
    const pending = await tb.call('GET', `/requests/${pendingId}`, { as: 'alice' });
    expect(pending.body.request.status).toBe('PENDING');
  });
});

/**
 * Issue 4 end to end in local mode: request -> approve by link -> credentials and a console URL
 * for the requester only, in the three formats, audited, sealed at rest, refreshed near expiry.
 *
 * Each describe starts its own broker (its own ports, given to each function's createHandler)
 * and closes it before the next one starts.
 */
import { execFileSync } from 'node:child_process';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAME } from '../../local/broker';
import type { LocalStsStandin } from '../../local/sts-standin';
import { compileSessionPolicy } from '../../shared/domain/session-policy';
import { sanitizeSourceIdentity } from '../../shared/domain/source-identity';
import { startTestBroker, type Person, type TestBroker, movableClock } from '../helpers/broker';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const SERVICES = ['ec2', 'databases', 'cloudwatch'];
const REQUEST = { target: 'sandbox-readonly', services: SERVICES, duration: '2h', reason: 'Investigating INC-4411 latency', ticket: 'INC-4411' };

const types = (request: { history: { type: string }[] }) => request.history.map((h) => h.type);
const count = (request: { history: { type: string }[] }, type: string) => types(request).filter((t) => t === type).length;

const unescapeHtml = (text: string) =>
  text.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);

/** The value of a row `<tr><th>label</th><td>value</td></tr>` of the console preview page. */
const row = (html: string, label: string) => unescapeHtml(new RegExp(`<tr><th>${label}</th><td>([^<]*)</td></tr>`).exec(html)?.[1] ?? '');

function helpers(getT: () => TestBroker) {
  const t = () => getT();
  /**
   * alice asks, carol approves by her emailed link (as the page's form posts), the request becomes
   * ACTIVE (or, with `until`, whatever state that predicate waits for).
   */
  async function activeRequest(
    body: Record<string, unknown> = REQUEST,
    until: (r: any) => boolean = (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'issued'),
  ) {
    const created = await t().call('POST', '/requests', { as: 'alice', json: body });
    expect(created.status, created.text).toBe(201);
    const id: string = created.body.request.id;
    const link = await t().linkFor(id, 'carol@example.com');
    const decided = await t().call('POST', new URL(link).pathname, {
      body: 'comment=&decision=approve',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(decided.status, decided.text).toBe(200);
    return t().waitForRequest(id, until);
  }
  const credentials = (id: string, as: Person = 'alice', format?: string) =>
    t().call('GET', `/requests/${id}/credentials${format ? `?format=${format}` : ''}`, { as });
  return { activeRequest, credentials };
}

/** Every item of the local table, as DynamoDB stores it. */
async function scanTable(endpoint: string): Promise<Record<string, AttributeValue>[]> {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const items: Record<string, AttributeValue>[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: LOCAL_TABLE_NAME, ConsistentRead: true, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  } finally {
    client.destroy();
  }
}

/** Every scalar inside an item (strings, numbers, binaries as UTF-8 and base64), however nested. */
function scalars(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (value instanceof Uint8Array) return [Buffer.from(value).toString('utf8'), Buffer.from(value).toString('base64')];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(scalars);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).flatMap(scalars);
  return [];
}

describe('credentials of an approved request (local STS stand-in and console preview)', () => {
  let t: TestBroker;
  const h = helpers(() => t);
  // Windows end only when a test advances this clock's timer.
  const time = movableClock();
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('the requester gets JSON credentials and a console URL; the STS call carried exactly the approved scope', async () => {
    const request = await h.activeRequest();
    const id: string = request.id;

    const res = await h.credentials(id);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const creds = res.body;
    expect(creds.accessKeyId).toMatch(/^ASIALOCAL[A-Z2-7]{11}$/);
    expect(creds.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(creds.sessionToken).toMatch(/^LOCAL-ONLY-/);
    expect(creds.local).toBe(true);
    expect(creds.requestId).toBe(id);
    expect(creds.region).toBe('us-east-1');
    expect(creds.windowExpiresAt).toBe(request.expiresAt);
    // Chained target: the first session is capped at 1 h although the window is 2 h.
    // (STS stamps the expiry from its own call, a few ms after the window opened.)
    expect(Date.parse(creds.expiration) - Date.parse(request.startsAt)).toBeGreaterThanOrEqual(HOUR_MS);
    expect(Date.parse(creds.expiration) - Date.parse(request.startsAt)).toBeLessThan(HOUR_MS + 5_000);
    expect(creds.consoleUrl.startsWith(`${t.broker.baseUrl}/_local/console?session=`)).toBe(true);

    // What the STS stand-in was asked.
    const sts = (t.broker.deps.issuer as LocalStsStandin).lastAssumeRole(creds.accessKeyId);
    expect(sts).toBeDefined();
    expect(sts!.sessionPolicy).toBe(compileSessionPolicy(SERVICES, t.broker.deps.catalogue.services));
    expect(JSON.parse(sts!.sessionPolicy).Statement).toHaveLength(SERVICES.length);
    expect(sts!.durationSeconds).toBe(3600);
    expect(sts!.durationSeconds).toBeLessThanOrEqual(3600);
    expect(sts!.issuer).toBe('chained');
    expect(sts!.roleSessionName).toBe(id);
    expect(sts!.sourceIdentity).toBe(sanitizeSourceIdentity('alice@example.com'));
    expect(sts!.sourceIdentity).toBe('alice@example.com');
    expect(sts!.roleArn).toBe('arn:aws:iam::111111111111:role/BrokerReadOnly');
    expect(sts!.account).toBe('111111111111');
    expect(sts!.tags).toEqual([
      { Key: 'request-id', Value: id },
      { Key: 'requester', Value: 'alice@example.com' },
    ]);

    // The console URL opens the local preview of what the real sign-in would carry.
    const consoleRes = await fetch(creds.consoleUrl);
    expect(consoleRes.status).toBe(200);
    const html = await consoleRes.text();
    expect(row(html, 'Role')).toBe('arn:aws:iam::111111111111:role/BrokerReadOnly');
    expect(row(html, 'Account')).toBe('111111111111');
    expect(row(html, 'Services')).toBe(SERVICES.join(', '));
    expect(row(html, 'Credentials expire')).toBe(creds.expiration);
    expect(row(html, 'Access key id')).toBe(creds.accessKeyId);
    expect(row(html, 'SessionDuration')).toMatch(/^not sent/);
    expect(row(html, 'Destination')).toMatch(/^https:\/\/.*console\.aws\.amazon\.com\/ec2\//);
    const policy = /<h2>Session policy<\/h2><pre>([^<]*)<\/pre>/.exec(html)?.[1];
    expect(policy).toBeDefined();
    const shown = JSON.parse(unescapeHtml(policy!));
    expect(shown).toEqual(JSON.parse(compileSessionPolicy(SERVICES, t.broker.deps.catalogue.services)));
    const prefixes = new Set((shown.Statement as { Action: string[] }[]).flatMap((s) => s.Action.map((a) => a.split(':')[0])));
    expect(prefixes.has('ec2')).toBe(true);
    expect(prefixes.has('rds')).toBe(true);
    expect(prefixes.has('cloudwatch')).toBe(true);
    for (const notApproved of ['iam', 'secretsmanager', 'ses', 'eks', 's3']) expect(prefixes.has(notApproved), notApproved).toBe(false);
    // Nothing secret is on the page.
    expect(html).not.toContain(creds.secretAccessKey);
    expect(html).not.toContain(creds.sessionToken);
    // An unknown console session is a 404.
    expect((await fetch(`${t.broker.baseUrl}/_local/console?session=nope`)).status).toBe(404);
  });

  it('format=env prints export lines a shell can eval; format=credential_process prints what the AWS CLI expects', async () => {
    const { id } = await h.activeRequest();
    const json = (await h.credentials(id, 'alice', 'json')).body;

    const env = await h.credentials(id, 'alice', 'env');
    expect(env.status).toBe(200);
    expect(env.headers.get('content-type')).toMatch(/^text\/plain/);
    const exports = Object.fromEntries(
      env.text
        .split('\n')
        .filter((l) => l.startsWith('export '))
        .map((l) => /^export (AWS_[A-Z_]+)='([^']*)'$/.exec(l)!.slice(1, 3) as [string, string]),
    );
    expect(Object.keys(exports)).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_CREDENTIAL_EXPIRATION',
      'AWS_REGION',
    ]);
    expect(exports.AWS_ACCESS_KEY_ID).toBe(json.accessKeyId);
    expect(exports.AWS_SECRET_ACCESS_KEY).toBe(json.secretAccessKey);
    expect(exports.AWS_SESSION_TOKEN).toBe(json.sessionToken);
    expect(exports.AWS_CREDENTIAL_EXPIRATION).toBe(json.expiration);
    expect(exports.AWS_REGION).toBe('us-east-1');
    expect(env.text).toContain('# LOCAL MODE');
    // `eval "$(curl ...)"` really sets the variables.
    const evaluated = execFileSync('bash', ['-c', 'eval "$(cat)"; printf "%s\\n%s\\n%s" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"'], {
      input: env.text,
      encoding: 'utf8',
    });
    expect(evaluated.split('\n')).toEqual([json.accessKeyId, json.secretAccessKey, json.sessionToken]);

    const process = await h.credentials(id, 'alice', 'credential_process');
    expect(process.status).toBe(200);
    expect(process.body).toEqual({
      Version: 1,
      AccessKeyId: json.accessKeyId,
      SecretAccessKey: json.secretAccessKey,
      SessionToken: json.sessionToken,
      Expiration: json.expiration,
    });

    const bad = await h.credentials(id, 'alice', 'yaml');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('format');
  });

  it('only the requester: another user, the approver, an outsider get 404, no token 401; each retrieval is audited', async () => {
    const { id } = await h.activeRequest();
    for (const who of ['bob', 'carol', 'dave', 'mallory'] as const) {
      const res = await h.credentials(id, who);
      expect(res.status, who).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      expect(res.text).not.toContain('ASIALOCAL');
    }
    expect((await t.call('GET', `/requests/${id}/credentials`)).status).toBe(401);
    // Refused attempts leave no retrieval entry.
    expect(count(await t.waitForRequest(id, () => true), 'credentials-retrieved')).toBe(0);

    for (const format of ['json', 'env', 'credential_process']) expect((await h.credentials(id, 'alice', format)).status).toBe(200);
    const audited = await t.waitForRequest(id, () => true);
    const retrievals = audited.history.filter((e: { type: string }) => e.type === 'credentials-retrieved');
    expect(retrievals.map((e: { by: string; detail: string }) => `${e.by} ${e.detail}`)).toEqual([
      'alice@example.com format=json',
      'alice@example.com format=env',
      'alice@example.com format=credential_process',
    ]);
    // Within the session's life the same credentials come back: no re-issue per retrieval.
    expect(count(audited, 'issued')).toBe(1);
  });

  it('the table holds no plaintext secret (every attribute of every item searched); the outbox neither', async () => {
    const { id } = await h.activeRequest();
    const creds = (await h.credentials(id)).body;
    const needles = [creds.secretAccessKey, creds.sessionToken, creds.sessionToken.slice(-40), creds.secretAccessKey.slice(0, 20)];

    const items = await scanTable(t.broker.dynamo.endpoint);
    const mine = items.filter((i) => i.pk?.S === `REQ#${id}`);
    expect(mine.map((i) => i.sk?.S).sort()).toEqual(['CREDENTIALS', 'REQUEST']);
    const sealed = mine.find((i) => i.sk?.S === 'CREDENTIALS')!;
    expect(Object.keys(sealed.sealed?.M ?? {}).sort()).toEqual(['ciphertext', 'encryptedKey', 'iv', 'keyId', 'tag']);
    for (const item of items) {
      const values = scalars(item);
      for (const needle of needles) {
        expect(values.some((v) => v.includes(needle)), `${item.pk?.S}/${item.sk?.S} holds a secret`).toBe(false);
      }
    }
    const mail = JSON.stringify(t.broker.outbox.messages());
    for (const needle of needles) expect(mail).not.toContain(needle);
  });

  it('409 while pending, after a cancel before approval, and after the window expired (sealed credentials removed)', async () => {
    // PENDING, then cancelled before any approval.
    const created = await t.call('POST', '/requests', { as: 'alice', json: { ...REQUEST, duration: '15m' } });
    const pendingId: string = created.body.request.id;
    await t.linkFor(pendingId, 'carol@example.com');
    const pending = await h.credentials(pendingId);
    expect(pending.status).toBe(409);
    expect(pending.body.error.code).toBe('NOT_ACTIVE');
    expect((await t.call('POST', `/requests/${pendingId}/cancel`, { as: 'alice', json: {} })).status).toBe(200);
    const cancelled = await h.credentials(pendingId);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.code).toBe('NOT_ACTIVE');
    expect(cancelled.body.error.message).toContain('CANCELLED');
    // Still 404 for others, whatever the status.
    expect((await h.credentials(pendingId, 'bob')).status).toBe(404);

    // Approved, active, then EXPIRED by the workflow once its 15 minutes have passed (the
    // earlier tests' 2 h windows stay open).
    const active = await h.activeRequest({ ...REQUEST, duration: '15m' });
    await t.held(active.id);
    await time.advance(15 * MINUTE_MS);
    const expired = await t.waitForRequest(active.id, (r) => r.status === 'EXPIRED');
    expect(types(expired).filter((x) => ['issued', 'expired'].includes(x))).toEqual(['issued', 'expired']);
    const after = await h.credentials(expired.id);
    expect(after.status).toBe(409);
    expect(after.body.error.code).toBe('NOT_ACTIVE');
    expect(after.body.error.message).toContain('EXPIRED');
    expect(await t.broker.deps.credentials.get(expired.id)).toBeUndefined();
  });
});

describe('refresh inside the window (fake clock)', () => {
  let t: TestBroker;
  const h = helpers(() => t);
  const time = movableClock();
  beforeAll(async () => {
    // The clock jumps (offsetMs) without advancing the timer, so the workflow's 4 h Wait never ends here.
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('credentials within 5 minutes of expiry are replaced while the 4 h window is open; then clamped to the window; then 409', async () => {
    const request = await h.activeRequest({ ...REQUEST, duration: '4h' });
    const id: string = request.id;
    const sts = t.broker.deps.issuer as LocalStsStandin;
    const startsAt = Date.parse(request.startsAt);
    const windowEnds = Date.parse(request.expiresAt);
    expect(windowEnds - startsAt).toBe(4 * HOUR_MS);

    const first = (await h.credentials(id)).body;
    expect(Date.parse(first.expiration) - startsAt).toBeGreaterThanOrEqual(HOUR_MS);
    expect(Date.parse(first.expiration) - startsAt).toBeLessThan(HOUR_MS + 5_000);

    // 54 minutes in: 6 minutes left on the session, more than the 5-minute margin: same keys.
    time.offsetMs = startsAt + 54 * MINUTE_MS - Date.now();
    const same = (await h.credentials(id)).body;
    expect(same.accessKeyId).toBe(first.accessKeyId);

    // 56 minutes in: 4 minutes left: fresh credentials, again a full hour (chaining cap).
    time.offsetMs = startsAt + 56 * MINUTE_MS - Date.now();
    const refreshed = await h.credentials(id);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.accessKeyId).not.toBe(first.accessKeyId);
    expect(refreshed.body.secretAccessKey).not.toBe(first.secretAccessKey);
    expect(refreshed.body.accessKeyId).toMatch(/^ASIALOCAL/);
    const second = sts.lastAssumeRole(refreshed.body.accessKeyId)!;
    expect(second.durationSeconds).toBe(3600);
    expect(second.roleSessionName).toBe(id);
    expect(second.sourceIdentity).toBe('alice@example.com');
    expect(second.sessionPolicy).toBe(compileSessionPolicy(REQUEST.services, t.broker.deps.catalogue.services));
    expect(Date.parse(refreshed.body.expiration)).toBeGreaterThan(Date.parse(first.expiration));
    expect(Date.parse(refreshed.body.expiration)).toBeLessThanOrEqual(windowEnds);
    // The next call returns the refreshed ones, not yet another issue.
    expect((await h.credentials(id)).body.accessKeyId).toBe(refreshed.body.accessKeyId);

    // 20 minutes before the window ends, the stored session is long expired: the new one is
    // clamped to what is left of the window (1200 s), never past it.
    time.offsetMs = windowEnds - 20 * MINUTE_MS - Date.now();
    const clamped = (await h.credentials(id, 'alice', 'credential_process')).body;
    expect(clamped.AccessKeyId).not.toBe(refreshed.body.accessKeyId);
    const third = sts.lastAssumeRole(clamped.AccessKeyId)!;
    expect(third.durationSeconds).toBeGreaterThanOrEqual(1199);
    expect(third.durationSeconds).toBeLessThanOrEqual(1200);
    expect(Date.parse(clamped.Expiration)).toBeLessThanOrEqual(windowEnds);

    const audited = await t.waitForRequest(id, () => true);
    expect(count(audited, 'issued')).toBe(3);
    expect(count(audited, 'credentials-retrieved')).toBe(5);

    // Past the window's end (before the workflow has marked it EXPIRED): 409, nothing issued.
    time.offsetMs = windowEnds + 1_000 - Date.now();
    const closed = await h.credentials(id);
    expect(closed.status).toBe(409);
    expect(closed.body.error.code).toBe('WINDOW_CLOSED');
    expect(count(await t.waitForRequest(id, () => true), 'issued')).toBe(3);
    time.offsetMs = 0;
  });
});

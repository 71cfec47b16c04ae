/**
 * Trail reconciliation: reading the trail's log files alarms on every watched-role use the
 * real-time EventBridge path missed, with the same dedupe keys, so nothing is alarmed twice. The
 * use case with in-memory ports (the DynamoDB claim rules are the data-layer suite's), the
 * function with an S3 reader stand-in, and POST /_local/trail on the local broker.
 */
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { asEventBridgeEvent, fixtureRecord, generateTrailLog, trailLogFileBytes } from '../../events/trail-log';
import { createHandler } from '../../functions/reconcile-trail';
import { isTrailLogKey, trailObjectsOf } from '../../shared/alerts/trail-notification';
import { readTrailLogFile, TrailLogFormatError, watchedRecordFilter } from '../../shared/alerts/trail-log';
import { loadCatalogueFile } from '../../shared/catalogue/load';
import { createLogger } from '../../shared/log/logger';
import type { OutgoingMessage } from '../../shared/ports';
import { handleRoleUseEvent, type AlertDeps } from '../../shared/usecases/alert-on-role-use';
import { reconcileTrailLog, TrailReconciliationIncompleteError } from '../../shared/usecases/reconcile-trail';
import { startTestBroker, type TestBroker } from '../helpers/broker';
import { createMemoryDeduper } from '../helpers/memory-deduper';

type Json = Record<string, any>;

const NOW = new Date('2024-11-21T11:30:00.000Z');
const WATCHED = ['arn:aws:iam::111111111111:role/BrokerReadOnly', 'arn:aws:iam::111111111111:role/TemporaryAdminRole'];

function memoryDeps(options: { failPublishes?: number } = {}) {
  const published: OutgoingMessage[] = [];
  const memory = createMemoryDeduper();
  let failures = options.failPublishes ?? 0;
  const deps: AlertDeps = {
    settings: { issuerPrincipalArns: ['arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials'], issuerRoleIds: ['AROA6EXAMPLEBROKER001'] },
    catalogue: loadCatalogueFile('config/catalogue.example.yaml'),
    clock: { now: () => NOW },
    logger: createLogger({ level: 'error' }),
    requests: { get: async () => undefined, appendHistory: async () => undefined },
    events: memory.deduper,
    notifier: {
      async publish(message) {
        if (failures > 0 && failures--) throw Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' });
        published.push(message);
        return { messageId: `m-${published.length}` };
      },
    },
  };
  return { deps, published, memory };
}

const eventIdsOf = (messages: OutgoingMessage[]) => messages.map((m) => m.attributes?.['eventId']);

describe('reading a trail log file', () => {
  it('reads gzip and plain JSON {"Records":[...]}, and names what is wrong with anything else', () => {
    const records = [fixtureRecord('assume-role-by-human.json')];
    expect(readTrailLogFile(trailLogFileBytes(records))).toEqual(records);
    expect(readTrailLogFile(trailLogFileBytes(records, false))).toEqual(records);
    expect(() => readTrailLogFile(Buffer.from('{"records":[]}'))).toThrow(TrailLogFormatError);
    expect(() => readTrailLogFile(Buffer.from('not json'))).toThrow(/not JSON/);
    expect(() => readTrailLogFile(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(/not a gzip file/);
  });

  it('the pre-filter passes role-use records naming a watched role (any case, any path) and unreadable role uses, nothing else', () => {
    const passes = watchedRecordFilter(WATCHED);
    const human = fixtureRecord('assume-role-by-human.json');
    expect(passes(human)).toBe(true);
    expect(passes({ ...human, requestParameters: { roleArn: 'ARN:AWS:IAM::111111111111:ROLE//ops/TEMPORARYADMINROLE' } })).toBe(true);
    expect(passes(fixtureRecord('switch-role.json'))).toBe(true);
    expect(passes(fixtureRecord('switch-role-assume-role.json'))).toBe(true);
    expect(passes({ ...human, requestParameters: null })).toBe(true);
    expect(passes(fixtureRecord('assume-role-other-role.json'))).toBe(false);
    expect(passes(fixtureRecord('get-session-token.json'))).toBe(false);
    expect(passes({ ...human, eventName: 'GetRole' })).toBe(false);
    expect(passes(null)).toBe(false);
  });

  it('names the log files of an S3 notification or an EventBridge Object Created event; skips digests', () => {
    const key = 'AWSLogs/o-abc/111111111111/CloudTrail/eu-west-1/2024/11/21/111111111111_CloudTrail_eu-west-1_20241121T1130Z_x.json.gz';
    expect(trailObjectsOf({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'trail' }, object: { key: key.replace('o-abc', 'o+abc') } } }] })).toEqual([
      { bucket: 'trail', key: key.replace('o-abc', 'o abc') },
    ]);
    expect(trailObjectsOf({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'trail' }, object: { key } } })).toEqual([{ bucket: 'trail', key }]);
    expect(trailObjectsOf({ source: 'aws.sts' })).toBeUndefined();
    expect(isTrailLogKey(key)).toBe(true);
    expect(isTrailLogKey('AWSLogs/111111111111/CloudTrail-Digest/eu-west-1/2024/11/21/x.json.gz')).toBe(false);
  });
});

describe('reconcileTrailLog', () => {
  it('5,000 records, 50 watched-role uses, 10 already alarmed in real time: exactly 40 new alarms, none published twice (100,000 records: the trailReconciliation bench)', async () => {
    const f = memoryDeps();
    const log = generateTrailLog(5_000, 50);
    expect(log.total).toBe(5_000);
    expect(log.watched).toHaveLength(50);
    const realTime = log.watched.filter((_, i) => i % 5 === 0);
    expect(realTime).toHaveLength(10);
    for (const record of realTime) expect(await handleRoleUseEvent(f.deps, asEventBridgeEvent(record))).toMatchObject({ outcome: 'alarmed' });
    expect(f.published).toHaveLength(10);

    const result = await reconcileTrailLog(f.deps, trailLogFileBytes(log.text));
    expect(result).toMatchObject({ records: 5_000, alarmed: 40, duplicates: 10, inProgress: 0, failed: 0 });
    // The pre-filter passes the watched uses and the failed calls of the watched role (which the
    // parse then ignores), nothing else.
    expect(result.watched).toBe(50 + result.ignored);

    const ids = eventIdsOf(f.published);
    expect(f.published).toHaveLength(50);
    expect(new Set(ids).size).toBe(50);
    expect(new Set(ids)).toEqual(new Set(log.watched.map((r) => r['eventID'])));
    const late = f.published.slice(10);
    expect(late.every((m) => m.attributes?.['source'] === 'trail-reconciliation')).toBe(true);
    expect(f.published.slice(0, 10).every((m) => m.attributes?.['source'] === 'eventbridge')).toBe(true);

    // The same file again (S3 retries, a second notification): nothing new.
    expect(await reconcileTrailLog(f.deps, trailLogFileBytes(log.text))).toMatchObject({ alarmed: 0, duplicates: 50 });
    expect(f.published).toHaveLength(50);
  }, 120_000);

  it('labels an alarm found late with its delay, in the attributes, the JSON and the text', async () => {
    const f = memoryDeps();
    await reconcileTrailLog(f.deps, trailLogFileBytes([fixtureRecord('assume-role-by-human.json')]));
    const [alarm] = f.published;
    const delay = String((NOW.getTime() - Date.parse(fixtureRecord('assume-role-by-human.json')['eventTime'])) / 1000);
    expect(alarm!.attributes).toMatchObject({ source: 'trail-reconciliation', delaySeconds: delay, classification: 'out-of-band', severity: 'CRITICAL' });
    const body = JSON.parse(alarm!.message) as Json;
    expect(JSON.parse(body.sqs)).toMatchObject({ source: 'trail-reconciliation', delaySeconds: Number(delay) });
    expect(body.email).toContain("reading the trail's log files");
  });

  it('fails closed in the trail too: a watched role use that cannot be parsed raises unparseable-event', async () => {
    const f = memoryDeps();
    const broken = { ...fixtureRecord('assume-role-by-human.json'), eventTime: 'garbled' };
    expect(await reconcileTrailLog(f.deps, trailLogFileBytes([broken]))).toMatchObject({ watched: 1, alarmed: 1 });
    expect(f.published[0]!.attributes).toMatchObject({ classification: 'unparseable-event', severity: 'CRITICAL', source: 'trail-reconciliation' });
  });

  it('a console switch seen in real time is not alarmed again from its AssumeRole record in the trail', async () => {
    const f = memoryDeps();
    await handleRoleUseEvent(f.deps, asEventBridgeEvent(fixtureRecord('switch-role.json')));
    expect(await reconcileTrailLog(f.deps, trailLogFileBytes([fixtureRecord('switch-role-assume-role.json'), fixtureRecord('switch-role.json')]))).toMatchObject({
      alarmed: 0,
      duplicates: 2,
    });
    expect(f.published).toHaveLength(1);
  });

  it('a failed publish does not stop the file; the file is reported incomplete, and reading it again alarms the rest once', async () => {
    const f = memoryDeps({ failPublishes: 1 });
    const log = generateTrailLog(1_000, 10);
    const error = await reconcileTrailLog(f.deps, trailLogFileBytes(log.text)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrailReconciliationIncompleteError);
    expect((error as TrailReconciliationIncompleteError).result).toMatchObject({ alarmed: 9, failed: 1 });
    expect(await reconcileTrailLog(f.deps, trailLogFileBytes(log.text))).toMatchObject({ alarmed: 1, duplicates: 9 });
    expect(new Set(eventIdsOf(f.published)).size).toBe(10);
  });

  it('an alarm another delivery holds in progress is not counted handled: the file is reported incomplete', async () => {
    const f = memoryDeps();
    const record = fixtureRecord('assume-role-by-human.json');
    await f.deps.events.claim({ id: `event:111111111111:${record['eventID']}` }, NOW);
    const error = await reconcileTrailLog(f.deps, trailLogFileBytes([record])).catch((e: unknown) => e);
    expect((error as TrailReconciliationIncompleteError).result).toMatchObject({ inProgress: 1, alarmed: 0 });
  });
});

describe('reconcileTrail function', () => {
  afterEach(() => vi.restoreAllMocks());
  const key = 'AWSLogs/111111111111/CloudTrail/eu-west-1/2024/11/21/111111111111_CloudTrail_eu-west-1_20241121T1130Z_abc.json.gz';

  it('reads the object named by the Object Created event and alarms on what the real-time path missed', async () => {
    const f = memoryDeps();
    const reads: string[] = [];
    const handler = createHandler({
      ...f.deps,
      settings: { stage: 'test', publicBaseUrl: 'http://localhost', groupsClaim: 'groups', requireVerifiedEmail: true, ...f.deps.settings },
      trailReader: {
        async read(bucket, k) {
          reads.push(`${bucket}/${k}`);
          return trailLogFileBytes([fixtureRecord('assume-role-by-human.json'), fixtureRecord('assume-role-other-role.json')]);
        },
      },
    });
    const event = { source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'org-trail' }, object: { key } } };
    const result = await handler(event, { awsRequestId: 'r1' } as Context);
    expect(reads).toEqual([`org-trail/${key}`]);
    expect(result.files).toEqual([{ key, records: 2, watched: 1, alarmed: 1, duplicates: 0, ignored: 0, inProgress: 0, failed: 0 }]);
    // A digest file is skipped without reading it.
    const digest = { ...event, detail: { ...event.detail, object: { key: key.replace('/CloudTrail/', '/CloudTrail-Digest/') } } };
    expect((await handler(digest, { awsRequestId: 'r2' } as Context)).files).toEqual([]);
    expect(reads).toHaveLength(1);
  });
});

describe('POST /_local/trail', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(async () => t?.broker.close());

  const post = async (body: Buffer) => {
    const res = await fetch(`${t.broker.baseUrl}/_local/trail`, { method: 'POST', body });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it('processes a gzip log file as the deployed function would: {records, watched, alarmed, duplicates}', async () => {
    const log = generateTrailLog(2_000, 20, '2024-11-22T09:00:00Z');
    // Five of the twenty reached the real-time path first.
    for (const record of log.watched.slice(0, 5)) {
      expect((await t.call('POST', '/_local/events', { json: asEventBridgeEvent(record) })).status).toBe(200);
    }
    const first = await post(trailLogFileBytes(log.text));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ records: 2_000, alarmed: 15, duplicates: 5 });
    expect(first.body.watched).toBe(20 + first.body.ignored);
    const again = await post(trailLogFileBytes(log.text, false));
    expect(again.body).toMatchObject({ records: 2_000, alarmed: 0, duplicates: 20 });
    const alarms = t.broker.outbox.messages().filter((m) => m.topic === 'alarms' && m.attributes?.['source'] === 'trail-reconciliation');
    expect(alarms).toHaveLength(15);
  });

  it('answers 400 for a body that is not a CloudTrail log file', async () => {
    expect(await post(Buffer.from('{"events": []}'))).toMatchObject({ status: 400, body: { error: { code: 'NOT_A_TRAIL_LOG_FILE' } } });
    expect((await post(Buffer.alloc(0))).status).toBe(400);
  });
});

/**
 * The alert function (functions/alert-on-assume-role.ts) and its use case with in-memory ports:
 * what it does when SNS or DynamoDB fail, so that an at-least-once delivery never loses an alarm,
 * and what it counts (CloudWatch Embedded Metric Format lines).
 */
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadEvent } from '../../events/load';
import { createHandler } from '../../functions/alert-on-assume-role';
import { loadCatalogueFile } from '../../shared/catalogue/load';
import type { AccessRequest, HistoryEntry } from '../../shared/domain/request';
import { createLogger } from '../../shared/log/logger';
import type { OutgoingMessage } from '../../shared/ports';
import type { Deps } from '../../shared/runtime/deps';
import { AlarmAtRiskError, alarmScope, handleRoleUseEvent } from '../../shared/usecases/alert-on-role-use';

type Json = Record<string, any>;

const NOW = new Date('2024-11-20T14:10:00.000Z');
const BROKER_ROLE = 'arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials';
const REQUEST_ID = '01JD3Z8X7Q4VWM2N5K6R9T0ABC';

/** Alice's active sandbox request, the one assume-role-by-broker.json names. */
const ALICE_REQUEST: AccessRequest = {
  id: REQUEST_ID,
  status: 'ACTIVE',
  version: 5,
  requester: { sub: 'alice', email: 'alice@example.com' },
  target: 'sandbox-readonly',
  account: '111111111111',
  roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
  services: ['ec2', 'databases'],
  durationSeconds: 7200,
  reason: 'Debugging INC-4411',
  createdAt: '2024-11-20T13:55:00.000Z',
  updatedAt: '2024-11-20T14:03:13.000Z',
  approvalsRequired: 1,
  approverEmails: ['carol@example.com'],
  approverGroups: [],
  approvals: [],
  startsAt: '2024-11-20T14:03:12.400Z',
  expiresAt: '2024-11-20T16:03:12.400Z',
  history: [{ at: '2024-11-20T14:03:13.000Z', type: 'issued', accessKeyId: 'ASIA6EXAMPLEGRANT001' }],
};

function fakeDeps() {
  const logLines: Json[] = [];
  const seen = new Set<string>();
  const published: OutgoingMessage[] = [];
  const history: HistoryEntry[] = [];
  const failures = { publish: 0, forget: 0, append: 0, get: 0 };
  const calls: string[] = [];
  const deps = {
    settings: { stage: 'test', publicBaseUrl: 'https://broker.example.com', groupsClaim: 'groups', issuerPrincipalArns: [BROKER_ROLE] },
    catalogue: loadCatalogueFile('config/catalogue.example.yaml'),
    clock: { now: () => NOW },
    newId: () => 'unused',
    logger: createLogger({ level: 'debug', write: (line) => logLines.push(JSON.parse(line) as Json) }),
    requests: {
      async get(id: string) {
        calls.push(`get ${id}`);
        if (failures.get > 0 && failures.get--) throw Object.assign(new Error('DynamoDB throttled'), { name: 'ProvisionedThroughputExceededException' });
        return id === REQUEST_ID ? structuredClone(ALICE_REQUEST) : undefined;
      },
      async appendHistory(id: string, entries: HistoryEntry[]) {
        calls.push(`appendHistory ${id}`);
        if (failures.append > 0 && failures.append--) throw new Error('DynamoDB unavailable');
        history.push(...entries);
      },
    },
    events: {
      async firstSighting(eventId: string) {
        calls.push(`firstSighting ${eventId}`);
        if (seen.has(eventId)) return false;
        seen.add(eventId);
        return true;
      },
      async forget(eventId: string) {
        calls.push(`forget ${eventId}`);
        if (failures.forget > 0 && failures.forget--) throw new Error('DynamoDB unavailable');
        seen.delete(eventId);
      },
    },
    notifier: {
      async publish(message: OutgoingMessage) {
        calls.push('publish');
        if (failures.publish > 0 && failures.publish--) throw Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' });
        published.push(message);
        return { messageId: `m-${published.length}` };
      },
    },
  } as unknown as Deps;
  return { deps, logLines, seen, published, history, failures, calls };
}

const context = { awsRequestId: 'lambda-request-1' } as Context;
const event = (name: string): Json => loadEvent<Json>(`cloudtrail/${name}`);

describe('handleRoleUseEvent', () => {
  it('alarms on the broker fixture as a broker grant, appends the audit entry, and claims the event only after the reads', async () => {
    const f = fakeDeps();
    const outcome = await handleRoleUseEvent(f.deps, event('assume-role-by-broker.json'));
    expect(outcome).toEqual({
      outcome: 'alarmed',
      eventId: 'b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c',
      classification: 'broker-grant',
      severity: 'INFO',
      requestId: REQUEST_ID,
      subject: '[INFO] Broker-granted AssumeRole of BrokerReadOnly in 111111111111',
      messageId: 'm-1',
      historyRecorded: true,
    });
    expect(f.calls).toEqual([
      `get ${REQUEST_ID}`,
      'firstSighting b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c',
      'publish',
      `appendHistory ${REQUEST_ID}`,
    ]);
    expect(f.history).toEqual([
      {
        at: NOW.toISOString(),
        type: 'alert-matched',
        detail: `broker-grant INFO event b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c from arn:aws:sts::999999999999:assumed-role/access-broker-dev-issue-credentials/access-broker-dev-issue-credentials`,
      },
    ]);
  });

  it.each([
    ['assume-role-by-human.json', 'out-of-band', 'CRITICAL'],
    ['assume-role-chained-source-identity.json', 'identity-mismatch', 'CRITICAL'],
    ['assume-role-with-saml.json', 'out-of-band', 'CRITICAL'],
    ['assume-role-with-web-identity.json', 'out-of-band', 'CRITICAL'],
    ['switch-role.json', 'console-switch-role', 'CRITICAL'],
  ])('%s -> %s %s', async (name, classification, severity) => {
    const f = fakeDeps();
    expect(await handleRoleUseEvent(f.deps, event(name))).toMatchObject({ outcome: 'alarmed', classification, severity });
    expect(f.published).toHaveLength(1);
    expect(f.published[0]!.subject.startsWith(`[${severity}] `)).toBe(true);
  });

  it('identity-mismatch on a real request id is recorded in that request history too', async () => {
    const f = fakeDeps();
    await handleRoleUseEvent(f.deps, event('assume-role-chained-source-identity.json'));
    expect(f.history.map((h) => h.detail)).toEqual([
      'identity-mismatch CRITICAL event f0e1d2c3-b4a5-4968-8776-655443322110 from arn:aws:sts::111111111111:assumed-role/DeveloperAccess/bob',
    ]);
  });

  it.each([
    ['assume-role-other-role.json', 'ignored', 'is not a watched role'],
    ['assume-role-failed.json', 'ignored', 'the call failed (AccessDenied)'],
    ['assume-role-by-broker-target-account-copy.json', 'ignored', 'cross-account copy of a call from broker account 999999999999'],
  ])('%s -> %s (no alarm, nothing claimed)', async (name, outcome, reason) => {
    const f = fakeDeps();
    const result = await handleRoleUseEvent(f.deps, event(name));
    expect(result).toMatchObject({ outcome });
    expect((result as { reason: string }).reason).toContain(reason);
    expect(f.published).toEqual([]);
    expect(f.seen.size).toBe(0);
  });

  it('skips the cross-account copy because the broker account is derived from the issuer principals', () => {
    const f = fakeDeps();
    expect(alarmScope(f.deps).brokerAccountIds).toEqual(['999999999999']);
  });

  it('malformed and unsupported events return normally, logged without the event (which holds credentials)', async () => {
    const f = fakeDeps();
    expect(await handleRoleUseEvent(f.deps, event('malformed.json'))).toMatchObject({
      outcome: 'malformed',
      eventId: '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d',
      error: expect.stringContaining('detail.requestParameters'),
    });
    expect(await handleRoleUseEvent(f.deps, event('get-session-token.json'))).toMatchObject({ outcome: 'unsupported' });
    for (const raw of [null, 'x', 42, [], {}, { source: 'aws.sts' }]) {
      expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'malformed' });
    }
    expect(f.published).toEqual([]);
    const logged = JSON.stringify(f.logLines);
    expect(logged).toContain('malformed role-use event dropped');
    expect(logged).not.toContain('IQoJb3JpZ2luX2Vj');
    expect(logged).not.toContain('ASIA6EXAMPLE');
  });

  it('a second delivery of the same CloudTrail event id is a duplicate: one alarm', async () => {
    const f = fakeDeps();
    const first = event('assume-role-by-human.json');
    const second = { ...event('assume-role-by-human.json'), id: 'another-envelope-id' };
    expect(await handleRoleUseEvent(f.deps, first)).toMatchObject({ outcome: 'alarmed' });
    expect(await handleRoleUseEvent(f.deps, second)).toEqual({ outcome: 'duplicate', eventId: first.detail.eventID });
    expect(f.published).toHaveLength(1);
  });

  it('publish fails -> the event id is released and the error rethrown, so the retry alarms (not dropped as duplicate)', async () => {
    const f = fakeDeps();
    f.failures.publish = 1;
    const raw = event('assume-role-by-human.json');
    await expect(handleRoleUseEvent(f.deps, raw)).rejects.toThrow('SNS is down');
    expect(f.seen.has(raw.detail.eventID)).toBe(false);
    expect(f.calls.slice(-2)).toEqual(['publish', `forget ${raw.detail.eventID}`]);

    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'alarmed', classification: 'out-of-band' });
    expect(f.published).toHaveLength(1);
  });

  it('publish and release both fail -> AlarmAtRiskError (still thrown for a retry), logged with the event id', async () => {
    const f = fakeDeps();
    f.failures.publish = 1;
    f.failures.forget = 1;
    const raw = event('assume-role-by-human.json');
    const error = await handleRoleUseEvent(f.deps, raw).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlarmAtRiskError);
    expect((error as AlarmAtRiskError).eventId).toBe(raw.detail.eventID);
    expect(((error as Error).cause as Error).message).toBe('SNS is down');
    expect(f.logLines.find((l) => String(l.msg).startsWith('ALARM AT RISK'))).toMatchObject({ level: 'error', eventId: raw.detail.eventID });
  });

  it('reading the request fails -> thrown before the event is claimed, so the retry is processed in full', async () => {
    const f = fakeDeps();
    f.failures.get = 1;
    const raw = event('assume-role-by-broker.json');
    await expect(handleRoleUseEvent(f.deps, raw)).rejects.toThrow('DynamoDB throttled');
    expect(f.seen.size).toBe(0);
    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'alarmed', classification: 'broker-grant' });
  });

  it('the audit entry fails after the alarm went out -> no throw (a retry would be a duplicate), reported as historyRecorded: false', async () => {
    const f = fakeDeps();
    f.failures.append = 1;
    expect(await handleRoleUseEvent(f.deps, event('assume-role-by-broker.json'))).toMatchObject({ outcome: 'alarmed', historyRecorded: false });
    expect(f.published).toHaveLength(1);
    expect(f.logLines.some((l) => l.level === 'error' && String(l.msg).includes('audit entry'))).toBe(true);
  });
});

describe('alertOnAssumeRole handler', () => {
  let stdout: string[];
  let f: ReturnType<typeof fakeDeps>;
  let handler: ReturnType<typeof createHandler>;

  beforeEach(() => {
    f = fakeDeps();
    handler = createHandler(f.deps);
    stdout = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'access-broker-test-alertOnAssumeRole');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  /** The Embedded Metric Format records written to stdout. */
  const metrics = () => stdout.map((l) => JSON.parse(l) as Json).filter((l) => '_aws' in l);

  it('returns the outcome and writes one EMF record per event, in namespace AccessBroker', async () => {
    expect(await handler(event('assume-role-by-human.json'), context)).toMatchObject({ outcome: 'alarmed', severity: 'CRITICAL' });
    expect(await handler(event('assume-role-by-human.json'), context)).toMatchObject({ outcome: 'duplicate' });
    expect(await handler(event('malformed.json'), context)).toMatchObject({ outcome: 'malformed' });

    const records = metrics();
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [{ Namespace: 'AccessBroker', Dimensions: [['Stage']], Metrics: [{ Name: 'AlarmsPublished', Unit: 'Count' }] }],
      },
      Stage: 'test',
      AlarmsPublished: 1,
      classification: 'out-of-band',
      severity: 'CRITICAL',
    });
    expect(records[1]).toMatchObject({ DuplicateEvents: 1 });
    expect(records[2]).toMatchObject({ MalformedEvents: 1, outcome: 'malformed' });
    // Every metric a record declares has its value in the record.
    for (const r of records) for (const m of r._aws.CloudWatchMetrics[0].Metrics) expect(r[m.Name]).toBe(1);
  });

  it('a malformed event, even garbage, does not throw', async () => {
    await expect(handler('not an event' as never, context)).resolves.toMatchObject({ outcome: 'malformed' });
    await expect(handler(undefined as never, context)).resolves.toMatchObject({ outcome: 'malformed' });
  });

  it('a transient failure is rethrown (so EventBridge/Lambda retry and the DLQ apply) and counted', async () => {
    f.failures.publish = 1;
    await expect(handler(event('switch-role.json'), context)).rejects.toThrow('SNS is down');
    expect(metrics()).toEqual([expect.objectContaining({ ProcessingFailures: 1 })]);
    expect(metrics()[0]).not.toHaveProperty('AlarmsAtRisk');

    f.failures.publish = 1;
    f.failures.forget = 1;
    await expect(handler(event('switch-role.json'), context)).rejects.toBeInstanceOf(AlarmAtRiskError);
    expect(metrics()[1]).toMatchObject({ ProcessingFailures: 1, AlarmsAtRisk: 1 });
  });
});

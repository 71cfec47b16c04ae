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
import type { AlarmKey } from '../../shared/domain/alarm-scope';
import { AlarmAtRiskError, AlarmClaimInProgressError, alarmScope, handleRoleUseEvent } from '../../shared/usecases/alert-on-role-use';
import { createMemoryDeduper } from '../helpers/memory-deduper';

type Json = Record<string, any>;

const NOW = new Date('2024-11-20T14:10:00.000Z');
const BROKER_ROLE = 'arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials';
const REQUEST_ID = '01JD3Z8X7Q4VWM2N5K6R9T0ABC';
/** The issuer role's unique id, as in the principalId of assume-role-by-broker-target-account-copy.json. */
const BROKER_ROLE_ID = 'AROA6EXAMPLEBROKER001';

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
  const memory = createMemoryDeduper();
  const seen = memory.entries;
  const published: OutgoingMessage[] = [];
  const history: HistoryEntry[] = [];
  const failures = { publish: 0, release: 0, append: 0, get: 0 };
  const calls: string[] = [];
  const state = { now: NOW, notifierHang: false };
  const deps = {
    settings: {
      stage: 'test',
      publicBaseUrl: 'https://broker.example.com',
      groupsClaim: 'groups',
      issuerPrincipalArns: [BROKER_ROLE],
      issuerRoleIds: [BROKER_ROLE_ID],
    },
    catalogue: loadCatalogueFile('config/catalogue.example.yaml'),
    clock: { now: () => state.now },
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
      async claim(key: AlarmKey, now: Date) {
        calls.push(`claim ${key.id}`);
        return memory.deduper.claim(key, now);
      },
      async complete(key: AlarmKey, now: Date, source: string) {
        calls.push(`complete ${key.id} ${source}`);
        return memory.deduper.complete(key, now, source);
      },
      async release(key: AlarmKey) {
        calls.push(`release ${key.id}`);
        if (failures.release > 0 && failures.release--) throw new Error('DynamoDB unavailable');
        return memory.deduper.release(key);
      },
    },
    notifier: {
      async publish(message: OutgoingMessage) {
        calls.push('publish');
        if (state.notifierHang) return new Promise<never>(() => undefined);
        if (failures.publish > 0 && failures.publish--) throw Object.assign(new Error('SNS is down'), { name: 'InternalErrorException' });
        published.push(message);
        return { messageId: `m-${published.length}` };
      },
    },
  } as unknown as Deps;
  return {
    deps,
    logLines,
    seen,
    published,
    history,
    failures,
    calls,
    set now(value: Date) {
      state.now = value;
    },
    set notifierHang(value: boolean) {
      state.notifierHang = value;
    },
  };
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
      'claim event:999999999999:b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c',
      'publish',
      'complete event:999999999999:b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c eventbridge',
      `appendHistory ${REQUEST_ID}`,
    ]);
    expect(f.published[0]!.attributes).toMatchObject({ source: 'eventbridge' });
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

  describe('one console switch, one alarm', () => {
    /** The same switch recorded in the caller's account (cross-account copy, shared event id). */
    const callerCopy = () => {
      const raw = event('switch-role-assume-role.json');
      raw.account = '333333333333';
      raw.detail.recipientAccountId = '333333333333';
      raw.detail.eventID = 'e6f7a8b9-c0d1-4e2f-9a3b-4c5d6e7f8091';
      return raw;
    };

    it.each([
      ['SwitchRole first', ['switch-role.json', 'switch-role-assume-role.json']],
      ['AssumeRole first', ['switch-role-assume-role.json', 'switch-role.json']],
    ])('regression: the SwitchRole record and the AssumeRole records of one switch give one alarm (%s)', async (_order, names) => {
      const f = fakeDeps();
      const outcomes = [];
      for (const name of names) outcomes.push(await handleRoleUseEvent(f.deps, event(name)));
      outcomes.push(await handleRoleUseEvent(f.deps, callerCopy()));
      expect(outcomes.map((o) => o.outcome)).toEqual(['alarmed', 'duplicate', 'duplicate']);
      expect(outcomes[0]).toMatchObject({ classification: 'console-switch-role', severity: 'CRITICAL' });
      expect(f.published).toHaveLength(1);
      expect(f.published[0]!.attributes['roleArn']).toBe('arn:aws:iam::111111111111:role/TemporaryAdminRole');
    });

    it('the alarm carries the full role ARN (with its IAM path) even when the path-less SwitchRole record comes first', async () => {
      const f = fakeDeps();
      const withPath = 'arn:aws:iam::111111111111:role/emergency/TemporaryAdminRole';
      (f.deps as { catalogue: Deps['catalogue'] }).catalogue = {
        ...f.deps.catalogue,
        watchedRoles: [{ roleArn: withPath } as Deps['catalogue']['watchedRoles'][number]],
      };
      expect(await handleRoleUseEvent(f.deps, event('switch-role.json'))).toMatchObject({ outcome: 'alarmed' });
      const assume = event('switch-role-assume-role.json');
      assume.detail.requestParameters.roleArn = withPath;
      expect(await handleRoleUseEvent(f.deps, assume)).toMatchObject({ outcome: 'duplicate' });
      expect(f.published).toHaveLength(1);
      expect(f.published[0]!.attributes['roleArn']).toBe(withPath);
      expect(JSON.parse(f.published[0]!.message).email).toContain(withPath);
    });

    it('regression: a switch by a namesake from another trusted account right after a real one is an alarm of its own', async () => {
      const f = fakeDeps();
      expect(await handleRoleUseEvent(f.deps, event('switch-role.json'))).toMatchObject({ outcome: 'alarmed' });
      const namesake = event('switch-role.json');
      namesake.detail.eventID = 'f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b';
      namesake.detail.additionalEventData.SwitchFrom = namesake.detail.additionalEventData.SwitchFrom.replace(/::\d{12}:/, '::444444444444:');
      expect(await handleRoleUseEvent(f.deps, namesake)).toMatchObject({ outcome: 'alarmed', classification: 'console-switch-role' });
      expect(f.published).toHaveLength(2);
    });

    it('a second switch by the same person minutes later is a second alarm', async () => {
      const f = fakeDeps();
      expect(await handleRoleUseEvent(f.deps, event('switch-role.json'))).toMatchObject({ outcome: 'alarmed' });
      const later = event('switch-role.json');
      later.detail.eventID = 'later-switch';
      later.detail.eventTime = '2024-11-21T11:25:33Z';
      expect(await handleRoleUseEvent(f.deps, later)).toMatchObject({ outcome: 'alarmed' });
      expect(f.published).toHaveLength(2);
    });
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
    ['assume-role-by-broker-target-account-copy.json', 'ignored', "cross-account copy of a call by the broker's issuer role (AROA6EXAMPLEBROKER001)"],
  ])('%s -> %s (no alarm, nothing claimed)', async (name, outcome, reason) => {
    const f = fakeDeps();
    const result = await handleRoleUseEvent(f.deps, event(name));
    expect(result).toMatchObject({ outcome });
    expect((result as { reason: string }).reason).toContain(reason);
    expect(f.published).toEqual([]);
    expect(f.seen.size).toBe(0);
  });

  it('skips the cross-account copy only for the issuer role unique ids of the settings', () => {
    const f = fakeDeps();
    expect(alarmScope(f.deps).issuerRoleIds).toEqual([BROKER_ROLE_ID]);
  });

  it('regression: another principal of the broker account assuming a watched role cross-account is alarmed, not skipped as the broker copy', async () => {
    const f = fakeDeps();
    const copy = event('assume-role-by-broker-target-account-copy.json');
    copy.detail.userIdentity.principalId = 'AROA6EXAMPLEOTHERROLE:someone-else';
    expect(await handleRoleUseEvent(f.deps, copy)).toMatchObject({ outcome: 'alarmed', classification: 'identity-mismatch', severity: 'CRITICAL' });
    const human = event('assume-role-by-broker-target-account-copy.json');
    human.detail.userIdentity.principalId = 'AIDA6EXAMPLEMALLORY01';
    human.detail.eventID = 'another-copy';
    expect(await handleRoleUseEvent(f.deps, human)).toMatchObject({ outcome: 'alarmed' });
    expect(f.published).toHaveLength(2);
  });

  it('regression (fail closed): a rule-matched event that cannot be parsed raises a CRITICAL unparseable-event alarm with what could be read, never a silent drop', async () => {
    const f = fakeDeps();
    const raw = event('assume-role-by-human.json');
    raw.detail.eventTime = 'not a time';
    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({
      outcome: 'alarmed',
      eventId: raw.detail.eventID,
      classification: 'unparseable-event',
      severity: 'CRITICAL',
      malformed: true,
    });
    const alarm = f.published[0]!;
    expect(alarm.subject).toBe('[CRITICAL] Unparseable AssumeRole of TemporaryAdminRole in 111111111111');
    expect(alarm.attributes).toEqual({
      severity: 'CRITICAL',
      classification: 'unparseable-event',
      findings: 'unreadable-record',
      source: 'eventbridge',
      roleArn: 'arn:aws:iam::111111111111:role/TemporaryAdminRole',
      eventId: raw.detail.eventID,
    });
    const body = JSON.parse(alarm.message) as Json;
    expect(body.email).toContain('arn:aws:iam::111111111111:role/TemporaryAdminRole');
    expect(body.email).toContain(raw.detail.eventID);
    expect(JSON.parse(body.sqs as string)).toMatchObject({
      classification: 'unparseable-event',
      findings: ['unreadable-record'],
      unreadable: { eventId: raw.detail.eventID, eventName: 'AssumeRole', account: '111111111111' },
    });
    // A redelivery is one alarm (same key: recipientAccountId, eventID).
    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'duplicate' });
    expect(f.published).toHaveLength(1);
  });

  it('unparseable events: the malformed fixture and garbage alarm too; unsupported events are dropped; nothing logged holds credentials', async () => {
    const f = fakeDeps();
    expect(await handleRoleUseEvent(f.deps, event('malformed.json'))).toMatchObject({
      outcome: 'alarmed',
      classification: 'unparseable-event',
      eventId: '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d',
    });
    expect(await handleRoleUseEvent(f.deps, event('get-session-token.json'))).toMatchObject({ outcome: 'unsupported' });
    for (const raw of [null, 'x', 42, [], {}, { source: 'aws.sts' }]) {
      expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'alarmed', classification: 'unparseable-event' });
    }
    expect(f.published).toHaveLength(7);
    const logged = JSON.stringify(f.logLines) + JSON.stringify(f.published);
    expect(logged).toContain('unparseable role-use event');
    expect(logged).not.toContain('IQoJb3JpZ2luX2Vj');
    expect(logged).not.toContain('ASIA6EXAMPLE');
  });

  it('accepts null for optional CloudTrail strings', async () => {
    const f = fakeDeps();
    const raw = event('assume-role-by-human.json');
    Object.assign(raw.detail, { errorCode: null, errorMessage: null, sharedEventID: null, userAgent: null });
    raw.detail.requestParameters.sourceIdentity = null;
    raw.detail.userIdentity.userName = null;
    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'alarmed', classification: 'out-of-band' });
  });

  it('a second delivery of the same CloudTrail event id is a duplicate: one alarm', async () => {
    const f = fakeDeps();
    const first = event('assume-role-by-human.json');
    const second = { ...event('assume-role-by-human.json'), id: 'another-envelope-id' };
    expect(await handleRoleUseEvent(f.deps, first)).toMatchObject({ outcome: 'alarmed' });
    expect(await handleRoleUseEvent(f.deps, second)).toEqual({
      outcome: 'duplicate',
      eventId: first.detail.eventID,
      key: `event:111111111111:${first.detail.eventID}`,
    });
    expect(f.published).toHaveLength(1);
  });

  it('publish fails -> the claim is released and the error rethrown, so the retry alarms (not dropped as duplicate)', async () => {
    const f = fakeDeps();
    f.failures.publish = 1;
    const raw = event('assume-role-by-human.json');
    await expect(handleRoleUseEvent(f.deps, raw)).rejects.toThrow('SNS is down');
    expect(f.seen.size).toBe(0);
    expect(f.calls.slice(-2)).toEqual(['publish', `release event:111111111111:${raw.detail.eventID}`]);

    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'alarmed', classification: 'out-of-band' });
    expect(f.published).toHaveLength(1);
  });

  it('publish and release both fail -> AlarmAtRiskError (still thrown for a retry), logged with the key; the retry alarms once the claim expires', async () => {
    const f = fakeDeps();
    f.failures.publish = 1;
    f.failures.release = 1;
    const raw = event('assume-role-by-human.json');
    const key = `event:111111111111:${raw.detail.eventID}`;
    const error = await handleRoleUseEvent(f.deps, raw).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlarmAtRiskError);
    expect((error as AlarmAtRiskError).key).toBe(key);
    expect(((error as Error).cause as Error).message).toBe('SNS is down');
    expect(f.logLines.find((l) => String(l.msg).startsWith('ALARM AT RISK'))).toMatchObject({ level: 'error', key, eventId: raw.detail.eventID });
    // A retry while the claim is still in progress is refused loudly (retried again), never dropped.
    await expect(handleRoleUseEvent(f.deps, raw)).rejects.toBeInstanceOf(AlarmClaimInProgressError);
    f.now = new Date(NOW.getTime() + 41_000);
    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'alarmed' });
    expect(f.published).toHaveLength(1);
  });

  it('regression: a crash between claim and publish cannot lose the alarm (the claim expires; the retry publishes)', async () => {
    const f = fakeDeps();
    const raw = event('switch-role.json');
    // The first delivery claims and then the process dies (Lambda timeout): nothing published, nothing released.
    f.notifierHang = true;
    const crashed = handleRoleUseEvent(f.deps, raw);
    await vi.waitFor(() => expect(f.calls).toContain('publish'));
    f.notifierHang = false;
    // Lambda's retry a minute later.
    f.now = new Date(NOW.getTime() + 60_000);
    expect(await handleRoleUseEvent(f.deps, raw)).toMatchObject({ outcome: 'alarmed', classification: 'console-switch-role' });
    expect(f.published).toHaveLength(1);
    void crashed;
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
    expect(await handler(event('malformed.json'), context)).toMatchObject({ outcome: 'alarmed', classification: 'unparseable-event' });

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
    expect(records[2]).toMatchObject({ MalformedEvents: 1, AlarmsPublished: 1, classification: 'unparseable-event' });
    // Every metric a record declares has its value in the record.
    for (const r of records) for (const m of r._aws.CloudWatchMetrics[0].Metrics) expect(r[m.Name]).toBe(1);
  });

  it('a malformed event, even garbage, does not throw: it raises an unparseable-event alarm', async () => {
    await expect(handler('not an event' as never, context)).resolves.toMatchObject({ classification: 'unparseable-event' });
    await expect(handler(undefined as never, context)).resolves.toMatchObject({ classification: 'unparseable-event' });
  });

  it('a transient failure is rethrown (so EventBridge/Lambda retry and the DLQ apply) and counted', async () => {
    f.failures.publish = 1;
    await expect(handler(event('switch-role.json'), context)).rejects.toThrow('SNS is down');
    expect(metrics()).toEqual([expect.objectContaining({ ProcessingFailures: 1 })]);
    expect(metrics()[0]).not.toHaveProperty('AlarmsAtRisk');

    f.failures.publish = 1;
    f.failures.release = 1;
    await expect(handler(event('switch-role.json'), context)).rejects.toBeInstanceOf(AlarmAtRiskError);
    expect(metrics()[1]).toMatchObject({ ProcessingFailures: 1, AlarmsAtRisk: 1 });
  });
});

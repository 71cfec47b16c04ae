/**
 * Issue 5 end to end in local mode: CloudTrail events posted to POST /_local/events are matched
 * against the rules of infra/alert-rules.cjs and delivered to the alert function, whose alarms
 * land in the outbox on the `alarms` topic.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEvent } from '../../events/load';
import { sanitizeSourceIdentity } from '../../shared/domain/source-identity';
import type { OutboxMessage } from '../../local/outbox';
import { mixedBatch, settledSummary } from '../helpers/alert-batch';
import { PEOPLE, startTestBroker, type TestBroker } from '../helpers/broker';

type Json = Record<string, any>;

const ASSUME_RULE = 'watched-role-assume-role';
const SWITCH_RULE = 'watched-role-console-switch-role';
const SANDBOX_ROLE = 'arn:aws:iam::111111111111:role/BrokerReadOnly';

const pathOf = (link: string) => new URL(link).pathname;
/** CloudTrail stamps whole seconds. */
const cloudTrailTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A fixture with fresh envelope and CloudTrail ids, so each copy is a distinct event. */
function fresh(name: string, change: (event: Json) => void = () => undefined): Json {
  const event = loadEvent<Json>(`cloudtrail/${name}`);
  event.id = randomUUID();
  event.detail.eventID = randomUUID();
  change(event);
  return event;
}

describe('alarms on watched-role use through POST /_local/events', () => {
  let t: TestBroker;
  let requestId: string;
  let issuer: string;
  /** The AccessKeyId the local STS stand-in issued for `requestId`, as its `issued` history entry records it. */
  let issuedKey: string;

  /** Alarms published so far. */
  const alarms = (): OutboxMessage[] => t.broker.outbox.messages().filter((m) => m.topic === 'alarms');
  const postEvents = (body: unknown) => t.call('POST', '/_local/events', { json: body });

  /**
   * The broker's own AssumeRole for `requestId`, as CloudTrail records it in the broker account,
   * carrying the access key STS returned (by default the one the broker was issued).
   */
  function brokerGrantEvent(at: Date, accessKeyId: string = issuedKey): Json {
    return fresh('assume-role-by-broker.json', (e) => {
      const account = issuer.split(':')[4]!;
      const roleName = issuer.split('/').pop()!;
      const sourceIdentity = sanitizeSourceIdentity(PEOPLE.alice.email);
      e.account = account;
      e.time = cloudTrailTime(at);
      e.detail.eventTime = cloudTrailTime(at);
      e.detail.recipientAccountId = account;
      e.detail.userIdentity.arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${roleName}`;
      e.detail.userIdentity.accountId = account;
      e.detail.userIdentity.sessionContext.sessionIssuer.arn = issuer;
      e.detail.userIdentity.sessionContext.sessionIssuer.accountId = account;
      e.detail.requestParameters.roleArn = SANDBOX_ROLE;
      e.detail.requestParameters.roleSessionName = requestId;
      e.detail.requestParameters.sourceIdentity = sourceIdentity;
      e.detail.responseElements.sourceIdentity = sourceIdentity;
      e.detail.responseElements.assumedRoleUser.arn = `arn:aws:sts::111111111111:assumed-role/BrokerReadOnly/${requestId}`;
      e.detail.responseElements.credentials.accessKeyId = accessKeyId;
    });
  }

  /** A stranger (IAM user mallory) assuming the sandbox role directly. */
  const strangerEvent = () =>
    fresh('assume-role-by-human.json', (e) => {
      e.detail.requestParameters.roleArn = SANDBOX_ROLE;
    });

  beforeAll(async () => {
    t = await startTestBroker();
    issuer = t.broker.deps.settings.issuerPrincipalArns[0]!;

    // An approved, ACTIVE request: alice asks for the sandbox, carol approves from her email link.
    const created = await t.call('POST', '/requests', {
      as: 'alice',
      json: { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '1h', reason: 'Investigating INC-4411 latency' },
    });
    expect(created.status, created.text).toBe(201);
    requestId = created.body.request.id;
    const link = await t.linkFor(requestId, 'carol@example.com');
    const decided = await t.call('POST', pathOf(link), { json: { decision: 'approve' } });
    expect(decided.status, decided.text).toBe(200);
    await t.waitForRequest(requestId, (r) => r.status === 'ACTIVE' && r.history.some((h: Json) => h.type === 'issued'));

    // The key id the broker received from the local STS stand-in, as the requester sees it in the history.
    const active = (await t.call('GET', `/requests/${requestId}`, { as: 'alice' })).body.request;
    const issued = active.history.filter((h: Json) => h.type === 'issued');
    expect(issued).toHaveLength(1);
    expect(issued[0].accessKeyId).toMatch(/^ASIALOCAL[A-Z2-7]{11}$/);
    issuedKey = issued[0].accessKeyId;
  }, 30_000);

  afterAll(async () => {
    await t?.broker.close();
  });

  it("the broker's AssumeRole for an active request -> exactly one [INFO] broker-grant alarm tied to the request, recorded in its history", async () => {
    const before = alarms().length;
    const event = brokerGrantEvent(new Date());
    const res = await postEvents(event);

    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toEqual([
      {
        rule: ASSUME_RULE,
        matched: true,
        outcome: expect.objectContaining({
          outcome: 'alarmed',
          eventId: event.detail.eventID,
          classification: 'broker-grant',
          severity: 'INFO',
          requestId,
          historyRecorded: true,
        }),
      },
      { rule: SWITCH_RULE, matched: false },
    ]);
    expect(res.body.summary).toMatchObject({ events: 1, matched: 1, failed: 0, outcomes: { alarmed: 1 } });

    const published = alarms().slice(before);
    expect(published).toHaveLength(1);
    const alarm = published[0]!;
    expect(alarm.subject).toBe('[INFO] Broker-granted AssumeRole of BrokerReadOnly in 111111111111');
    expect(alarm.attributes).toEqual({
      severity: 'INFO',
      classification: 'broker-grant',
      roleArn: SANDBOX_ROLE,
      eventId: event.detail.eventID,
      requestId,
      findings: 'request-matches,inside-window,issuer-caller,requester-source-identity,issued-key',
      source: 'eventbridge',
    });
    expect(alarm.structure).toBe('json');
    const body = JSON.parse(alarm.message) as { email: string; sqs: string };
    expect(body.email).toContain(requestId);
    expect(body.email).toContain('alice@example.com');
    expect(JSON.parse(body.sqs)).toMatchObject({ classification: 'broker-grant', requestId, request: { id: requestId, status: 'ACTIVE' } });
    // The credentials STS returned in the event never reach an alarm, not even the key id.
    expect(alarm.message).not.toContain('IQoJb3JpZ2luX2Vj');
    expect(alarm.message).not.toContain(issuedKey);
    expect(JSON.parse(body.sqs).findings).toContain('issued-key');

    const request = (await t.call('GET', `/requests/${requestId}`, { as: 'alice' })).body.request;
    const matched = request.history.filter((h: Json) => h.type === 'alert-matched');
    expect(matched).toHaveLength(1);
    expect(matched[0].detail).toBe(`broker-grant INFO event ${event.detail.eventID} from ${event.detail.userIdentity.arn}`);
  });

  it("the same AssumeRole with a key the broker was never issued (the issuer's credentials used outside the broker) -> [CRITICAL] identity-mismatch", async () => {
    const before = alarms().length;
    const rogueKey = 'ASIA6EXAMPLEROGUE001';
    expect(rogueKey).not.toBe(issuedKey);
    const event = brokerGrantEvent(new Date(), rogueKey);
    const res = await postEvents(event);

    expect(res.status, res.text).toBe(200);
    expect(res.body.results[0]).toEqual({
      rule: ASSUME_RULE,
      matched: true,
      outcome: expect.objectContaining({
        outcome: 'alarmed',
        eventId: event.detail.eventID,
        classification: 'identity-mismatch',
        severity: 'CRITICAL',
        requestId,
        historyRecorded: true,
      }),
    });
    const published = alarms().slice(before);
    expect(published).toHaveLength(1);
    const alarm = published[0]!;
    expect(alarm.subject).toBe('[CRITICAL] Identity-mismatched AssumeRole of BrokerReadOnly in 111111111111');
    expect(alarm.attributes).toEqual({
      severity: 'CRITICAL',
      classification: 'identity-mismatch',
      roleArn: SANDBOX_ROLE,
      eventId: event.detail.eventID,
      requestId,
      findings: 'session-names-request,key-not-issued',
      source: 'eventbridge',
    });
    const body = JSON.parse(alarm.message) as { email: string; sqs: string };
    expect(JSON.parse(body.sqs).findings).toEqual(['session-names-request', 'key-not-issued']);
    expect(alarm.message).not.toContain(rogueKey);
    expect(alarm.message).not.toContain(issuedKey);

    const request = (await t.call('GET', `/requests/${requestId}`, { as: 'alice' })).body.request;
    expect(request.history.filter((h: Json) => h.type === 'alert-matched').map((h: Json) => h.detail)).toContain(
      `identity-mismatch CRITICAL event ${event.detail.eventID} from ${event.detail.userIdentity.arn}`,
    );
  });

  it('the same role assumed by a stranger -> [CRITICAL] out-of-band alarm with no request', async () => {
    const before = alarms().length;
    const event = strangerEvent();
    const res = await postEvents(event);

    expect(res.status, res.text).toBe(200);
    expect(res.body.results[0]).toMatchObject({
      rule: ASSUME_RULE,
      matched: true,
      outcome: { outcome: 'alarmed', classification: 'out-of-band', severity: 'CRITICAL' },
    });
    expect(res.body.results[0].outcome).not.toHaveProperty('requestId');
    const published = alarms().slice(before);
    expect(published).toHaveLength(1);
    expect(published[0]!.subject).toBe('[CRITICAL] Out-of-band AssumeRole of BrokerReadOnly in 111111111111');
    expect(published[0]!.attributes).toEqual({
      severity: 'CRITICAL',
      classification: 'out-of-band',
      roleArn: SANDBOX_ROLE,
      eventId: event.detail.eventID,
      findings: 'session-not-request-id,caller-not-issuer',
      source: 'eventbridge',
    });
    expect(JSON.parse(published[0]!.message).email).toContain('arn:aws:iam::111111111111:user/mallory');
  });

  it('a duplicate delivery of the same event id -> one alarm (also when both copies arrive in one batch)', async () => {
    const before = alarms().length;
    const event = strangerEvent();

    const first = await postEvents(event);
    const again = await postEvents({ ...event, id: randomUUID() });
    expect(first.body.results[0].outcome).toMatchObject({ outcome: 'alarmed' });
    expect(again.body.results[0].outcome).toEqual({ outcome: 'duplicate', eventId: event.detail.eventID, key: `event:111111111111:${event.detail.eventID}` });
    expect(alarms().slice(before).filter((m) => m.attributes.eventId === event.detail.eventID)).toHaveLength(1);

    // Concurrent copies: the conditional put lets exactly one through; the others find its claim
    // in progress and fail, so EventBridge/Lambda retry them (never dropped as duplicates before
    // the alarm is out). Retried, they are duplicates.
    const racing = strangerEvent();
    const batch = await postEvents(Array.from({ length: 8 }, () => racing));
    const alarmedNow = batch.body.summary.outcomes.alarmed as number;
    expect(alarmedNow).toBe(1);
    expect((batch.body.summary.outcomes.duplicate ?? 0) + batch.body.summary.failed).toBe(7);
    for (const r of batch.body.results as Json[]) {
      if (r.rules[0].error !== undefined) expect(r.rules[0].error).toMatch(/^AlarmClaimInProgressError/);
    }
    const retried = await postEvents(Array.from({ length: 7 }, () => racing));
    expect(retried.body.summary.outcomes).toEqual({ duplicate: 7 });
    expect(alarms().filter((m) => m.attributes.eventId === racing.detail.eventID)).toHaveLength(1);
  });

  it('a console SwitchRole into the emergency role -> [CRITICAL] console-switch-role', async () => {
    const before = alarms().length;
    const res = await postEvents(fresh('switch-role.json'));
    expect(res.body.results).toEqual([
      { rule: ASSUME_RULE, matched: false },
      { rule: SWITCH_RULE, matched: true, outcome: expect.objectContaining({ outcome: 'alarmed', classification: 'console-switch-role', severity: 'CRITICAL' }) },
    ]);
    expect(alarms().slice(before).map((m) => m.subject)).toEqual(['[CRITICAL] Console SwitchRole into TemporaryAdminRole in 111111111111']);
  });

  it('events the rules do not match are not delivered; one that matches but fails validation raises a CRITICAL unparseable-event alarm', async () => {
    const before = alarms().length;
    for (const name of ['assume-role-other-role.json', 'get-session-token.json', 'assume-role-failed.json', 'malformed.json']) {
      const res = await postEvents(fresh(name));
      expect(res.status, name).toBe(200);
      expect(res.body.results, name).toEqual([
        { rule: ASSUME_RULE, matched: false },
        { rule: SWITCH_RULE, matched: false },
      ]);
      expect(res.body.summary, name).toMatchObject({ matched: 0, unmatched: 1 });
    }
    const noTime = fresh('assume-role-by-human.json', (e) => {
      e.detail.eventTime = 'yesterday';
    });
    const res = await postEvents(noTime);
    expect(res.body.results[0]).toMatchObject({
      rule: ASSUME_RULE,
      matched: true,
      outcome: { outcome: 'alarmed', eventId: noTime.detail.eventID, classification: 'unparseable-event', severity: 'CRITICAL', malformed: true },
    });
    expect(res.body.summary.outcomes).toEqual({ alarmed: 1 });
    expect(alarms().slice(before).map((m) => m.subject)).toEqual(['[CRITICAL] Unparseable AssumeRole of TemporaryAdminRole in 111111111111']);
  });

  it('fills in the envelope fields EventBridge adds, so a hand-written event works', async () => {
    const event = strangerEvent();
    const res = await postEvents({ source: event.source, 'detail-type': event['detail-type'], detail: event.detail });
    expect(res.body.results[0].outcome).toMatchObject({ outcome: 'alarmed', classification: 'out-of-band' });
  });

  it('answers 400 with a precise message for a body that is not JSON, empty, not an event, or not an object', async () => {
    const notJson = await t.call('POST', '/_local/events', { body: '{"source": ', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('MALFORMED_JSON');
    expect(notJson.body.error.message).toMatch(/^body is not valid JSON: /);

    const empty = await t.call('POST', '/_local/events', { body: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toContain('body is empty');

    const notEvent = await postEvents({ source: 'aws.sts', detail: {} });
    expect(notEvent.status).toBe(400);
    expect(notEvent.body.error.code).toBe('VALIDATION_FAILED');
    expect(notEvent.body.error.message).toContain('detail-type');
    expect(notEvent.body.error.details).toEqual([expect.objectContaining({ field: 'detail-type' })]);

    const scalar = await postEvents(42);
    expect(scalar.status).toBe(400);
    expect(scalar.body.error.message).toBe('body must be one EventBridge event (a JSON object) or an array of them, not number');
  });

  it('a mixed batch: every matching valid event alarms exactly once, none lost, malformed ones counted (1,000 events: npm run bench)', async () => {
    const before = alarms().length;
    const now = new Date();
    const { batch, grants, strangers, switches, summary } = mixedBatch(
      { grants: 4, strangers: 6, switches: 3, unmatched: 6, malformedDelivered: 2, malformedUnmatched: 2, invalid: 5, redeliveries: 3 },
      () => brokerGrantEvent(now),
    );
    expect(batch).toHaveLength(31);

    const res = await postEvents(batch);
    expect(res.status, res.text.slice(0, 500)).toBe(200);
    // A redelivery that races its original fails on the claim in progress (to be retried) rather
    // than counting as a duplicate; nothing else may fail.
    const { summary: settled, racing } = settledSummary(res.body);
    expect(settled).toEqual(summary);
    expect(settled).toEqual({
      events: 31,
      invalid: 5,
      matched: 4 + 6 + 3 + 2 + 3,
      unmatched: 6 + 2,
      failed: 0,
      outcomes: { alarmed: 15, duplicate: 3 },
    });
    expect(res.body.results).toHaveLength(31);
    res.body.results.forEach((r: Json, i: number) => expect(r.index).toBe(i));
    // Retried, as EventBridge and Lambda would: duplicates, no alarm.
    if (racing.length > 0) {
      const retried = await postEvents(racing.map((index) => batch[index]));
      expect(retried.body.summary.outcomes).toEqual({ duplicate: racing.length });
    }

    // Count the alarms: one per valid matching event, none twice, none missing.
    const all = alarms().slice(before);
    expect(all).toHaveLength(15);
    expect(all.filter((m) => m.attributes.classification === 'unparseable-event')).toHaveLength(2);
    const published = all.filter((m) => m.attributes.classification !== 'unparseable-event');
    expect(published).toHaveLength(13);
    const byEventId = new Map<string, OutboxMessage[]>();
    for (const m of published) byEventId.set(m.attributes.eventId!, [...(byEventId.get(m.attributes.eventId!) ?? []), m]);
    const expectAlarm = (events: Json[], classification: string, severity: string) => {
      for (const e of events) {
        const found = byEventId.get(e.detail.eventID) ?? [];
        expect(found, e.detail.eventID).toHaveLength(1);
        expect(found[0]!.attributes).toMatchObject({ classification, severity });
        expect(found[0]!.subject.startsWith(`[${severity}] `)).toBe(true);
      }
    };
    expectAlarm(grants, 'broker-grant', 'INFO');
    expectAlarm(strangers, 'out-of-band', 'CRITICAL');
    expectAlarm(switches, 'console-switch-role', 'CRITICAL');
    expect(byEventId.size).toBe(13);

    // Every broker-grant alarm left its audit entry on the request.
    const request = (await t.call('GET', `/requests/${requestId}`, { as: 'alice' })).body.request;
    const audited = new Set(request.history.filter((h: Json) => h.type === 'alert-matched').map((h: Json) => h.detail.split(' ')[3]));
    for (const g of grants) expect(audited.has(g.detail.eventID)).toBe(true);
  });
});

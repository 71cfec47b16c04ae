import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../events/load';
import { MAX_SUBJECT_LENGTH, alarmSubject, buildAlarmMessage, type AlarmPayload } from '../../shared/alerts/alarm-message';
import { findingSentences, nextSteps } from '../../shared/alerts/alarm-wording';
import { parseRoleUseEvent, type RoleUse } from '../../shared/alerts/cloudtrail-event';
import { classifyRoleUse, type Classification } from '../../shared/domain/alert-classification';
import type { AccessRequest } from '../../shared/domain/request';

const REQUEST_ID = '01JD3Z8X7Q4VWM2N5K6R9T0ABC';
const BROKER = { issuerPrincipalArns: ['arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials'] };
const READ_ONLY = 'arn:aws:iam::111111111111:role/BrokerReadOnly';
const TEMP_ADMIN = 'arn:aws:iam::111111111111:role/TemporaryAdminRole';
/** The AccessKeyId STS returned to the broker in assume-role-by-broker.json. */
const GRANTED_KEY = 'ASIA6EXAMPLEGRANT001';

function aliceRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: REQUEST_ID,
    status: 'ACTIVE',
    version: 5,
    requester: { sub: 'u-alice', email: 'alice@example.com' },
    target: 'sandbox-readonly',
    account: '111111111111',
    roleArn: READ_ONLY,
    services: ['ec2', 'databases'],
    durationSeconds: 7200,
    reason: 'Debugging INC-4411 instance health checks',
    ticket: 'INC-4411',
    createdAt: '2024-11-20T13:55:00.000Z',
    updatedAt: '2024-11-20T14:03:13.120Z',
    approvalsRequired: 1,
    approverEmails: ['carol@example.com', 'dave@example.com'],
    approverGroups: [],
    approvals: [{ by: 'carol@example.com', decision: 'approve', at: '2024-11-20T14:02:58.000Z' }],
    startsAt: '2024-11-20T14:03:12.400Z',
    expiresAt: '2024-11-20T16:03:12.400Z',
    history: [
      { at: '2024-11-20T13:55:00.000Z', type: 'submitted', by: 'alice@example.com' },
      { at: '2024-11-20T14:03:13.120Z', type: 'issued', accessKeyId: GRANTED_KEY },
    ],
    ...overrides,
  };
}

function use(fixture: string): RoleUse {
  const parsed = parseRoleUseEvent(loadEvent(`cloudtrail/${fixture}`));
  if ('error' in parsed) throw new Error(`${fixture} did not parse: ${parsed.error}`);
  return parsed;
}

/** Parses, classifies (with alice's request when the session name is hers) and builds the alarm. */
function alarmFor(fixture: string, request: AccessRequest = aliceRequest()) {
  const roleUse = use(fixture);
  const matching = roleUse.roleSessionName === request.id ? request : undefined;
  const classification = classifyRoleUse(roleUse, { request: matching }, BROKER);
  const message = buildAlarmMessage(roleUse, classification, matching);
  const structured = JSON.parse(message.message) as Record<string, string>;
  return { roleUse, classification, message, structured, payload: JSON.parse(structured['sqs']!) as AlarmPayload };
}

/** Every accessKeyId and sessionToken anywhere in a fixture. */
function secretsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => secretsIn(v, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if ((key === 'accessKeyId' || key === 'sessionToken') && typeof v === 'string' && v !== '') found.push(v);
      else secretsIn(v, found);
    }
  }
  return found;
}

const ALARMING = [
  {
    fixture: 'assume-role-by-broker.json',
    subject: '[INFO] Broker-granted AssumeRole of BrokerReadOnly in 111111111111',
    attributes: {
      severity: 'INFO',
      classification: 'broker-grant',
      roleArn: READ_ONLY,
      eventId: 'b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c',
      requestId: REQUEST_ID,
      findings: 'request-matches,inside-window,issuer-caller,requester-source-identity,issued-key',
    },
  },
  {
    fixture: 'assume-role-by-issuer-outside-broker.json',
    subject: '[CRITICAL] Identity-mismatched AssumeRole of BrokerReadOnly in 111111111111',
    attributes: {
      severity: 'CRITICAL',
      classification: 'identity-mismatch',
      roleArn: READ_ONLY,
      eventId: 'e8a4d3b2-0f9e-4a7b-9c6d-4f3e2a1b0c9d',
      requestId: REQUEST_ID,
      findings: 'session-names-request,key-not-issued',
    },
  },
  {
    fixture: 'assume-role-by-human.json',
    subject: '[CRITICAL] Out-of-band AssumeRole of TemporaryAdminRole in 111111111111',
    attributes: {
      severity: 'CRITICAL',
      classification: 'out-of-band',
      roleArn: TEMP_ADMIN,
      eventId: 'c3b2a190-8f7e-4d6c-b5a4-938271605f4e',
      findings: 'session-not-request-id,caller-not-issuer',
    },
  },
  {
    fixture: 'assume-role-chained-source-identity.json',
    subject: '[CRITICAL] Identity-mismatched AssumeRole of BrokerReadOnly in 111111111111',
    attributes: {
      severity: 'CRITICAL',
      classification: 'identity-mismatch',
      roleArn: READ_ONLY,
      eventId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
      requestId: REQUEST_ID,
      findings: 'session-names-request,caller-not-issuer,source-identity-mismatch',
    },
  },
  {
    fixture: 'assume-role-with-saml.json',
    subject: '[CRITICAL] Out-of-band AssumeRoleWithSAML of TemporaryAdminRole in 111111111111',
    attributes: {
      severity: 'CRITICAL',
      classification: 'out-of-band',
      roleArn: TEMP_ADMIN,
      eventId: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
      findings: 'session-not-request-id,caller-not-issuer',
    },
  },
  {
    fixture: 'assume-role-with-web-identity.json',
    subject: '[CRITICAL] Out-of-band AssumeRoleWithWebIdentity of TemporaryAdminRole in 111111111111',
    attributes: {
      severity: 'CRITICAL',
      classification: 'out-of-band',
      roleArn: TEMP_ADMIN,
      eventId: 'b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e',
      findings: 'session-not-request-id,caller-not-issuer',
    },
  },
  {
    fixture: 'switch-role.json',
    subject: '[CRITICAL] Console SwitchRole into TemporaryAdminRole in 111111111111',
    attributes: {
      severity: 'CRITICAL',
      classification: 'console-switch-role',
      roleArn: TEMP_ADMIN,
      eventId: 'c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f',
      findings: 'console-switch,broker-never-switches',
    },
  },
];

describe('buildAlarmMessage over the fixtures', () => {
  it.each(ALARMING)('$fixture: subject and attributes', ({ fixture, subject, attributes }) => {
    const { message } = alarmFor(fixture);
    expect(message.topic).toBe('alarms');
    expect(message.structure).toBe('json');
    expect(message.subject).toBe(subject);
    expect(message.subject.length).toBeLessThan(100);
    expect(message.attributes).toEqual({ ...attributes, source: 'eventbridge' });
  });

  it.each(ALARMING)('$fixture: SNS json structure with the same text for default and email', ({ fixture }) => {
    const { structured, payload, classification, roleUse } = alarmFor(fixture);
    expect(Object.keys(structured).sort()).toEqual(['default', 'email', 'https', 'lambda', 'sqs']);
    expect(structured['email']).toBe(structured['default']);
    expect(structured['lambda']).toBe(structured['sqs']);
    expect(structured['https']).toBe(structured['sqs']);
    expect(payload.version).toBe(1);
    expect(payload.classification).toBe(classification.classification);
    expect(payload.severity).toBe(classification.severity);
    expect(payload.findings).toEqual(classification.findings);
    expect(payload.reasons).toEqual(findingSentences(roleUse, classification, roleUse.roleSessionName === REQUEST_ID ? aliceRequest() : undefined));
    // The event as parsed, less the session's access key id (compared, never published).
    const { issuedAccessKeyId: _key, ...shown } = roleUse;
    expect(payload.event).toEqual(shown);
    expect(payload.event).not.toHaveProperty('issuedAccessKeyId');
  });

  // Every fixture that carries credentials (console SwitchRole records carry none).
  it.each([
    'assume-role-by-broker.json',
    'assume-role-by-issuer-outside-broker.json',
    'assume-role-by-broker-target-account-copy.json',
    'assume-role-by-human.json',
    'assume-role-chained-source-identity.json',
    'assume-role-with-saml.json',
    'assume-role-with-web-identity.json',
    'assume-role-failed.json',
    'assume-role-other-role.json',
  ])(
    '%s: no access key id or session token appears anywhere in the alarm',
    (fixture) => {
      const secrets = secretsIn(loadEvent(`cloudtrail/${fixture}`));
      expect(secrets.length).toBeGreaterThan(0);
      const { message } = alarmFor(fixture);
      const everything = [message.subject, message.message, ...Object.values(message.attributes)].join('\n');
      for (const secret of secrets) expect(everything).not.toContain(secret);
    },
  );
});

describe('alarm body', () => {
  it('tells a person everything needed to act on an out-of-band use', () => {
    const { structured } = alarmFor('assume-role-by-human.json');
    const body = structured['email']!;
    expect(body.split('\n')[0]).toBe('CRITICAL: out-of-band AssumeRole of a watched role (out-of-band).');
    for (const line of [
      '  Role:             arn:aws:iam::111111111111:role/TemporaryAdminRole',
      '  Role account:     111111111111',
      '  Session name:     mallory-session',
      '  When (UTC):       2024-11-20 22:47:05 UTC',
      '  Caller:           arn:aws:iam::111111111111:user/mallory',
      '  Caller type:      IAMUser',
      '  Source identity:  none',
      '  Source IP:        203.0.113.45',
      '  Region:           us-east-1',
      '  CloudTrail event: c3b2a190-8f7e-4d6c-b5a4-938271605f4e (recorded in account 111111111111)',
      'MATCHING REQUEST\n  none',
    ]) {
      expect(body).toContain(line);
    }
    expect(body).toContain(`  User agent:       ${use('assume-role-by-human.json').userAgent}`);
  });

  it('describes the matching request, its window and the source identity for a broker grant', () => {
    const { structured, payload } = alarmFor('assume-role-by-broker.json');
    const body = structured['default']!;
    for (const line of [
      '  Source identity:  alice@example.com',
      '  Session issuer:   arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials',
      `  Request:          ${REQUEST_ID}`,
      '  Requester:        alice@example.com',
      `  Target:           sandbox-readonly (${READ_ONLY})`,
      '  Status:           ACTIVE',
      '  Window:           2024-11-20 14:03:12 UTC to 2024-11-20 16:03:12 UTC',
      '  Ticket:           INC-4411',
    ]) {
      expect(body).toContain(line);
    }
    expect(payload.requestId).toBe(REQUEST_ID);
    expect(payload.request).toEqual({
      id: REQUEST_ID,
      requester: 'alice@example.com',
      target: 'sandbox-readonly',
      account: '111111111111',
      roleArn: READ_ONLY,
      status: 'ACTIVE',
      startsAt: '2024-11-20T14:03:12.400Z',
      expiresAt: '2024-11-20T16:03:12.400Z',
      reason: 'Debugging INC-4411 instance health checks',
      ticket: 'INC-4411',
    });
  });

  it("explains an identity mismatch on the issuer's credentials used outside the broker, without the key itself", () => {
    const { structured, payload, message } = alarmFor('assume-role-by-issuer-outside-broker.json');
    const body = structured['email']!;
    expect(body.split('\n')[0]).toBe('CRITICAL: identity-mismatched AssumeRole of a watched role (identity-mismatch).');
    for (const line of [
      '  Caller:           arn:aws:sts::999999999999:assumed-role/access-broker-dev-issue-credentials/access-broker-dev-issue-credentials',
      '  Source identity:  alice@example.com',
      `  Request:          ${REQUEST_ID}`,
    ]) {
      expect(body).toContain(line);
    }
    expect(payload).toMatchObject({
      severity: 'CRITICAL',
      classification: 'identity-mismatch',
      requestId: REQUEST_ID,
      findings: ['session-names-request', 'key-not-issued'],
    });
    expect(message.message).not.toContain('ASIA6EXAMPLEROGUE001');
    expect(message.message).not.toContain(GRANTED_KEY);
  });

  it('the broker fixture is INFO with its issued key and identity-mismatch CRITICAL without it', () => {
    expect(alarmFor('assume-role-by-broker.json').message.subject).toBe(
      '[INFO] Broker-granted AssumeRole of BrokerReadOnly in 111111111111',
    );
    const unissued = alarmFor('assume-role-by-broker.json', aliceRequest({ history: [] }));
    expect(unissued.message.subject).toBe('[CRITICAL] Identity-mismatched AssumeRole of BrokerReadOnly in 111111111111');
    expect(unissued.message.attributes).toEqual({
      source: 'eventbridge',
      severity: 'CRITICAL',
      classification: 'identity-mismatch',
      roleArn: READ_ONLY,
      eventId: 'b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c',
      findings: 'session-names-request,key-not-issued',
      requestId: REQUEST_ID,
    });
  });

  it('says "none" and null for the request when nothing matches', () => {
    const { payload } = alarmFor('switch-role.json');
    expect(payload.requestId).toBeNull();
    expect(payload.request).toBeNull();
  });

  it.each(ALARMING)('$fixture: WHY words each finding in order and WHAT TO DO NEXT numbers the steps (wording from alarm-wording)', ({ fixture }) => {
    const { structured, payload, classification, roleUse } = alarmFor(fixture);
    const body = structured['email']!;
    const why = body.slice(body.indexOf('\nWHY\n'), body.indexOf('\nWHAT TO DO NEXT\n'));
    expect(why.trim().split('\n').slice(1)).toEqual(payload.reasons.map((r) => `  - ${r}`));
    expect(payload.reasons).toHaveLength(classification.findings.length);
    const steps = body.slice(body.indexOf('\nWHAT TO DO NEXT\n')).trim().split('\n').slice(1);
    expect(steps).toEqual(nextSteps(roleUse, classification).map((step, i) => `  ${i + 1}. ${step}`));
  });

  it('builds an outside-window WARNING with the request id attribute', () => {
    const late: RoleUse = { ...use('assume-role-by-broker.json'), eventTime: '2024-11-20T16:05:00Z' };
    const request = aliceRequest({ status: 'EXPIRED' });
    const classification = classifyRoleUse(late, { request }, BROKER);
    const message = buildAlarmMessage(late, classification, request);
    expect(message.subject).toBe('[WARNING] Out-of-window AssumeRole of BrokerReadOnly in 111111111111');
    expect(message.attributes).toEqual({
      source: 'eventbridge',
      severity: 'WARNING',
      classification: 'outside-window',
      roleArn: READ_ONLY,
      eventId: 'b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c',
      findings: 'after-window',
      requestId: REQUEST_ID,
    });
    expect(JSON.parse(JSON.parse(message.message).sqs)).toMatchObject({ findings: ['after-window'], requestId: REQUEST_ID });
  });

  it('leaves out a request passed in that is not the classified match', () => {
    const roleUse = use('assume-role-by-human.json');
    const classification = classifyRoleUse(roleUse, {}, BROKER);
    const message = buildAlarmMessage(roleUse, classification, aliceRequest());
    expect(message.attributes['requestId']).toBeUndefined();
    expect(JSON.parse(message.message).email).toContain('MATCHING REQUEST\n  none');
  });

  it('shows the outcome of a failed call', () => {
    const roleUse = use('assume-role-failed.json');
    const body = JSON.parse(buildAlarmMessage(roleUse, classifyRoleUse(roleUse, {}, BROKER)).message).email as string;
    expect(body).toContain(
      '  Outcome:          failed: AccessDenied (User: arn:aws:iam::111111111111:user/mallory is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/TemporaryAdminRole)',
    );
  });
});

describe('alarmSubject', () => {
  const critical: Classification = { classification: 'identity-mismatch', severity: 'CRITICAL', findings: [] };
  const longRole = `arn:aws:iam::111111111111:role/${'VeryLongEmergencyBreakGlassAdministratorRoleName'.padEnd(64, 'X')}`;

  it('shortens a long role name, keeping the severity and the account', () => {
    const roleUse: RoleUse = { ...use('assume-role-with-web-identity.json'), roleArn: longRole };
    const subject = alarmSubject(roleUse, critical);
    expect(subject.length).toBe(MAX_SUBJECT_LENGTH);
    expect(subject).toBe(
      '[CRITICAL] Identity-mismatched AssumeRoleWithWebIdentity of VeryLongEmergencyBre... in 111111111111',
    );
  });

  it('never lets a subject reach 100 characters, even with an absurd account field', () => {
    const roleUse: RoleUse = { ...use('assume-role-by-human.json'), roleArn: longRole, roleAccount: '1'.repeat(120) };
    const subject = alarmSubject(roleUse, critical);
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject.startsWith('[CRITICAL] ')).toBe(true);
  });

  it('replaces characters SNS refuses in a subject', () => {
    const roleUse: RoleUse = { ...use('assume-role-by-human.json'), roleArn: 'arn:aws:iam::111111111111:role/Admin\nRöle' };
    expect(alarmSubject(roleUse, critical)).toBe('[CRITICAL] Identity-mismatched AssumeRole of Admin?R?le in 111111111111');
  });
});

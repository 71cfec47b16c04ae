/**
 * The one test of the alarm wording (shared/alerts/alarm-wording.ts): every classification and
 * finding code has words, the words use the facts they rest on, and every alarm keeps its
 * contract (subject, severity prefix, nothing secret, the broker speaks first). It compares no
 * whole sentences, so the wording can change without touching this file or the classification
 * tests, which assert codes.
 */
import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../events/load';
import { MAX_SUBJECT_LENGTH, buildAlarmMessage, buildUnparseableAlarm, type AlarmPayload } from '../../shared/alerts/alarm-message';
import {
  CLASSIFICATION_TITLE,
  FINDING_WORDING,
  findingSentences,
  nextSteps,
  unreadableSentences,
} from '../../shared/alerts/alarm-wording';
import { isParseFailure, parseRoleUseEvent, type RoleUse } from '../../shared/alerts/cloudtrail-event';
import { AlertClassification, AlertSeverity, FindingCode, classifyRoleUse } from '../../shared/domain/alert-classification';
import type { AccessRequest } from '../../shared/domain/request';
import type { OutgoingMessage } from '../../shared/ports';

const REQUEST_ID = '01JD3Z8X7Q4VWM2N5K6R9T0ABC';
const BROKER_ROLE = 'arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials';
const BROKER = { issuerPrincipalArns: [BROKER_ROLE] };
const TEMP_ADMIN = 'arn:aws:iam::111111111111:role/TemporaryAdminRole';
/** Requester-typed text that tries to pass for the broker's own words. */
const SPOOF_REASON = 'INFO: broker-granted, no action needed. Ignore this alarm.';
const SPOOF_TICKET = '[INFO] all fine';

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    id: REQUEST_ID,
    status: 'ACTIVE',
    version: 5,
    requester: { sub: 'u-alice', email: 'alice@example.com' },
    target: 'sandbox-readonly',
    account: '111111111111',
    roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
    services: ['ec2'],
    durationSeconds: 7200,
    reason: SPOOF_REASON,
    ticket: SPOOF_TICKET,
    createdAt: '2024-11-20T13:55:00.000Z',
    updatedAt: '2024-11-20T14:03:13.120Z',
    approvalsRequired: 1,
    approverEmails: ['carol@example.com'],
    approverGroups: [],
    approvals: [{ by: 'carol@example.com', decision: 'approve', at: '2024-11-20T14:02:58.000Z' }],
    startsAt: '2024-11-20T14:00:00.000Z',
    expiresAt: '2024-11-20T16:00:00.000Z',
    history: [
      { at: '2024-11-20T13:55:00.000Z', type: 'submitted', by: 'alice@example.com' },
      { at: '2024-11-20T14:03:13.120Z', type: 'issued', accessKeyId: 'ASIA6EXAMPLEGRANT001' },
    ],
    ...overrides,
  };
}

function use(fixture: string, overrides: Partial<RoleUse> = {}): RoleUse {
  const parsed = parseRoleUseEvent(loadEvent(`cloudtrail/${fixture}`));
  if (isParseFailure(parsed)) throw new Error(`${fixture} did not parse: ${parsed.error}`);
  return { ...parsed, ...overrides };
}

const { startsAt: _s, expiresAt: _e, ...unissued } = request();

/** Role uses and requests that between them raise every classification and every finding. */
const CASES: [name: string, use: RoleUse, request?: AccessRequest][] = [
  ['broker grant', use('assume-role-by-broker.json'), request()],
  ['break-glass grant', use('assume-role-by-broker.json'), request({ breakGlass: true })],
  ['issuer key not issued', use('assume-role-by-issuer-outside-broker.json'), request()],
  ['no access key', use('assume-role-by-broker.json', { issuedAccessKeyId: undefined }), request()],
  ['human out of band', use('assume-role-by-human.json')],
  ['SAML out of band', use('assume-role-with-saml.json')],
  ['web identity out of band', use('assume-role-with-web-identity.json')],
  ['failed call', use('assume-role-failed.json')],
  ['no session name', use('assume-role-by-human.json', { roleSessionName: undefined })],
  ['issuer without request', use('assume-role-by-broker.json')],
  ['chained session as someone else', use('assume-role-chained-source-identity.json'), request()],
  ['role-account copy', use('assume-role-by-broker-target-account-copy.json'), request()],
  ['wrong role, no source identity', use('assume-role-by-human.json', { roleSessionName: REQUEST_ID, roleArn: TEMP_ADMIN, sourceIdentity: undefined }), request()],
  ['console switch', use('switch-role.json'), request()],
  ['console AssumeRole', use('switch-role-assume-role.json')],
  ['never active', use('assume-role-by-broker.json'), { ...unissued, status: 'PENDING' }],
  ['no window', use('assume-role-by-broker.json'), { ...unissued, status: 'FAILED' }],
  ['before window', use('assume-role-by-broker.json', { eventTime: '2024-11-20T13:50:00Z' }), request()],
  ['just after window', use('assume-role-by-broker.json', { eventTime: '2024-11-20T16:00:01Z' }), request({ status: 'EXPIRED' })],
  [
    'after revocation',
    use('assume-role-by-broker.json', { eventTime: '2024-11-20T15:00:01Z' }),
    request({ status: 'REVOKED', history: [...request().history, { at: '2024-11-20T15:00:00.000Z', type: 'revoked', by: 'secops@example.com' }] }),
  ],
  ['source identity of someone else', use('assume-role-by-broker.json', { sourceIdentity: 'mallory@example.com' }), request()],
];

function alarmOf(roleUse: RoleUse, req?: AccessRequest) {
  const c = classifyRoleUse(roleUse, req ? { request: req } : {}, BROKER);
  const message = buildAlarmMessage(roleUse, c, req);
  return { c, message, ...parts(message) };
}

function parts(message: OutgoingMessage) {
  const structured = JSON.parse(message.message) as Record<string, string>;
  return { body: structured['email']!, payload: JSON.parse(structured['sqs']!) as AlarmPayload };
}

/** Every accessKeyId, secretAccessKey and sessionToken anywhere in a fixture. */
function secretsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => secretsIn(v, found));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (['accessKeyId', 'secretAccessKey', 'sessionToken'].includes(key) && typeof v === 'string' && v !== '') found.push(v);
      else secretsIn(v, found);
    }
  }
  return found;
}

describe('alarm wording: every code has words', () => {
  it('the cases raise every classification but unparseable-event, and every finding but unreadable-record', () => {
    const classified = CASES.map(([, u, r]) => classifyRoleUse(u, r ? { request: r } : {}, BROKER));
    expect(new Set(classified.map((c) => c.classification))).toEqual(
      new Set(Object.values(AlertClassification).filter((c) => c !== AlertClassification.UNPARSEABLE_EVENT)),
    );
    expect(new Set(classified.flatMap((c) => c.findings))).toEqual(
      new Set(Object.values(FindingCode).filter((f) => f !== FindingCode.UNREADABLE_RECORD)),
    );
  });

  it('every classification has a title and every finding code a wording', () => {
    for (const c of Object.values(AlertClassification)) expect(CLASSIFICATION_TITLE[c]).toMatch(/^[A-Z][A-Za-z-]+$/);
    expect(Object.keys(FINDING_WORDING).sort()).toEqual(Object.values(FindingCode).sort());
  });

  it.each(CASES)('%s: one whole sentence per finding, none empty or unfilled', (_name, roleUse, req) => {
    const c = classifyRoleUse(roleUse, req ? { request: req } : {}, BROKER);
    const sentences = findingSentences(roleUse, c, req);
    expect(sentences).toHaveLength(c.findings.length);
    for (const s of sentences) {
      expect(s).toMatch(/^[A-Z\w].*[.)]$/s);
      expect(s).not.toMatch(/undefined|null|\[object|\bNaN\b|""/);
    }
    expect(nextSteps(roleUse, c).length).toBeGreaterThan(0);
  });

  it('a window finding states how far outside the window; an ended-early finding says how and when', () => {
    const [, early, earlyReq] = CASES.find(([name]) => name === 'before window')!;
    expect(findingSentences(early, classifyRoleUse(early, { request: earlyReq! }, BROKER), earlyReq).join(' ')).toContain('10m');
    const [, revoked, revokedReq] = CASES.find(([name]) => name === 'after revocation')!;
    const words = findingSentences(revoked, classifyRoleUse(revoked, { request: revokedReq! }, BROKER), revokedReq).join(' ');
    expect(words).toContain('revoked');
    expect(words).toContain('2024-11-20 15:00:00 UTC');
  });

  it('a caller-not-issuer on a matched request names the issuers it was compared with', () => {
    const roleUse = use('assume-role-chained-source-identity.json');
    const c = classifyRoleUse(roleUse, { request: request() }, BROKER);
    expect(findingSentences(roleUse, c, request()).join(' ')).toContain(BROKER_ROLE);
    const none = classifyRoleUse(roleUse, { request: request() }, { issuerPrincipalArns: [] });
    expect(findingSentences(roleUse, none, request()).join(' ')).toContain('none configured');
  });

  it('the unreadable-record wording carries what the parser said', () => {
    expect(unreadableSentences('eventTime: Invalid ISO datetime')).toHaveLength(2);
    expect(unreadableSentences('eventTime: Invalid ISO datetime').join(' ')).toContain('eventTime: Invalid ISO datetime');
  });
});

describe('alarm message contract', () => {
  it.each(CASES)('%s: subject under 100 characters, starting with its severity', (_name, roleUse, req) => {
    const { c, message } = alarmOf(roleUse, req);
    expect(message.subject.length).toBeLessThan(100);
    expect(message.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(message.subject).toMatch(/^\[(CRITICAL|WARNING|INFO)\] /);
    expect(message.subject.startsWith(`[${c.severity}] `)).toBe(true);
    expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it.each(CASES)('%s: attributes and payload carry the codes; every attribute value is a non-empty string', (_name, roleUse, req) => {
    const { c, message, payload } = alarmOf(roleUse, req);
    expect(message.attributes).toMatchObject({
      severity: c.severity,
      classification: c.classification,
      roleArn: roleUse.roleArn,
      source: 'eventbridge',
      findings: c.findings.join(','),
    });
    if (c.requestId !== undefined) expect(message.attributes['requestId']).toBe(c.requestId);
    else expect(message.attributes).not.toHaveProperty('requestId');
    for (const value of Object.values(message.attributes)) expect(value).toMatch(/\S/);
    expect(Object.keys(message.attributes).length).toBeLessThanOrEqual(10);
    expect(payload).toMatchObject({ severity: c.severity, classification: c.classification, findings: c.findings });
    expect(payload.reasons).toHaveLength(c.findings.length);
  });

  it.each(CASES)('%s: the body a person reads starts with the broker, and ends with numbered steps', (_name, roleUse, req) => {
    const { c, body, message } = alarmOf(roleUse, req);
    const lines = body.split('\n');
    expect(lines[0]!.startsWith(`${c.severity}: `)).toBe(true);
    expect(lines[0]).toContain(`(${c.classification})`);
    expect(body).toContain('\nWHY\n');
    expect(body).toMatch(/\nWHAT TO DO NEXT\n {2}1\. \S/);
    // Requester-typed text (reason, ticket) only ever appears as a labelled field, never first.
    for (const typed of [SPOOF_REASON, SPOOF_TICKET]) {
      expect(message.subject).not.toContain(typed);
      expect(body.startsWith(typed)).toBe(false);
      for (const line of lines.filter((l) => l.includes(typed))) expect(line).toMatch(/^ {2}(Reason|Ticket): +/);
    }
    if (req !== undefined && c.requestId !== undefined) {
      expect(body.indexOf(SPOOF_REASON)).toBeGreaterThan(body.indexOf('MATCHING REQUEST'));
    }
  });

  it.each(CASES)('%s: no access key id, secret key or session token of the record reaches the alarm', (_name, roleUse, req) => {
    const { message } = alarmOf(roleUse, req);
    const everything = [message.subject, message.message, ...Object.values(message.attributes)].join('\n');
    if (roleUse.issuedAccessKeyId !== undefined) expect(everything).not.toContain(roleUse.issuedAccessKeyId);
    for (const fixture of ['assume-role-by-broker.json', 'assume-role-by-issuer-outside-broker.json', 'assume-role-by-human.json']) {
      for (const secret of secretsIn(loadEvent(`cloudtrail/${fixture}`))) expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/IQoJb3JpZ2lu|ASIA[A-Z0-9]{16}/);
  });

  it('the unparseable-event alarm keeps the same contract', () => {
    const message = buildUnparseableAlarm({
      eventId: 'e-1',
      account: '111111111111',
      eventName: 'AssumeRole',
      roleArnText: `${TEMP_ADMIN}${'X'.repeat(200)}`,
      error: 'eventTime: Invalid ISO datetime',
    });
    const { body, payload } = parts(message);
    expect(message.subject.length).toBeLessThan(100);
    expect(message.subject.startsWith(`[${AlertSeverity.CRITICAL}] `)).toBe(true);
    expect(body.startsWith('CRITICAL: ')).toBe(true);
    expect(message.attributes).toMatchObject({ severity: 'CRITICAL', classification: 'unparseable-event', findings: 'unreadable-record' });
    for (const value of Object.values(message.attributes)) expect(value).toMatch(/\S/);
    expect(payload).toMatchObject({ findings: ['unreadable-record'], reasons: unreadableSentences('eventTime: Invalid ISO datetime') });
  });
});

import { describe, expect, it } from 'vitest';
import { loadEvent } from '../../events/load';
import { parseRoleUseEvent, type ParseFailure, type RoleUse } from '../../shared/alerts/cloudtrail-event';
import { decideAlarm } from '../../shared/domain/alarm-scope';
import { AlertClassification, AlertSeverity, classifyRoleUse, type BrokerPrincipals } from '../../shared/domain/alert-classification';
import { canonicalPrincipal } from '../../shared/domain/arn';
import { isRequestIdShaped } from '../../shared/domain/role-use';
import type { AccessRequest } from '../../shared/domain/request';
import type { RequestStatus } from '../../shared/domain/status';
import { isValidSourceIdentity, sanitizeSourceIdentity } from '../../shared/domain/source-identity';

const REQUEST_ID = '01JD3Z8X7Q4VWM2N5K6R9T0ABC';
const BROKER_ROLE = 'arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials';
const BROKER: BrokerPrincipals = { issuerPrincipalArns: [BROKER_ROLE] };
const READ_ONLY = 'arn:aws:iam::111111111111:role/BrokerReadOnly';
const TEMP_ADMIN = 'arn:aws:iam::111111111111:role/TemporaryAdminRole';
const WATCHED = { watchedRoleArns: [READ_ONLY, TEMP_ADMIN], issuerRoleIds: ['AROA6EXAMPLEBROKER001'] };
/** The AccessKeyId STS returned to the broker in assume-role-by-broker.json, recorded on alice's `issued` entry. */
const GRANTED_KEY = 'ASIA6EXAMPLEGRANT001';
/** The AccessKeyId in assume-role-by-issuer-outside-broker.json: the broker never received it. */
const ROGUE_KEY = 'ASIA6EXAMPLEROGUE001';

/** Alice's approved sandbox request, active 14:03:12.400 to 16:03:12.400 UTC on 2024-11-20. */
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
    // After the CloudTrail stamp of the broker's AssumeRole (14:03:12Z): the issuer records it once STS answers.
    startsAt: '2024-11-20T14:03:12.400Z',
    expiresAt: '2024-11-20T16:03:12.400Z',
    executionArn: `arn:aws:states:eu-west-1:999999999999:execution:access-broker-dev-approval:${REQUEST_ID}`,
    history: [
      { at: '2024-11-20T13:55:00.000Z', type: 'submitted', by: 'alice@example.com' },
      { at: '2024-11-20T14:02:58.000Z', type: 'approved-by', by: 'carol@example.com' },
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

/** The broker's own event, moved to another time. */
function brokerUseAt(eventTime: string): RoleUse {
  return { ...use('assume-role-by-broker.json'), eventTime };
}

describe('parseRoleUseEvent', () => {
  it('normalises the broker AssumeRole fixture, copying only the issued access key id of the credentials', () => {
    const parsed = use('assume-role-by-broker.json');
    const text = JSON.stringify(parsed);
    expect(text).not.toContain('IQoJb3JpZ2luX2Vj');
    expect(text).not.toContain('ASIA6EXAMPLELAMBDA01');
    expect(parsed).toEqual({
      eventId: 'b7f3c2a1-9d8e-4f6a-8b5c-3e2d1f0a9b8c',
      eventTime: '2024-11-20T14:03:12Z',
      kind: 'assume-role',
      eventName: 'AssumeRole',
      roleArn: READ_ONLY,
      roleAccount: '111111111111',
      roleSessionName: REQUEST_ID,
      sourceIdentity: 'alice@example.com',
      issuedAccessKeyId: GRANTED_KEY,
      callerArn:
        'arn:aws:sts::999999999999:assumed-role/access-broker-dev-issue-credentials/access-broker-dev-issue-credentials',
      sessionIssuerArn: BROKER_ROLE,
      sharedEventId: '2a9c4e6f-1b3d-4f5a-9c7e-0d2f4b6a8c1e',
      callerType: 'AssumedRole',
      callerPrincipalId: 'AROA6EXAMPLEBROKER001:access-broker-dev-issue-credentials',
      callerAccount: '999999999999',
      caller:
        'arn:aws:sts::999999999999:assumed-role/access-broker-dev-issue-credentials/access-broker-dev-issue-credentials',
      sourceIp: '198.51.100.23',
      userAgent:
        'aws-sdk-js/3.699.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.x86_64 lang/js md/nodejs#20.18.0 api/sts#3.699.0 exec-env/AWS_Lambda_nodejs20.x m/E',
      awsRegion: 'eu-west-1',
      account: '999999999999',
    });
  });

  it('reads the issued access key id of the issuer-outside-broker fixture; a failed call and a SwitchRole have none', () => {
    const rogue = use('assume-role-by-issuer-outside-broker.json');
    expect(rogue).toEqual({
      ...use('assume-role-by-broker.json'),
      eventId: 'e8a4d3b2-0f9e-4a7b-9c6d-4f3e2a1b0c9d',
      sharedEventId: '3b0d5f7a-2c4e-4a6b-8d9f-1e3a5c7b9d2f',
      issuedAccessKeyId: ROGUE_KEY,
    });
    expect(use('assume-role-failed.json')).not.toHaveProperty('issuedAccessKeyId');
    expect(use('switch-role.json')).not.toHaveProperty('issuedAccessKeyId');
  });

  it('takes an inherited source identity from the response when the chained call sets none', () => {
    const chained = use('assume-role-chained-source-identity.json');
    expect(chained.sourceIdentity).toBe('bob@example.com');
    expect(chained.sessionIssuerArn).toBe('arn:aws:iam::111111111111:role/DeveloperAccess');
  });

  it('falls back to the caller session source identity when neither request nor response carries one', () => {
    const raw = loadEvent<{ detail: { responseElements: Record<string, unknown> } }>(
      'cloudtrail/assume-role-chained-source-identity.json',
    );
    delete raw.detail.responseElements['sourceIdentity'];
    const parsed = parseRoleUseEvent(raw) as RoleUse;
    expect(parsed.sourceIdentity).toBe('bob@example.com');
  });

  it('names SAML and web identity callers by user and provider, as they have no ARN', () => {
    const saml = use('assume-role-with-saml.json');
    expect(saml.kind).toBe('assume-role-with-saml');
    expect(saml.callerArn).toBeUndefined();
    expect(saml.caller).toBe('mallory@example.com (SAML user via arn:aws:iam::111111111111:saml-provider/CorporateIdP)');
    expect(saml.sourceIdentity).toBe('mallory@example.com');

    const web = use('assume-role-with-web-identity.json');
    expect(web.kind).toBe('assume-role-with-web-identity');
    expect(web.callerType).toBe('WebIdentityUser');
    expect(web.caller).toBe(
      'repo:example-org/infra:ref:refs/heads/main (web identity user via arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com)',
    );
  });

  it('reads a console SwitchRole: role from the new session, person from SwitchFrom', () => {
    expect(use('switch-role.json')).toEqual({
      eventId: 'c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f',
      eventTime: '2024-11-21T11:05:33Z',
      kind: 'console-switch-role',
      eventName: 'SwitchRole',
      roleArn: TEMP_ADMIN,
      roleAccount: '111111111111',
      roleSessionName: 'mallory',
      callerArn: 'arn:aws:iam::111111111111:user/mallory',
      callerType: 'IAMUser',
      callerAccount: '111111111111',
      caller: 'arn:aws:iam::111111111111:user/mallory',
      sourceIp: '203.0.113.45',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      awsRegion: 'us-east-1',
      account: '111111111111',
    });
  });

  it('prefers additionalEventData.SwitchTo when a SwitchRole carries it', () => {
    const raw = loadEvent<{ detail: { additionalEventData: Record<string, string> } }>('cloudtrail/switch-role.json');
    raw.detail.additionalEventData['SwitchTo'] = 'arn:aws:iam::111111111111:role/ops/BreakGlass';
    expect((parseRoleUseEvent(raw) as RoleUse).roleArn).toBe('arn:aws:iam::111111111111:role/ops/BreakGlass');
  });

  it('reports a SwitchRole that names no role as malformed', () => {
    const raw = loadEvent<{ detail: { userIdentity: Record<string, string> } }>('cloudtrail/switch-role.json');
    raw.detail.userIdentity['arn'] = 'arn:aws:iam::111111111111:user/mallory';
    expect(parseRoleUseEvent(raw)).toMatchObject({
      error: 'malformed SwitchRole event: no role in additionalEventData.SwitchTo or an assumed-role userIdentity.arn',
      reason: 'malformed',
      unreadable: { eventId: 'c4d5e6f7-a8b9-4c0d-9e1f-2a3b4c5d6e7f', eventName: 'SwitchRole', account: '111111111111' },
    });
  });

  it('records a failed SwitchRole as an error code', () => {
    const raw = loadEvent<{ detail: { responseElements: Record<string, string> } }>('cloudtrail/switch-role.json');
    raw.detail.responseElements['SwitchRole'] = 'Failure';
    expect((parseRoleUseEvent(raw) as RoleUse).errorCode).toBe('Failure');
  });

  it('keeps the error of a failed AssumeRole', () => {
    const failed = use('assume-role-failed.json');
    expect(failed.errorCode).toBe('AccessDenied');
    expect(failed.roleArn).toBe(TEMP_ADMIN);
  });

  it('reports GetSessionToken as unsupported, not malformed', () => {
    expect(parseRoleUseEvent(loadEvent('cloudtrail/get-session-token.json'))).toEqual({
      error: 'not a role-use event: sts.amazonaws.com / GetSessionToken',
      reason: 'unsupported-event',
    });
  });

  it('returns an error for the malformed fixture instead of throwing', () => {
    expect(parseRoleUseEvent(loadEvent('cloudtrail/malformed.json'))).toEqual({
      error: 'malformed AssumeRole event: requestParameters: Invalid input: expected object, received undefined',
      reason: 'malformed',
      unreadable: {
        error: 'malformed AssumeRole event: requestParameters: Invalid input: expected object, received undefined',
        eventId: '0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d',
        account: '111111111111',
        eventName: 'AssumeRole',
        eventSource: 'sts.amazonaws.com',
        eventTime: expect.any(String),
      },
    });
  });

  it.each([null, undefined, 42, 'AssumeRole', [], {}, { 'detail-type': 'AWS API Call via CloudTrail', source: 'aws.sts' }])(
    'returns a malformed error for %j',
    (raw) => {
      const result = parseRoleUseEvent(raw) as ParseFailure;
      expect(result.reason).toBe('malformed');
      expect(result.error).toMatch(/^(not an EventBridge CloudTrail event \(detail missing or not an object\)|the CloudTrail record has no eventSource or eventName)$/);
    },
  );

  it('rejects an AssumeRole whose eventTime is not a timestamp', () => {
    const raw = loadEvent<{ detail: Record<string, unknown> }>('cloudtrail/assume-role-by-human.json');
    raw.detail['eventTime'] = 'yesterday';
    const result = parseRoleUseEvent(raw) as ParseFailure;
    expect(result.reason).toBe('malformed');
    expect(result.error).toMatch(/^malformed AssumeRole event: eventTime: /);
  });
});

describe('decideAlarm', () => {
  it.each([
    ['assume-role-by-broker.json'],
    ['assume-role-by-issuer-outside-broker.json'],
    ['assume-role-by-human.json'],
    ['assume-role-chained-source-identity.json'],
    ['assume-role-with-saml.json'],
    ['assume-role-with-web-identity.json'],
    ['switch-role.json'],
  ])('alarms on %s', (fixture) => {
    expect(decideAlarm(use(fixture), WATCHED)).toEqual({ alarm: true });
  });

  it('ignores an unwatched role', () => {
    expect(decideAlarm(use('assume-role-other-role.json'), WATCHED)).toEqual({
      alarm: false,
      reason: 'arn:aws:iam::111111111111:role/BillingViewer is not a watched role',
    });
  });

  it('ignores a failed call: no session exists', () => {
    expect(decideAlarm(use('assume-role-failed.json'), WATCHED)).toEqual({
      alarm: false,
      reason: 'the call failed (AccessDenied), so no session was created',
    });
  });

  it("skips the role account's copy of the issuer role's own call, which cannot be attributed", () => {
    const copy = use('assume-role-by-broker-target-account-copy.json');
    expect(decideAlarm(copy, WATCHED)).toEqual({
      alarm: false,
      reason:
        "cross-account copy of a call by the broker's issuer role (AROA6EXAMPLEBROKER001); the copy recorded in the broker account is classified instead",
    });
    expect(decideAlarm(copy, { watchedRoleArns: [READ_ONLY] })).toEqual({ alarm: true });
  });

  it.each([
    ['another role of the broker account', 'AROA6EXAMPLEOTHERROLE:session'],
    ['an IAM user of the broker account', 'AIDA6EXAMPLEMALLORY01'],
    ['a principal id that only ends like the issuer', 'XAROA6EXAMPLEBROKER001:s'],
    ['no principal id', undefined],
  ])('regression: alarms on the role-account copy of a call by %s (only the issuer role unique id is skipped)', (_what, principalId) => {
    const copy = { ...use('assume-role-by-broker-target-account-copy.json'), callerPrincipalId: principalId };
    if (principalId === undefined) delete copy.callerPrincipalId;
    expect(decideAlarm(copy, WATCHED)).toEqual({ alarm: true });
  });

  it.each([
    ['arn:aws:iam::111111111111:role/TemporaryAdminRole'],
    ['arn:aws:iam::111111111111:role/emergency/TemporaryAdminRole'],
    ['arn:aws:iam::111111111111:role//TemporaryAdminRole'],
    ['arn:aws:iam::111111111111:role/a/b/c/temporaryadminrole'],
    ['ARN:AWS:IAM::111111111111:ROLE/TemporaryAdminRole'],
    ['arn:Aws:Iam::111111111111:Role/TEMPORARYADMINROLE'],
    [' arn:aws:iam::111111111111:role/TemporaryAdminRole '],
  ])('regression (case and paths): alarms on the watched role written as %s', (roleArn) => {
    const human = { ...use('assume-role-by-human.json'), roleArn };
    expect(decideAlarm(human, WATCHED)).toEqual({ alarm: true });
  });

  it('a watched role configured with a path is matched without it, and the role name in another account is not', () => {
    const scope = { watchedRoleArns: ['arn:aws:iam::111111111111:role/emergency/TemporaryAdminRole'] };
    expect(decideAlarm(use('assume-role-by-human.json'), scope)).toEqual({ alarm: true });
    expect(decideAlarm({ ...use('assume-role-by-human.json'), roleArn: 'arn:aws:iam::333333333333:role/emergency/TemporaryAdminRole' }, scope)).toMatchObject({ alarm: false });
    expect(decideAlarm({ ...use('assume-role-by-human.json'), roleArn: 'arn:aws-cn:iam::111111111111:role/TemporaryAdminRole' }, scope)).toMatchObject({ alarm: false });
  });

  it('matches watched roles regardless of IAM path and name case', () => {
    const human = use('assume-role-by-human.json');
    expect(decideAlarm(human, { watchedRoleArns: ['arn:aws:iam::111111111111:role/emergency/temporaryadminrole'] })).toEqual({
      alarm: true,
    });
    expect(decideAlarm(human, { watchedRoleArns: ['arn:aws:iam::222222222222:role/TemporaryAdminRole'] })).toEqual({
      alarm: false,
      reason: 'arn:aws:iam::111111111111:role/TemporaryAdminRole is not a watched role',
    });
  });
});

describe('classifyRoleUse over the fixtures', () => {
  it('broker-grant: the broker issuing an active request for its requester', () => {
    expect(classifyRoleUse(use('assume-role-by-broker.json'), { request: aliceRequest() }, BROKER)).toMatchObject({
      classification: 'broker-grant',
      severity: 'INFO',
      requestId: REQUEST_ID,
      findings: ['request-matches', 'inside-window', 'issuer-caller', 'requester-source-identity', 'issued-key'],
    });
  });

  it('broker-grant of break-glass access: the same classification, severity WARNING (nobody approved it)', () => {
    expect(classifyRoleUse(use('assume-role-by-broker.json'), { request: aliceRequest({ breakGlass: true }) }, BROKER)).toMatchObject({
      classification: 'broker-grant',
      severity: 'WARNING',
      requestId: REQUEST_ID,
      findings: ['request-matches', 'break-glass', 'inside-window', 'issuer-caller', 'requester-source-identity', 'issued-key'],
    });
  });

  it("identity-mismatch: the issuer's credentials used outside the broker under an active request's id", () => {
    expect(classifyRoleUse(use('assume-role-by-issuer-outside-broker.json'), { request: aliceRequest() }, BROKER)).toMatchObject({
      classification: 'identity-mismatch',
      severity: 'CRITICAL',
      requestId: REQUEST_ID,
      findings: ['session-names-request', 'key-not-issued'],
    });
  });

  it('out-of-band: an IAM user assuming the emergency admin role', () => {
    expect(classifyRoleUse(use('assume-role-by-human.json'), {}, BROKER)).toMatchObject({
      classification: 'out-of-band',
      severity: 'CRITICAL',
      findings: ['session-not-request-id', 'caller-not-issuer'],
    });
  });

  it('identity-mismatch: a chained session presenting alice\'s request id as bob', () => {
    expect(classifyRoleUse(use('assume-role-chained-source-identity.json'), { request: aliceRequest() }, BROKER)).toMatchObject({
      classification: 'identity-mismatch',
      severity: 'CRITICAL',
      requestId: REQUEST_ID,
      findings: ['session-names-request', 'caller-not-issuer', 'source-identity-mismatch'],
      facts: { issuerPrincipalArns: [BROKER_ROLE] },
    });
  });

  it('identity-mismatch: the role-account copy of the broker call cannot prove its caller', () => {
    const result = classifyRoleUse(
      use('assume-role-by-broker-target-account-copy.json'),
      { request: aliceRequest() },
      BROKER,
    );
    expect(result).toMatchObject({
      classification: 'identity-mismatch',
      findings: ['session-names-request', 'caller-not-issuer'],
      facts: { issuerPrincipalArns: [BROKER_ROLE] },
    });
  });

  it.each([
    ['assume-role-with-saml.json'],
    ['assume-role-with-web-identity.json'],
  ])('out-of-band: federated %s', (fixture) => {
    const result = classifyRoleUse(use(fixture), {}, BROKER);
    expect(result.classification).toBe(AlertClassification.OUT_OF_BAND);
    expect(result.severity).toBe(AlertSeverity.CRITICAL);
    expect(result.requestId).toBeUndefined();
    expect(result.findings).toEqual(['session-not-request-id', 'caller-not-issuer']);
  });

  it('console-switch-role: always CRITICAL, even when a request is passed', () => {
    expect(classifyRoleUse(use('switch-role.json'), { request: aliceRequest() }, BROKER)).toMatchObject({
      classification: 'console-switch-role',
      severity: 'CRITICAL',
      findings: ['console-switch', 'broker-never-switches'],
    });
  });

  it('out-of-band: an unwatched role is still out-of-band if classified (decideAlarm filters it first)', () => {
    expect(classifyRoleUse(use('assume-role-other-role.json'), {}, BROKER).classification).toBe('out-of-band');
  });

  it('mentions the failure when a failed call is classified anyway', () => {
    expect(classifyRoleUse(use('assume-role-failed.json'), {}, BROKER).findings).toContain('call-failed');
  });
});

describe('classifyRoleUse: matching rules', () => {
  it('treats a request-id-shaped session name with no request as out-of-band, and says so', () => {
    const session = '01JD9999999999999999999999';
    const result = classifyRoleUse({ ...use('assume-role-by-human.json'), roleSessionName: session }, {}, BROKER);
    expect(result.classification).toBe('out-of-band');
    expect(result.findings[0]).toBe('request-not-found');
  });

  it('flags the broker principal acting without any request', () => {
    const result = classifyRoleUse(use('assume-role-by-broker.json'), {}, BROKER);
    expect(result).toMatchObject({
      classification: 'out-of-band',
      severity: 'CRITICAL',
      findings: ['request-not-found', 'issuer-without-request'],
    });
  });

  it('ignores a supplied request whose id is not the session name', () => {
    const other = aliceRequest({ id: '01JD0000000000000000000000' });
    const result = classifyRoleUse(use('assume-role-by-broker.json'), { request: other }, BROKER);
    expect(result.classification).toBe('out-of-band');
    expect(result.requestId).toBeUndefined();
  });

  it('identity-mismatch when the role is not the one the request was approved for', () => {
    const request = aliceRequest({ roleArn: 'arn:aws:iam::222222222222:role/ProdReadOnly', account: '222222222222' });
    const result = classifyRoleUse(use('assume-role-by-broker.json'), { request }, BROKER);
    expect(result.classification).toBe('identity-mismatch');
    expect(result.severity).toBe('CRITICAL');
    expect(result.findings).toEqual(['session-names-request', 'role-not-requested']);
  });

  it('identity-mismatch when no source identity was set', () => {
    const { sourceIdentity: _omitted, ...withoutIdentity } = use('assume-role-by-broker.json');
    const result = classifyRoleUse(withoutIdentity, { request: aliceRequest() }, BROKER);
    expect(result.classification).toBe('identity-mismatch');
    expect(result.findings).toEqual(['session-names-request', 'no-source-identity']);
  });

  it('identity wins over the window, and the window problem is still reported', () => {
    const request = aliceRequest({ status: 'EXPIRED' });
    const late = { ...use('assume-role-chained-source-identity.json'), eventTime: '2024-11-20T17:00:00Z' };
    const result = classifyRoleUse(late, { request }, BROKER);
    expect(result.classification).toBe('identity-mismatch');
    expect(result.findings).toEqual(['session-names-request', 'caller-not-issuer', 'source-identity-mismatch', 'after-window']);
    expect(result.facts).toEqual({ gapMs: 3_407_600, issuerPrincipalArns: [BROKER_ROLE] });
  });

  it('identity-mismatch when the broker has no issuer principals configured', () => {
    const result = classifyRoleUse(use('assume-role-by-broker.json'), { request: aliceRequest() }, { issuerPrincipalArns: [] });
    expect(result.classification).toBe('identity-mismatch');
    expect(result.findings).toEqual(['session-names-request', 'caller-not-issuer']);
    expect(result.facts).toEqual({ issuerPrincipalArns: [] });
  });
});

describe('classifyRoleUse: the issued access key', () => {
  const classify = (event: RoleUse, overrides: Partial<AccessRequest> = {}) =>
    classifyRoleUse(event, { request: aliceRequest(overrides) }, BROKER);

  it('broker-grant only while the key is one of the request\'s issued keys', () => {
    expect(classify(use('assume-role-by-broker.json'))).toMatchObject({ classification: 'broker-grant', severity: 'INFO' });
  });

  it('INFO turns into identity-mismatch CRITICAL when the key differs, and the reason says why', () => {
    const other = { ...use('assume-role-by-broker.json'), issuedAccessKeyId: 'ASIA6EXAMPLEOTHER001' };
    expect(classify(other)).toMatchObject({
      classification: 'identity-mismatch',
      severity: 'CRITICAL',
      requestId: REQUEST_ID,
      findings: ['session-names-request', 'key-not-issued'],
    });
  });

  it('INFO turns into identity-mismatch CRITICAL when the event carries no key', () => {
    const { issuedAccessKeyId: _dropped, ...noKey } = use('assume-role-by-broker.json');
    expect(classify(noKey)).toMatchObject({
      classification: 'identity-mismatch',
      severity: 'CRITICAL',
      requestId: REQUEST_ID,
      findings: ['session-names-request', 'no-access-key'],
    });
  });

  it('identity-mismatch when the request records no key at all (an issued entry without accessKeyId)', () => {
    const history = aliceRequest().history.map(({ accessKeyId: _k, ...entry }) => entry);
    expect(classify(use('assume-role-by-broker.json'), { history }).findings).toEqual(['session-names-request', 'key-not-issued']);
  });

  it('accepts the key of any issued entry (first issuance or a refresh)', () => {
    const history = [
      ...aliceRequest().history.map((h) => (h.type === 'issued' ? { ...h, accessKeyId: 'ASIA6EXAMPLEFIRST001' } : h)),
      { at: '2024-11-20T15:00:00.000Z', type: 'issued' as const, accessKeyId: GRANTED_KEY },
    ];
    expect(classify(use('assume-role-by-broker.json'), { history }).classification).toBe('broker-grant');
  });

  it('counts only issued entries: the same key on another history entry does not make a grant', () => {
    const history = [
      { at: '2024-11-20T13:55:00.000Z', type: 'submitted' as const, by: 'alice@example.com' },
      { at: '2024-11-20T14:10:00.000Z', type: 'credentials-retrieved' as const, by: 'alice@example.com', accessKeyId: GRANTED_KEY },
    ];
    expect(classify(use('assume-role-by-broker.json'), { history }).classification).toBe('identity-mismatch');
  });

  it("does not accept another request's issued key", () => {
    expect(classify(use('assume-role-by-issuer-outside-broker.json')).classification).toBe('identity-mismatch');
    const history = [...aliceRequest().history, { at: '2024-11-20T14:30:00.000Z', type: 'issued' as const, accessKeyId: ROGUE_KEY }];
    expect(classify(use('assume-role-by-issuer-outside-broker.json'), { history }).classification).toBe('broker-grant');
  });

  it('an unissued key wins over the window: near the edge it is CRITICAL identity-mismatch, not a WARNING', () => {
    const exact = { startsAt: '2024-11-20T14:00:00.000Z', expiresAt: '2024-11-20T16:00:00.000Z' };
    const late = { ...use('assume-role-by-issuer-outside-broker.json'), eventTime: '2024-11-20T16:00:01Z' };
    const result = classify(late, exact);
    expect(result.classification).toBe('identity-mismatch');
    expect(result.severity).toBe('CRITICAL');
    expect(result.findings).toEqual(['session-names-request', 'key-not-issued', 'after-window']);
    expect(result.facts).toEqual({ gapMs: 1000 });
  });

  it('adds no key finding when the caller is not the issuer: the caller finding already explains it', () => {
    const { findings } = classify(use('assume-role-chained-source-identity.json'));
    expect(findings).toContain('caller-not-issuer');
    expect(findings).not.toContain('key-not-issued');
    expect(findings).not.toContain('no-access-key');
  });
});

describe('classifyRoleUse: source identity comparison', () => {
  it('compares the requester email case-insensitively', () => {
    const shouting = { ...use('assume-role-by-broker.json'), sourceIdentity: 'Alice@Example.COM' };
    expect(classifyRoleUse(shouting, { request: aliceRequest() }, BROKER).classification).toBe('broker-grant');
    const request = aliceRequest({ requester: { sub: 'u-alice', email: 'ALICE@example.com' } });
    expect(classifyRoleUse(use('assume-role-by-broker.json'), { request }, BROKER).classification).toBe('broker-grant');
  });

  it('accepts the sanitised source identity the issuer sets for emails STS would refuse', () => {
    const email = "Conan.O'Brien+ops@example.com";
    const sanitised = sanitizeSourceIdentity(email);
    expect(sanitised).toBe('conan.o_brien+ops@example.com');
    const request = aliceRequest({ requester: { sub: 'u-conan', email } });
    const event = { ...use('assume-role-by-broker.json'), sourceIdentity: sanitised };
    expect(classifyRoleUse(event, { request }, BROKER).classification).toBe('broker-grant');
  });

  it('accepts the truncated source identity of an email longer than 64 characters', () => {
    const email = `${'a'.repeat(70)}@example.com`;
    const request = aliceRequest({ requester: { sub: 'u-long', email } });
    const event = { ...use('assume-role-by-broker.json'), sourceIdentity: 'a'.repeat(64) };
    expect(classifyRoleUse(event, { request }, BROKER).classification).toBe('broker-grant');
  });

  it('does not accept a different person whose sanitised email merely looks similar', () => {
    const event = { ...use('assume-role-by-broker.json'), sourceIdentity: 'alice_example.com' };
    expect(classifyRoleUse(event, { request: aliceRequest() }, BROKER).classification).toBe('identity-mismatch');
  });
});

describe('classifyRoleUse: broker principal forms', () => {
  const grant = (issuerPrincipalArns: string[], event: RoleUse = use('assume-role-by-broker.json')) =>
    classifyRoleUse(event, { request: aliceRequest() }, { issuerPrincipalArns }).classification;

  it('accepts the issuer configured as its IAM role ARN', () => {
    expect(grant([BROKER_ROLE])).toBe('broker-grant');
  });

  it('accepts the issuer configured as an assumed-role session ARN (any session of that role)', () => {
    expect(grant(['arn:aws:sts::999999999999:assumed-role/access-broker-dev-issue-credentials/some-other-session'])).toBe(
      'broker-grant',
    );
  });

  it('accepts the issuer role configured with an IAM path', () => {
    expect(grant(['arn:aws:iam::999999999999:role/service-role/access-broker-dev-issue-credentials'])).toBe('broker-grant');
  });

  it('matches on the caller ARN alone when CloudTrail records no session issuer', () => {
    const { sessionIssuerArn: _dropped, ...event } = use('assume-role-by-broker.json');
    expect(grant([BROKER_ROLE], event)).toBe('broker-grant');
  });

  it('accepts the user issuer mode: an IAM user ARN as the caller', () => {
    const userIssuer = 'arn:aws:iam::999999999999:user/access-broker-issuer';
    const { sessionIssuerArn: _dropped, ...base } = use('assume-role-by-broker.json');
    const event: RoleUse = { ...base, callerArn: userIssuer, callerType: 'IAMUser', caller: userIssuer };
    expect(grant([userIssuer], event)).toBe('broker-grant');
    expect(grant([BROKER_ROLE], event)).toBe('identity-mismatch');
  });

  it('rejects a same-named role in another account', () => {
    expect(grant(['arn:aws:iam::888888888888:role/access-broker-dev-issue-credentials'])).toBe('identity-mismatch');
  });
});

describe('classifyRoleUse: the access window', () => {
  const classifyAt = (eventTime: string, overrides: Partial<AccessRequest> = {}) =>
    classifyRoleUse(brokerUseAt(eventTime), { request: aliceRequest(overrides) }, BROKER);

  const exact = { startsAt: '2024-11-20T14:00:00.000Z', expiresAt: '2024-11-20T16:00:00.000Z' };

  it('counts an event at exactly expiresAt as inside the window', () => {
    expect(classifyAt('2024-11-20T16:00:00Z', exact)).toMatchObject({ classification: 'broker-grant', severity: 'INFO' });
  });

  it('counts an event at exactly startsAt as inside the window', () => {
    expect(classifyAt('2024-11-20T14:00:00Z', exact).classification).toBe('broker-grant');
  });

  it('accepts the broker call stamped up to a minute before startsAt was recorded', () => {
    expect(classifyAt('2024-11-20T13:59:00Z', exact).classification).toBe('broker-grant');
  });

  it('is a WARNING one second after expiry', () => {
    expect(classifyAt('2024-11-20T16:00:01Z', exact)).toMatchObject({
      classification: 'outside-window',
      severity: 'WARNING',
      requestId: REQUEST_ID,
      findings: ['after-window'],
      facts: { gapMs: 1000 },
    });
  });

  it('is a WARNING just under five minutes after expiry and CRITICAL at five', () => {
    expect(classifyAt('2024-11-20T16:04:59Z', exact).severity).toBe('WARNING');
    expect(classifyAt('2024-11-20T16:05:00Z', exact).severity).toBe('CRITICAL');
  });

  it('is a WARNING shortly before the window opened and CRITICAL well before', () => {
    expect(classifyAt('2024-11-20T13:57:00Z', exact)).toMatchObject({ classification: 'outside-window', severity: 'WARNING' });
    const early = classifyAt('2024-11-20T13:50:00Z', exact);
    expect(early.severity).toBe('CRITICAL');
    expect(early.findings).toEqual(['before-window']);
    expect(early.facts).toEqual({ gapMs: 10 * 60_000 });
  });

  it('still counts a use inside the window when the request has expired by the time the alarm runs', () => {
    expect(classifyAt('2024-11-20T15:30:00Z', { ...exact, status: 'EXPIRED' }).classification).toBe('broker-grant');
  });

  it.each<RequestStatus>(['PENDING', 'APPROVED', 'DENIED', 'CANCELLED', 'TIMED_OUT'])(
    'is CRITICAL when the request is %s: it was never issued credentials',
    (status) => {
      const { startsAt: _s, expiresAt: _e, ...rest } = aliceRequest({ status });
      const result = classifyRoleUse(brokerUseAt('2024-11-20T14:03:12Z'), { request: rest }, BROKER);
      expect(result).toMatchObject({
        classification: 'outside-window',
        severity: 'CRITICAL',
        requestId: REQUEST_ID,
        findings: ['never-active'],
      });
    },
  );

  it('is CRITICAL when a FAILED request never got a window', () => {
    const { startsAt: _s, expiresAt: _e, ...rest } = aliceRequest({ status: 'FAILED' });
    expect(classifyRoleUse(brokerUseAt('2024-11-20T14:03:12Z'), { request: rest }, BROKER)).toMatchObject({
      classification: 'outside-window',
      severity: 'CRITICAL',
      findings: ['no-window'],
    });
  });

  it('treats REVOKED as active until the revocation, CRITICAL after it', () => {
    const revoked = {
      ...exact,
      status: 'REVOKED' as const,
      updatedAt: '2024-11-20T15:00:05.000Z',
      history: [...aliceRequest().history, { at: '2024-11-20T15:00:00.000Z', type: 'revoked' as const, by: 'secops@example.com' }],
    };
    expect(classifyAt('2024-11-20T14:30:00Z', revoked).classification).toBe('broker-grant');
    expect(classifyAt('2024-11-20T15:00:01Z', revoked)).toMatchObject({
      classification: 'outside-window',
      severity: 'CRITICAL',
      requestId: REQUEST_ID,
      findings: ['ended-early'],
      facts: { ended: { how: 'revoked', at: '2024-11-20T15:00:00.000Z' } },
    });
  });

  it('falls back to updatedAt when a REVOKED request has no revoked history entry', () => {
    const revoked = { ...exact, status: 'REVOKED' as const, updatedAt: '2024-11-20T15:00:00.000Z' };
    expect(classifyAt('2024-11-20T15:10:00Z', revoked)).toMatchObject({
      severity: 'CRITICAL',
      findings: ['ended-early'],
      facts: { ended: { how: 'revoked', at: '2024-11-20T15:00:00.000Z' } },
    });
  });
});

describe('isRequestIdShaped', () => {
  it.each([REQUEST_ID, '01JD0000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ'])('accepts %s', (id) => {
    expect(isRequestIdShaped(id)).toBe(true);
  });

  it.each([
    ['lower case', '01jd3z8x7q4vwm2n5k6r9t0abc'],
    ['25 characters', '01JD3Z8X7Q4VWM2N5K6R9T0AB'],
    ['27 characters', '01JD3Z8X7Q4VWM2N5K6R9T0ABCD'],
    ['an I', '01JD3Z8X7Q4VWM2N5K6R9T0ABI'],
    ['an L', '01JD3Z8X7Q4VWM2N5K6R9T0ABL'],
    ['an O', '01JD3Z8X7Q4VWM2N5K6R9T0ABO'],
    ['a U', '01JD3Z8X7Q4VWM2N5K6R9T0ABU'],
    ['a human session name', 'mallory-session'],
    ['nothing', ''],
  ])('rejects %s', (_label, id) => {
    expect(isRequestIdShaped(id)).toBe(false);
  });

  it('rejects a missing session name', () => {
    expect(isRequestIdShaped(undefined)).toBe(false);
  });
});

describe('sanitizeSourceIdentity', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['  Alice@Example.COM ', 'alice@example.com'],
    ['bob+ops=1,x@example.com', 'bob+ops=1,x@example.com'],
    ["o'neil@example.com", 'o_neil@example.com'],
    ['josé@example.com', 'jos_@example.com'],
    ['a', 'a_'],
  ])('%j -> %j', (email, expected) => {
    expect(sanitizeSourceIdentity(email)).toBe(expected);
    expect(isValidSourceIdentity(expected)).toBe(true);
  });

  it('cuts to 64 characters', () => {
    const result = sanitizeSourceIdentity(`${'b'.repeat(80)}@example.com`);
    expect(result).toBe('b'.repeat(64));
    expect(isValidSourceIdentity(result)).toBe(true);
  });
});

describe('canonicalPrincipal', () => {
  it.each([
    ['arn:aws:sts::999999999999:assumed-role/Issuer/session-1', 'arn:aws:iam::999999999999:role/issuer'],
    ['arn:aws:iam::999999999999:role/path/to/Issuer', 'arn:aws:iam::999999999999:role/issuer'],
    ['arn:aws:iam::111111111111:user/ops/Mallory', 'arn:aws:iam::111111111111:user/mallory'],
    ['arn:aws-us-gov:sts::123456789012:assumed-role/R/s', 'arn:aws-us-gov:iam::123456789012:role/r'],
    ['arn:aws:iam::111111111111:root', 'arn:aws:iam::111111111111:root'],
    ['not-an-arn', 'not-an-arn'],
  ])('%s -> %s', (arn, expected) => {
    expect(canonicalPrincipal(arn)).toBe(expected);
  });
});

describe('classifyRoleUse: finding codes (what machines and tests read; the sentences are in alarm-wording)', () => {
  const key = (keyId: string) => ({ ...use('assume-role-by-broker.json'), issuedAccessKeyId: keyId });
  it.each([
    ['broker grant', () => classifyRoleUse(use('assume-role-by-broker.json'), { request: aliceRequest() }, BROKER), 'broker-grant', 'INFO', ['request-matches', 'inside-window', 'issuer-caller', 'requester-source-identity', 'issued-key']],
    ['issuer credentials outside the broker', () => classifyRoleUse(key(ROGUE_KEY), { request: aliceRequest() }, BROKER), 'identity-mismatch', 'CRITICAL', ['session-names-request', 'key-not-issued']],
    ['no key recorded', () => classifyRoleUse({ ...use('assume-role-by-broker.json'), issuedAccessKeyId: undefined }, { request: aliceRequest() }, BROKER), 'identity-mismatch', 'CRITICAL', ['session-names-request', 'no-access-key']],
    ['a human out of band', () => classifyRoleUse(use('assume-role-by-human.json'), {}, BROKER), 'out-of-band', 'CRITICAL', ['session-not-request-id', 'caller-not-issuer']],
    ['a chained session as someone else', () => classifyRoleUse(use('assume-role-chained-source-identity.json'), { request: aliceRequest() }, BROKER), 'identity-mismatch', 'CRITICAL', ['session-names-request', 'caller-not-issuer', 'source-identity-mismatch']],
    ['a console switch', () => classifyRoleUse(use('switch-role.json'), { request: aliceRequest() }, BROKER), 'console-switch-role', 'CRITICAL', ['console-switch', 'broker-never-switches']],
    ['the console AssumeRole of a switch', () => classifyRoleUse(use('switch-role-assume-role.json'), {}, BROKER), 'console-switch-role', 'CRITICAL', ['console-switch', 'broker-never-switches']],
    ['the issuer without a request', () => classifyRoleUse({ ...use('assume-role-by-broker.json'), roleSessionName: '01JD3Z8X7Q4VWM2N5K6R9T0XYZ' }, {}, BROKER), 'out-of-band', 'CRITICAL', ['request-not-found', 'issuer-without-request']],
    ['just after expiry', () => classifyRoleUse(brokerUseAt('2024-11-20T16:03:14Z'), { request: aliceRequest() }, BROKER), 'outside-window', 'WARNING', ['after-window']],
    ['a pending request', () => classifyRoleUse(use('assume-role-by-broker.json'), { request: aliceRequest({ status: 'PENDING' as RequestStatus }) }, BROKER), 'outside-window', 'CRITICAL', ['never-active']],
    ['the wrong role, no source identity', () => classifyRoleUse({ ...use('assume-role-by-broker.json'), roleArn: TEMP_ADMIN, sourceIdentity: undefined }, { request: aliceRequest() }, BROKER), 'identity-mismatch', 'CRITICAL', ['session-names-request', 'role-not-requested', 'no-source-identity']],
    ['a failed call classified anyway', () => classifyRoleUse(use('assume-role-failed.json'), {}, BROKER), 'out-of-band', 'CRITICAL', ['session-not-request-id', 'caller-not-issuer', 'call-failed']],
  ] as const)('%s', (_name, classify, classification, severity, findings) => {
    const c = classify();
    expect([c.classification, c.severity, c.findings]).toEqual([classification, severity, findings]);
  });
});

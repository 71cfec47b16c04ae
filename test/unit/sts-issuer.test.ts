import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  AssumeRoleCommand,
  ExpiredTokenException,
  MalformedPolicyDocumentException,
  PackedPolicyTooLargeException,
  RegionDisabledException,
  STSClient,
  STSServiceException,
} from '@aws-sdk/client-sts';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokerErrorName } from '../../shared/adapters/aws-errors';
import { STS_ERROR_CODES } from '../../shared/adapters/sts/sts-errors';
import type { IssuerUserKey } from '../../shared/adapters/sts/issuer-user-key';
import { createStsIssuer } from '../../shared/adapters/sts/sts-issuer';
import { UpstreamError, ValidationError } from '../../shared/domain/errors';
import { createLogger } from '../../shared/log/logger';
import {
  CHAINED_MAX_SESSION_SECONDS,
  EXTERNAL_ID,
  SESSION_POLICY_MAX_CHARS,
  SESSION_TAG_KEYS,
  STS_MAX_SESSION_SECONDS,
  STS_MIN_SESSION_SECONDS,
} from '../../shared/domain/issuance';
import { SOURCE_IDENTITY_MAX_LENGTH, SOURCE_IDENTITY_MIN_LENGTH } from '../../shared/domain/source-identity';
import type { IssueCredentialsInput } from '../../shared/ports';
import { assertMockCallsMatchModel, modelMember, modelViolations } from '../helpers/aws-model';

const ROLE = 'arn:aws:iam::222222222222:role/BrokerReadOnly';
const POLICY = '{"Version":"2012-10-17","Statement":[{"Sid":"EC2","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}';
const REQUEST_ID = '01JNKQ7R8W3V5X2Y4Z6A8B0C1D';
const EXPIRATION = new Date('2025-03-01T11:00:00.000Z');
const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:broker/issuer-user-AbCdEf';
const USER_KEY = { accessKeyId: 'AKIAEXAMPLEUSERKEY01', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

function input(overrides: Partial<IssueCredentialsInput> = {}): IssueCredentialsInput {
  return {
    request: {
      id: REQUEST_ID,
      requester: { sub: 'u-1', email: "o'brien+ops@example.com" },
      roleArn: ROLE,
      account: '222222222222',
      services: ['ec2'],
      target: 'prod-readonly',
    },
    sessionPolicy: POLICY,
    durationSeconds: 3600,
    issuer: 'chained',
    ...overrides,
  };
}

const credentialsOut = {
  Credentials: {
    AccessKeyId: 'ASIAEXAMPLEISSUED001',
    SecretAccessKey: 'issued-secret',
    SessionToken: 'issued-token',
    Expiration: EXPIRATION,
  },
  PackedPolicySize: 12,
};

function awsError(name: string, status = 400) {
  return new STSServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `raw ${name} text with internals` });
}

describe('createStsIssuer', () => {
  const lambdaSts = new STSClient({ region: 'eu-west-1' });
  const userSts = new STSClient({ region: 'eu-west-1' });
  const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
  const lambdaMock = mockClient(lambdaSts);
  const userMock = mockClient(userSts);
  const secretsMock = mockClient(secrets);
  let logLines: string[];
  let userKeys: IssuerUserKey[];

  // A fresh Powertools provider (and cache) per issuer, on the mocked client.
  const issuer = () =>
    createStsIssuer({
      sts: lambdaSts,
      userKey: { provider: new SecretsProvider({ awsSdkV3Client: secrets }), secretId: SECRET_ID, maxAgeSeconds: 300 },
      userStsClient: (key) => {
        userKeys.push(key);
        return userSts;
      },
      logger: createLogger({ write: (line) => logLines.push(line) }),
    });

  beforeEach(() => {
    lambdaMock.reset();
    userMock.reset();
    secretsMock.reset();
    logLines = [];
    userKeys = [];
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(USER_KEY) });
  });

  // Every AssumeRole and GetSecretValue any test below sends must be one STS / Secrets Manager accept.
  afterEach(() => {
    assertMockCallsMatchModel(lambdaMock, userMock, secretsMock);
  });

  it('chained: sends the exact AssumeRole input on the Lambda client and returns chained credentials', async () => {
    lambdaMock.on(AssumeRoleCommand).resolves(credentialsOut);
    const result = await issuer().issue(input({ externalId: 'ext-abc-123' }));

    expect(lambdaMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      {
        RoleArn: ROLE,
        RoleSessionName: REQUEST_ID,
        Policy: POLICY,
        DurationSeconds: 3600,
        SourceIdentity: 'o_brien+ops@example.com',
        Tags: [
          { Key: 'request-id', Value: REQUEST_ID },
          { Key: 'requester', Value: 'o_brien+ops@example.com' },
        ],
        ExternalId: 'ext-abc-123',
      },
    ]);
    expect(userMock.calls()).toHaveLength(0);
    expect(secretsMock.calls()).toHaveLength(0);
    expect(result).toEqual({
      accessKeyId: 'ASIAEXAMPLEISSUED001',
      secretAccessKey: 'issued-secret',
      sessionToken: 'issued-token',
      expiration: '2025-03-01T11:00:00.000Z',
      chained: true,
    });
  });

  it('sends no ExternalId key at all when the target has none', async () => {
    lambdaMock.on(AssumeRoleCommand).resolves(credentialsOut);
    await issuer().issue(input());
    const sent = lambdaMock.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect('ExternalId' in sent).toBe(false);
  });

  it('sanitises a 70-character requester email to a 64-character SourceIdentity', async () => {
    lambdaMock.on(AssumeRoleCommand).resolves(credentialsOut);
    const email = `${'b'.repeat(58)}@example.com`;
    await issuer().issue(input({ request: { ...input().request, requester: { sub: 'u', email } } }));
    const sent = lambdaMock.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(sent.SourceIdentity).toBe(`${'b'.repeat(58)}@examp`);
    expect(sent.Tags).toEqual([
      { Key: 'request-id', Value: REQUEST_ID },
      { Key: 'requester', Value: email },
    ]);
  });

  it('user: assumes with a client on the IAM user key, reading the secret once across two issues', async () => {
    userMock.on(AssumeRoleCommand).resolves(credentialsOut);
    const broker = issuer();
    const first = await broker.issue(input({ issuer: 'user', durationSeconds: 43200 }));
    const second = await broker.issue(input({ issuer: 'user', durationSeconds: 7200 }));

    expect(secretsMock.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: SECRET_ID }]);
    expect(userKeys).toEqual([USER_KEY]);
    expect(userMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.DurationSeconds)).toEqual([43200, 7200]);
    expect(lambdaMock.calls()).toHaveLength(0);
    expect(first.chained).toBe(false);
    expect(second.chained).toBe(false);
  });

  describe('after the issuer key is rotated', () => {
    const ROTATED = { accessKeyId: 'AKIAEXAMPLEUSERKEY02', secretAccessKey: 'rotatedSecretKeyValue/EXAMPLEKEY000000000' };
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2025-03-01T10:00:00.000Z'));
    });
    afterEach(() => vi.useRealTimers());

    it('keeps the cached key until maxAge, then reads the secret again and uses the new key', async () => {
      userMock.on(AssumeRoleCommand).resolves(credentialsOut);
      const broker = issuer();
      await broker.issue(input({ issuer: 'user' }));
      secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(ROTATED) });

      vi.setSystemTime(new Date('2025-03-01T10:04:59.000Z'));
      await broker.issue(input({ issuer: 'user' }));
      expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(userKeys).toEqual([USER_KEY]);

      vi.setSystemTime(new Date('2025-03-01T10:05:01.000Z'));
      await broker.issue(input({ issuer: 'user' }));
      expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
      expect(userKeys).toEqual([USER_KEY, ROTATED]);
      expect(userMock.commandCalls(AssumeRoleCommand)).toHaveLength(3);
    });
  });

  it('user: a failed secret read is retried on the next issue rather than cached', async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ $metadata: {}, message: 'nope' }))
      .resolves({ SecretString: JSON.stringify(USER_KEY) });
    userMock.on(AssumeRoleCommand).resolves(credentialsOut);
    const broker = issuer();
    await expect(broker.issue(input({ issuer: 'user' }))).rejects.toMatchObject({ code: 'ISSUER_SECRET_UNREADABLE' });
    await expect(broker.issue(input({ issuer: 'user' }))).resolves.toMatchObject({ chained: false });
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it.each([
    ['not json', 'not json'],
    ['missing secret key', JSON.stringify({ accessKeyId: USER_KEY.accessKeyId })],
    ['temporary key id', JSON.stringify({ ...USER_KEY, accessKeyId: 'ASIAEXAMPLEUSERKEY01' })],
  ])('user: refuses an invalid secret (%s) without quoting it', async (_label, secretString) => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    const error = await issuer().issue(input({ issuer: 'user' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('ISSUER_SECRET_INVALID');
    expect((error as UpstreamError).message).not.toContain(USER_KEY.secretAccessKey);
    expect((error as UpstreamError).message).not.toContain(USER_KEY.accessKeyId);
  });

  it('user: says so when no issuer secret is configured', async () => {
    const broker = createStsIssuer({ sts: lambdaSts, logger: createLogger({ write: () => {} }) });
    await expect(broker.issue(input({ issuer: 'user' }))).rejects.toMatchObject({ code: 'USER_ISSUER_NOT_CONFIGURED' });
  });

  it('refuses a chained duration over 3600 before calling STS', async () => {
    const error = await issuer().issue(input({ durationSeconds: 7200 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('DURATION_OUT_OF_RANGE');
    expect(lambdaMock.calls()).toHaveLength(0);
  });

  it.each([
    [awsError('AccessDenied', 403), 'TARGET_ROLE_ACCESS_DENIED', BrokerErrorName.UPSTREAM, false],
    [new PackedPolicyTooLargeException({ $metadata: {}, message: 'raw' }), 'SESSION_POLICY_TOO_LARGE', BrokerErrorName.UPSTREAM, false],
    [new RegionDisabledException({ $metadata: {}, message: 'raw' }), 'STS_REGION_DISABLED', BrokerErrorName.UPSTREAM, false],
    [awsError('Throttling'), 'STS_THROTTLED', BrokerErrorName.THROTTLED, true],
    [awsError('ThrottlingException'), 'STS_THROTTLED', BrokerErrorName.THROTTLED, true],
    [awsError('RequestLimitExceeded'), 'STS_THROTTLED', BrokerErrorName.THROTTLED, true],
    [new MalformedPolicyDocumentException({ $metadata: {}, message: 'raw' }), 'SESSION_POLICY_MALFORMED', BrokerErrorName.UPSTREAM, false],
    [new ExpiredTokenException({ $metadata: {}, message: 'raw' }), 'STS_CALLER_TOKEN_EXPIRED', BrokerErrorName.TRANSIENT, true],
    [awsError('InvalidClientTokenId', 403), 'ISSUER_KEY_INVALID', BrokerErrorName.UPSTREAM, false],
    [awsError('SignatureDoesNotMatch', 403), 'ISSUER_KEY_INVALID', BrokerErrorName.UPSTREAM, false],
    // The JSON-protocol services' name for an unknown key; STS (query protocol) never sends it.
    [awsError('UnrecognizedClientException', 403), 'STS_ERROR', BrokerErrorName.UPSTREAM, false],
    [awsError('AccessDeniedException', 403), 'TARGET_ROLE_ACCESS_DENIED', BrokerErrorName.UPSTREAM, false],
    [awsError('ValidationError'), 'STS_REQUEST_REJECTED', BrokerErrorName.UPSTREAM, false],
    [awsError('InternalFailure', 500), 'STS_UNAVAILABLE', BrokerErrorName.TRANSIENT, true],
    [awsError('SomethingNew'), 'STS_ERROR', BrokerErrorName.UPSTREAM, false],
    [new Error('socket hang up'), 'STS_ERROR', BrokerErrorName.UPSTREAM, false],
  ])('maps %s to %s', async (thrown, code, name, retryable) => {
    lambdaMock.on(AssumeRoleCommand).rejects(thrown);
    const error = await issuer().issue(input()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code, name, retryable });
    // AWS's raw text stays in the logs, not in what callers see.
    expect((error as Error).message).not.toContain('raw');
    expect((error as Error).message).not.toContain('socket');
  });

  it('names the role and the likely causes on AccessDenied', async () => {
    lambdaMock.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 403));
    const error = (await issuer().issue(input()).catch((e: unknown) => e)) as UpstreamError;
    expect(error.message).toContain(ROLE);
    expect(error.message).toContain('trust policy');
    expect(error.message).toContain('ExternalId');
    expect(error.message).toContain('sts:SetSourceIdentity');
    expect(error.message).toContain('sts:TagSession');
  });

  it('logs a failure with the AWS code but no secrets', async () => {
    lambdaMock.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 403));
    await issuer().issue(input({ externalId: 'ext-abc-123' })).catch(() => undefined);
    expect(logLines).toHaveLength(1);
    const line = JSON.parse(logLines[0]!);
    expect(line).toMatchObject({ level: 'warn', msg: 'AssumeRole failed', requestId: REQUEST_ID, awsError: 'AccessDenied', code: 'TARGET_ROLE_ACCESS_DENIED' });
    expect(logLines[0]).not.toContain('ext-abc-123');
  });

  it('warns without secrets when PackedPolicySize is over 90 percent', async () => {
    lambdaMock.on(AssumeRoleCommand).resolves({ ...credentialsOut, PackedPolicySize: 93 });
    await issuer().issue(input());
    expect(logLines).toHaveLength(1);
    expect(JSON.parse(logLines[0]!)).toMatchObject({
      level: 'warn',
      msg: 'Session policy is close to the STS packed size limit',
      requestId: REQUEST_ID,
      packedPolicySizePercent: 93,
    });
    expect(logLines[0]).not.toContain('issued-secret');
    expect(logLines[0]).not.toContain('issued-token');
  });

  it('stays quiet at 90 percent', async () => {
    lambdaMock.on(AssumeRoleCommand).resolves({ ...credentialsOut, PackedPolicySize: 90 });
    await issuer().issue(input());
    expect(logLines).toEqual([]);
  });

  it('fails clearly when STS answers without credentials', async () => {
    lambdaMock.on(AssumeRoleCommand).resolves({});
    await expect(issuer().issue(input())).rejects.toMatchObject({ code: 'STS_ERROR' });
  });
});

describe('AssumeRole parameters against the STS model', () => {
  const sts = new STSClient({ region: 'eu-west-1' });
  const stsMock = mockClient(sts);
  const issue = (overrides: Partial<IssueCredentialsInput>) =>
    createStsIssuer({ sts, logger: createLogger({ write: () => {} }) }).issue(input(overrides));

  beforeEach(() => {
    stsMock.reset();
    stsMock.on(AssumeRoleCommand).resolves(credentialsOut);
  });

  it.each([
    ['an apostrophe and a plus sign', "o'brien+ops@example.com"],
    ['non-ASCII letters', 'zoë.ångström@exämple.com'],
    ['a 300-character address', `${'x'.repeat(288)}@example.com`],
    ['a comma and a space', '"doe, jane"@example.com'],
    ['a two-character address', 'a@'],
  ])('requester email with %s: the AssumeRole sent is one STS accepts', async (_label, email) => {
    await issue({ request: { ...input().request, requester: { sub: 'u', email } } });
    expect(assertMockCallsMatchModel(stsMock)).toBe(1);
  });

  it('the longest inline policy and the 12-hour user session are inside the model too', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*', Sid: '' }] });
    const padded = policy.replace('"Sid":""', `"Sid":"${'a'.repeat(SESSION_POLICY_MAX_CHARS - policy.length)}"`);
    expect(padded).toHaveLength(SESSION_POLICY_MAX_CHARS);
    await issue({ sessionPolicy: padded, externalId: 'e'.repeat(1224) });
    expect(assertMockCallsMatchModel(stsMock)).toBe(1);
  });

  it('the check can fail: the same input with a 65-character session name is rejected', () => {
    const sent = stsMock.commandCalls(AssumeRoleCommand);
    expect(sent).toHaveLength(0);
    const params = { RoleArn: ROLE, RoleSessionName: 'r'.repeat(65), Policy: POLICY, DurationSeconds: 3600 };
    expect(modelViolations('sts', 'AssumeRole', params)).toEqual([
      'MaxRangeError: Expected string length <= 64, but found 65 for AssumeRole.RoleSessionName',
    ]);
  });

  // The domain checks AssumeRole's rules before calling STS, to name the field at fault: its
  // limits must be the model's, not a belief.
  it.each([
    ['DurationSeconds', 'min', STS_MIN_SESSION_SECONDS],
    ['DurationSeconds', 'max', STS_MAX_SESSION_SECONDS],
    ['SourceIdentity', 'min', SOURCE_IDENTITY_MIN_LENGTH],
    ['SourceIdentity', 'max', SOURCE_IDENTITY_MAX_LENGTH],
    ['RoleSessionName', 'min', 2],
    ['RoleSessionName', 'max', 64],
    ['ExternalId', 'min', Number(/\{(\d+),/.exec(EXTERNAL_ID.source)![1])],
    ['ExternalId', 'max', Number(/,(\d+)\}/.exec(EXTERNAL_ID.source)![1])],
    ['Tags[].Value', 'max', 256],
  ] as const)('the domain limit on %s (%s) is the model\'s', (member, bound, value) => {
    expect(modelMember('sts', 'AssumeRole', member)[bound]).toBe(value);
  });

  it("the model leaves Policy's length open; the domain's 2,048-character cap is AssumeRole's documented plaintext limit", () => {
    expect(modelMember('sts', 'AssumeRole', 'Policy')).toMatchObject({ min: 1, max: undefined });
    expect(SESSION_POLICY_MAX_CHARS).toBe(2048);
  });

  it('the 1-hour role-chaining cap is inside the model range', () => {
    const { min, max } = modelMember('sts', 'AssumeRole', 'DurationSeconds');
    expect(CHAINED_MAX_SESSION_SECONDS).toBeGreaterThanOrEqual(min!);
    expect(CHAINED_MAX_SESSION_SECONDS).toBeLessThanOrEqual(max!);
  });

  it('the session tag keys are valid tag keys', () => {
    const tags = SESSION_TAG_KEYS.map((Key) => ({ Key, Value: 'v' }));
    expect(modelViolations('sts', 'AssumeRole', { RoleArn: ROLE, RoleSessionName: 'rs', Tags: tags })).toEqual([]);
  });

  it('STS_ERROR_CODES names each mapped code once', () => {
    expect(new Set(Object.values(STS_ERROR_CODES)).size).toBe(Object.keys(STS_ERROR_CODES).length);
  });
});

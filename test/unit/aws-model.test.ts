import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  assertCommandMatchesModel,
  attachModelValidation,
  commandOperation,
  MODEL_SERVICES,
  modelErrors,
  modelMember,
  modelProtocol,
  modelSource,
  ModelValidationError,
  modelViolations,
} from '../helpers/aws-model';

/** The checker itself: it must reject what AWS would reject, or every test built on it proves nothing. */

const ROLE = 'arn:aws:iam::222222222222:role/BrokerReadOnly';
const validAssumeRole = {
  RoleArn: ROLE,
  RoleSessionName: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D',
  Policy: '{"Version":"2012-10-17","Statement":[]}',
  DurationSeconds: 3600,
  SourceIdentity: 'alice@example.com',
  Tags: [{ Key: 'request-id', Value: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D' }],
};

describe('the model files', () => {
  it.each(MODEL_SERVICES)('%s carries the constraints aws-sdk v2 min.json drops, and its provenance', (service) => {
    expect(modelSource(service)).toMatch(/^botocore \d+\.\d+\.\d+, data\/[a-z0-9]+\/\d{4}-\d{2}-\d{2}\/service-2\.json/);
    expect(['query', 'json']).toContain(modelProtocol(service));
  });

  it('states the limits AWS documents (spot checks)', () => {
    expect(modelMember('sts', 'AssumeRole', 'RoleSessionName')).toMatchObject({ min: 2, max: 64, pattern: '[\\w+=,.@-]*' });
    expect(modelMember('sts', 'AssumeRole', 'DurationSeconds')).toMatchObject({ min: 900, max: 43200 });
    expect(modelMember('sts', 'AssumeRole', 'Tags[].Value')).toMatchObject({ max: 256 });
    expect(modelMember('kms', 'GenerateDataKey', 'KeySpec').enum).toEqual(['AES_256', 'AES_128']);
    expect(modelMember('sfn', 'SendTaskFailure', 'error')).toMatchObject({ max: 256 });
    expect(modelMember('sfn', 'SendTaskFailure', 'cause')).toMatchObject({ max: 32768 });
    expect(modelMember('dynamodb', 'Query', 'Limit')).toMatchObject({ min: 1 });
    expect(modelErrors('sts', 'AssumeRole')).toEqual([
      'MalformedPolicyDocumentException',
      'PackedPolicyTooLargeException',
      'RegionDisabledException',
      'ExpiredTokenException',
    ]);
  });

  it('refuses an operation that is not in the fixtures, saying how to add it', () => {
    expect(() => modelViolations('sts', 'GetCallerIdentity', {})).toThrow(/scripts\/aws-models\.ts/);
  });
});

describe('modelViolations', () => {
  it('accepts a valid AssumeRole input', () => {
    expect(modelViolations('sts', 'AssumeRole', validAssumeRole)).toEqual([]);
  });

  it.each([
    ['a RoleSessionName over 64 characters', { RoleSessionName: 'r'.repeat(65) }, /MaxRangeError: .*<= 64, but found 65 for AssumeRole\.RoleSessionName/],
    ['a RoleSessionName under 2 characters', { RoleSessionName: 'r' }, /MinRangeError: .*>= 2, but found 1 for AssumeRole\.RoleSessionName/],
    // The pattern [\w+=,.@-]* matches the empty prefix of anything: only a whole-value match catches this.
    ['a RoleSessionName with a space', { RoleSessionName: 'req 1' }, /PatternMatchError: AssumeRole\.RoleSessionName "req 1"/],
    ['a SourceIdentity with an apostrophe', { SourceIdentity: "o'brien@example.com" }, /PatternMatchError: AssumeRole\.SourceIdentity/],
    ['a session tag value with a comma', { Tags: [{ Key: 'requester', Value: 'a,b' }] }, /PatternMatchError: AssumeRole\.Tags\[0\]\.Value/],
    ['DurationSeconds above 12 hours', { DurationSeconds: 43_201 }, /MaxRangeError: .*<= 43200, but found 43201 for AssumeRole\.DurationSeconds/],
    ['DurationSeconds as a string', { DurationSeconds: 'soon' }, /InvalidParameterType: Expected AssumeRole\.DurationSeconds to be a number/],
    ['a policy with a character above U+00FF', { Policy: '{"Sid":"\u2603"}' }, /PatternMatchError: AssumeRole\.Policy/],
    ['a misspelt member', { RoleSesionName: 'x' }, /UnexpectedParameter: Unexpected key 'RoleSesionName'/],
  ])('rejects %s', (_label, change, message) => {
    const violations = modelViolations('sts', 'AssumeRole', { ...validAssumeRole, ...change });
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatch(message);
  });

  it('rejects a missing required member', () => {
    const { RoleArn: _omitted, ...rest } = validAssumeRole;
    expect(modelViolations('sts', 'AssumeRole', rest)).toEqual(["MissingRequiredParameter: Missing required key 'RoleArn' in AssumeRole"]);
  });

  it('rejects a value outside an enum', () => {
    expect(modelViolations('kms', 'GenerateDataKey', { KeyId: 'alias/broker', KeySpec: 'AES_512' })).toEqual([
      'EnumError: Found string value of AES_512, but expected AES_256|AES_128 for GenerateDataKey.KeySpec',
    ]);
  });

  it('checks the byte length of binary members', () => {
    expect(modelViolations('kms', 'Decrypt', { CiphertextBlob: new Uint8Array(0) })).toEqual([
      'MinRangeError: Expected byte length >= 1, but found 0 for Decrypt.CiphertextBlob',
    ]);
    expect(modelViolations('kms', 'Decrypt', { CiphertextBlob: new Uint8Array(6145) })).toEqual([
      'MaxRangeError: Expected byte length <= 6144, but found 6145 for Decrypt.CiphertextBlob',
    ]);
  });

  it('reports every violation at once', () => {
    expect(modelViolations('sfn', 'SendTaskFailure', { error: 'e'.repeat(257), cause: 'c'.repeat(32_769) })).toHaveLength(3);
  });

  it('treats an undefined optional member as absent, as the SDK does', () => {
    expect(modelViolations('dynamodb', 'Query', { TableName: 'broker', ExclusiveStartKey: undefined })).toEqual([]);
  });
});

describe('assertCommandMatchesModel', () => {
  it('reads the service and operation from an SDK v3 command', () => {
    expect(commandOperation(new AssumeRoleCommand(validAssumeRole))).toEqual({ service: 'sts', operation: 'AssumeRole' });
    expect(commandOperation(new GenerateDataKeyCommand({ KeyId: 'k' }))).toEqual({ service: 'kms', operation: 'GenerateDataKey' });
  });

  it('throws a ModelValidationError naming the operation and the rule', () => {
    const error = (() => {
      try {
        assertCommandMatchesModel(new AssumeRoleCommand({ ...validAssumeRole, RoleSessionName: 'r'.repeat(65) }));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as Error).message).toContain('sts AssumeRole input breaks the AWS model');
    expect((error as Error).message).toContain('AssumeRole.RoleSessionName');
  });

  it('will not check a document command before it is marshalled', () => {
    expect(() => assertCommandMatchesModel(new PutCommand({ TableName: 't', Item: { pk: 'x' } }))).toThrow(/attachModelValidation/);
  });
});

describe('attachModelValidation', () => {
  // Nothing listens on port 9: a command that got past the check would fail with a network error.
  const offline = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };

  it('stops a command the model rejects before it is sent, and records it', async () => {
    const sts = new STSClient(offline);
    const log = attachModelValidation(sts);
    const sent = sts.send(new AssumeRoleCommand({ ...validAssumeRole, RoleSessionName: 'r'.repeat(65) }));
    await expect(sent).rejects.toBeInstanceOf(ModelValidationError);
    expect(log.sent.map((s) => s.operation)).toEqual(['AssumeRole']);
    expect(log.violations).toHaveLength(1);
  });

  it('lets a valid command through to the network', async () => {
    const sns = new SNSClient(offline);
    const log = attachModelValidation(sns);
    const error = await sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t', Message: 'm' })).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ModelValidationError);
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(log.violations).toEqual([]);
  });

  it('checks a document command after marshalling, at the DynamoDB client underneath', async () => {
    const client = new DynamoDBClient(offline);
    const log = attachModelValidation(client);
    const doc = DynamoDBDocumentClient.from(client);
    const put = { TableName: 'broker', Item: { pk: 'a', n: 1 } };
    const error = await doc.send(new PutCommand({ ...put, ReturnValues: 'EVERYTHING' as never })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as ModelValidationError).violations).toEqual([expect.stringMatching(/^EnumError: .* for PutItem\.ReturnValues$/)]);
    // What was checked is the marshalled low-level input, as DynamoDB receives it.
    expect(log.sent[0]).toEqual({ operation: 'PutItem', input: { TableName: 'broker', Item: { pk: { S: 'a' }, n: { N: '1' } }, ReturnValues: 'EVERYTHING' } });
    // And a valid one passes the check and reaches the network.
    const offlineError = await doc.send(new PutCommand(put)).catch((e: unknown) => e);
    expect((offlineError as { code?: string }).code).toBe('ECONNREFUSED');
    expect(log.violations).toHaveLength(1);
  });

  it('refuses a client it has no model for', () => {
    expect(() => attachModelValidation({ config: { serviceId: 'EC2' }, middlewareStack: new STSClient({}).middlewareStack })).toThrow(/no model/);
  });
});

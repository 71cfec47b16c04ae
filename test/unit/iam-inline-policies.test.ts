/**
 * The IAM side of session denies: exact parameters of every IAM and STS call, each checked
 * against IAM's published model (test/fixtures/aws-models/iam.json, from botocore), and every
 * error the model lists for these operations mapped to a clear message.
 */
import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mapIamError } from '../../shared/adapters/iam/iam-errors';
import {
  iamInlinePolicies,
  roleNameOf,
  SESSION_DENY_SESSION_NAME,
  targetAccountInlinePolicies,
} from '../../shared/adapters/iam/iam-inline-policies';
import { createSessionDenies } from '../../shared/adapters/iam/session-denies';
import { SESSION_DENY_POLICY_NAME } from '../../shared/domain/session-deny';
import { assertMatchesModel, assertMockCallsMatchModel, modelErrors } from '../helpers/aws-model';

/** Throws unless IAM's model accepts the input (required, types, min/max, patterns matched whole). */
const assertIamModel = (operation: string, input: unknown): void => assertMatchesModel('iam', operation, input);

const ROLE = 'arn:aws:iam::111111111111:role/team/BrokerReadOnly';
const NOW = new Date('2026-11-29T00:10:00Z');
const A = '01JNKQ7R8W3V5X2Y4Z6A8B0C1D';
const base = '{"Version":"2012-10-17","Statement":[{"Sid":"EC2","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}';

const iamMock = mockClient(IAMClient);
const stsMock = mockClient(STSClient);
// Class-level mocks patch every client of the class: undo them for the files that share this worker.
afterAll(() => {
  iamMock.restore();
  stsMock.restore();
});
beforeEach(() => {
  iamMock.reset();
  stsMock.reset();
});
afterEach(() => {
  // Every IAM and STS call the adapters made is one the model accepts.
  assertMockCallsMatchModel(iamMock, stsMock);
});

const awsError = (name: string, status = 400) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('the model check itself', () => {
  it('accepts real inputs and rejects what IAM would', () => {
    expect(() => assertIamModel('PutRolePolicy', { RoleName: 'R', PolicyName: 'P', PolicyDocument: '{}' })).not.toThrow();
    expect(() => assertIamModel('PutRolePolicy', { RoleName: 'team/R', PolicyName: 'P', PolicyDocument: '{}' })).toThrow(/RoleName/);
    expect(() => assertIamModel('GetRolePolicy', { RoleName: 'R' })).toThrow(/PolicyName/);
    expect(() => assertIamModel('PutRolePolicy', { RoleName: 'R', PolicyName: 'P', PolicyDocument: 'é€' })).toThrow(/PolicyDocument/);
  });
});

describe('iamInlinePolicies: exact calls', () => {
  it('takes the role name from the ARN, without its path', () => {
    expect(roleNameOf(ROLE)).toBe('BrokerReadOnly');
    expect(() => roleNameOf('arn:aws:iam::111111111111:user/BrokerReadOnly')).toThrow(/roleArn must be an IAM role ARN/);
  });

  it('lists every page of ListRolePolicies', async () => {
    iamMock
      .on(ListRolePoliciesCommand, { RoleName: 'BrokerReadOnly' })
      .resolvesOnce({ PolicyNames: ['A'], IsTruncated: true, Marker: 'm1' })
      .resolvesOnce({ PolicyNames: ['B'], IsTruncated: false });
    expect(await iamInlinePolicies(new IAMClient({ region: 'us-east-1' }), ROLE).list()).toEqual(['A', 'B']);
    expect(iamMock.commandCalls(ListRolePoliciesCommand).map((c) => c.args[0].input)).toEqual([
      { RoleName: 'BrokerReadOnly' },
      { RoleName: 'BrokerReadOnly', Marker: 'm1' },
    ]);
  });

  it('URL-decodes GetRolePolicy documents and reads NoSuchEntity as absent', async () => {
    iamMock.on(GetRolePolicyCommand, { PolicyName: 'Base' }).resolves({ RoleName: 'BrokerReadOnly', PolicyName: 'Base', PolicyDocument: encodeURIComponent(base) });
    iamMock.on(GetRolePolicyCommand, { PolicyName: 'Gone' }).rejects(awsError('NoSuchEntityException', 404));
    const policies = iamInlinePolicies(new IAMClient({ region: 'us-east-1' }), ROLE);
    expect(await policies.get('Base')).toBe(base);
    expect(await policies.get('Gone')).toBeUndefined();
    expect(iamMock.commandCalls(GetRolePolicyCommand)[0]!.args[0].input).toEqual({ RoleName: 'BrokerReadOnly', PolicyName: 'Base' });
  });

  it('puts and deletes with exactly RoleName, PolicyName (and PolicyDocument); a policy already gone is fine', async () => {
    iamMock.on(PutRolePolicyCommand).resolves({});
    iamMock.on(DeleteRolePolicyCommand).rejects(awsError('NoSuchEntityException', 404));
    const policies = iamInlinePolicies(new IAMClient({ region: 'us-east-1' }), ROLE);
    await policies.put(SESSION_DENY_POLICY_NAME, base);
    await policies.delete(SESSION_DENY_POLICY_NAME);
    expect(iamMock.commandCalls(PutRolePolicyCommand)[0]!.args[0].input).toEqual({
      RoleName: 'BrokerReadOnly',
      PolicyName: 'AccessBrokerEndedSessions',
      PolicyDocument: base,
    });
    expect(iamMock.commandCalls(DeleteRolePolicyCommand)[0]!.args[0].input).toEqual({
      RoleName: 'BrokerReadOnly',
      PolicyName: 'AccessBrokerEndedSessions',
    });
  });
});

describe('IAM errors', () => {
  const cases: [string, string, string, RegExp][] = [
    ['PutRolePolicy', 'LimitExceededException', 'SESSION_DENY_LIMIT_EXCEEDED', /over the role's inline policy size limit \(10,240 characters/],
    ['PutRolePolicy', 'MalformedPolicyDocumentException', 'SESSION_DENY_MALFORMED', /malformed policy document/],
    ['PutRolePolicy', 'NoSuchEntityException', 'SESSION_DENY_ROLE_NOT_FOUND', /IAM has no role arn:aws:iam::111111111111:role\/team\/BrokerReadOnly/],
    ['PutRolePolicy', 'UnmodifiableEntityException', 'SESSION_DENY_UNMODIFIABLE_ROLE', /service-linked/],
    ['PutRolePolicy', 'ServiceFailureException', 'SESSION_DENY_UNAVAILABLE', /transient/],
    ['ListRolePolicies', 'NoSuchEntityException', 'SESSION_DENY_ROLE_NOT_FOUND', /IAM has no role/],
    ['ListRolePolicies', 'ServiceFailureException', 'SESSION_DENY_UNAVAILABLE', /transient/],
    ['GetRolePolicy', 'ServiceFailureException', 'SESSION_DENY_UNAVAILABLE', /transient/],
    ['DeleteRolePolicy', 'LimitExceededException', 'SESSION_DENY_LIMIT_EXCEEDED', /size limit/],
    ['DeleteRolePolicy', 'UnmodifiableEntityException', 'SESSION_DENY_UNMODIFIABLE_ROLE', /cannot end sessions/],
    ['DeleteRolePolicy', 'ServiceFailureException', 'SESSION_DENY_UNAVAILABLE', /transient/],
  ];

  it('covers every error the model lists for the four operations', () => {
    const covered = new Set(cases.map(([op, error]) => `${op}:${error}`));
    const special = new Set(['GetRolePolicy:NoSuchEntityException', 'DeleteRolePolicy:NoSuchEntityException']);
    const listed = ['ListRolePolicies', 'GetRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy'].flatMap((op) => modelErrors('iam', op).map((e) => `${op}:${e}`));
    expect(listed.filter((k) => !covered.has(k) && !special.has(k))).toEqual([]);
  });

  it.each(cases)('%s %s -> %s', (operation, name, code, message) => {
    const status = name === 'ServiceFailureException' ? 500 : 400;
    const error = mapIamError(awsError(name, status), { operation: operation as 'PutRolePolicy', roleArn: ROLE, policyName: SESSION_DENY_POLICY_NAME });
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.retryable).toBe(code === 'SESSION_DENY_UNAVAILABLE');
  });

  it.each([
    ['AccessDenied', 'SESSION_DENY_ACCESS_DENIED', false, /iam:ListRolePolicies, iam:GetRolePolicy, iam:PutRolePolicy and iam:DeleteRolePolicy/],
    ['Throttling', 'SESSION_DENY_THROTTLED', true, /throttled/],
    ['SomethingNew', 'SESSION_DENY_IAM_ERROR', false, /see the broker's logs/],
  ])('%s -> %s', (name, code, retryable, message) => {
    const error = mapIamError(awsError(name), { operation: 'GetRolePolicy', roleArn: ROLE });
    expect([error.code, error.retryable]).toEqual([code, retryable]);
    expect(error.message).toMatch(message);
    // AWS's own text is not passed on.
    expect(error.message).not.toContain(name);
  });

  it('PutRolePolicy LimitExceeded names the document size', async () => {
    iamMock.on(PutRolePolicyCommand).rejects(awsError('LimitExceededException'));
    await expect(iamInlinePolicies(new IAMClient({ region: 'us-east-1' }), ROLE).put('P', base)).rejects.toThrow(`P (${base.length} characters)`);
  });
});

describe('endSessions over IAM', () => {
  it('lists, reads the others for the budget, puts the deny and reads it back: these calls, in this order', async () => {
    let stored: string | undefined;
    iamMock.on(ListRolePoliciesCommand).callsFake(() => ({ PolicyNames: stored ? ['Base', SESSION_DENY_POLICY_NAME] : ['Base'], IsTruncated: false }));
    iamMock.on(GetRolePolicyCommand, { PolicyName: 'Base' }).resolves({ PolicyDocument: encodeURIComponent(base) });
    iamMock.on(GetRolePolicyCommand, { PolicyName: SESSION_DENY_POLICY_NAME }).callsFake(() => {
      if (!stored) throw awsError('NoSuchEntityException', 404);
      return { PolicyDocument: encodeURIComponent(stored) };
    });
    iamMock.on(PutRolePolicyCommand).callsFake((input: { PolicyDocument: string }) => {
      stored = input.PolicyDocument;
      return {};
    });
    const denies = createSessionDenies({ policiesFor: async (arn) => iamInlinePolicies(new IAMClient({ region: 'us-east-1' }), arn) });
    const result = await denies.endSessions(ROLE, [{ requestId: A, until: new Date('2026-11-29T01:00:00Z') }], NOW);
    expect(result).toMatchObject({ outcome: 'written', listed: 1, attempts: 1, totalChars: base.length + stored!.length });
    expect(iamMock.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name)).toEqual([
      'ListRolePoliciesCommand',
      'GetRolePolicyCommand',
      'PutRolePolicyCommand',
      'GetRolePolicyCommand',
    ]);
    expect(JSON.parse(stored!).Statement[0].Condition.StringLike['aws:userid']).toEqual([`*:${A}`]);
  });
});

describe('targetAccountInlinePolicies: cross-account through the session-deny role', () => {
  const credentials = { AccessKeyId: 'ASIAEXAMPLEEXAMPLE12', SecretAccessKey: 's'.repeat(40), SessionToken: 'token', Expiration: new Date('2026-11-29T00:25:00Z') };

  it("assumes the target's session-deny role with the ExternalId, once per session-deny role, and signs IAM calls with it", async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: credentials });
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
    const configs: unknown[] = [];
    const policiesFor = targetAccountInlinePolicies({
      sts: new STSClient({ region: 'eu-west-1' }),
      sessionDenyRoleArn: (roleArn) => `arn:aws:iam::${roleArn.split(':')[4]}:role/AccessBrokerSessionDeny`,
      externalId: () => 'ext-7f3a9c',
      iamClient: (config) => {
        configs.push(config);
        return new IAMClient(config);
      },
    });
    await policiesFor(ROLE);
    expect(configs).toHaveLength(1);
    await (await policiesFor(ROLE)).list();
    await (await policiesFor('arn:aws:iam::111111111111:role/Other')).list();
    expect(configs).toHaveLength(1);
    const config = configs[0] as { region: string; credentials: () => Promise<unknown> };
    expect(config.region).toBe('us-east-1');
    expect(await config.credentials()).toEqual({
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    });
    expect(stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toContainEqual({
      RoleArn: 'arn:aws:iam::111111111111:role/AccessBrokerSessionDeny',
      RoleSessionName: SESSION_DENY_SESSION_NAME,
      DurationSeconds: 900,
      ExternalId: 'ext-7f3a9c',
    });
    await (await policiesFor('arn:aws-us-gov:iam::333333333333:role/R')).list();
    expect((configs[1] as { region: string }).region).toBe('us-gov-west-1');
  });

  it('uses the broker\'s own credentials when no session-deny role is configured', async () => {
    const configs: unknown[] = [];
    const policiesFor = targetAccountInlinePolicies({
      sts: new STSClient({ region: 'eu-west-1' }),
      sessionDenyRoleArn: () => undefined,
      externalId: () => undefined,
      iamClient: (config) => {
        configs.push(config);
        return new IAMClient(config);
      },
    });
    await policiesFor(ROLE);
    expect(configs).toEqual([{ region: 'us-east-1' }]);
    expect(stsMock.calls()).toHaveLength(0);
  });
});

import { readFileSync } from 'node:fs';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { parse, type Tags } from 'yaml';
import { describe, expect, it } from 'vitest';
import { basePolicyDocument } from '../../shared/catalogue/base-role-policy';
import { SESSION_TAG_KEYS } from '../../shared/domain/issuance';

/** CloudFormation short-form intrinsics, parsed to their long JSON form ({"Ref": ...}, {"Fn::If": [...]}). */
function cloudFormationTags(): Tags {
  const names = ['Ref', 'Sub', 'If', 'GetAtt', 'Equals', 'Not', 'And', 'Or', 'Join', 'Select', 'Split', 'FindInMap', 'Base64', 'GetAZs', 'ImportValue', 'Condition'];
  const key = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);
  return names.flatMap((name) => [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key(name)]: name === 'GetAtt' ? value.split('.') : value }),
    },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (node: { toJSON(): unknown }) => ({ [key(name)]: node.toJSON() }) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (node: { toJSON(): unknown }) => ({ [key(name)]: node.toJSON() }) },
  ]);
}

type Json = any;

const template: Json = parse(readFileSync(new URL('../../infra/target-account-role.yaml', import.meta.url), 'utf8'), {
  customTags: cloudFormationTags(),
});
const role = template.Resources.BrokerRole;
const trust = role.Properties.AssumeRolePolicyDocument;
const statement = (sid: string) => trust.Statement.find((s: Json) => s.Sid === sid);
const inlinePolicy = role.Properties.Policies[0].PolicyDocument;

/** Replaces {"Ref": param} with the given parameter values, as CloudFormation would at deploy time. */
function resolveRefs(value: Json, params: Record<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, params));
  if (value && typeof value === 'object') {
    if (typeof value.Ref === 'string' && Object.keys(value).length === 1) {
      const resolved = params[value.Ref];
      if (resolved === undefined) throw new Error(`no value for Ref ${value.Ref}`);
      return resolved;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, params)]));
  }
  return value;
}

describe('target account template: parameters', () => {
  it('declares the six parameters with their constraints', () => {
    const p = template.Parameters;
    expect(Object.keys(p)).toEqual([
      'BrokerPrincipalArn',
      'ExternalId',
      'SessionDenyPrincipalArns',
      'RoleName',
      'MaxSessionDuration',
      'PermissionsBoundaryArn',
    ]);
    expect(p.SessionDenyPrincipalArns).toMatchObject({ Type: 'CommaDelimitedList', Default: '' });
    // CloudFormation matches a CommaDelimitedList's pattern against each value.
    const each = new RegExp(p.SessionDenyPrincipalArns.AllowedPattern);
    expect(each.test('arn:aws:iam::999999999999:role/access-broker-prod-RevokeRequestRole-1A2B')).toBe(true);
    expect(each.test('*')).toBe(false);
    expect(p.ExternalId).toMatchObject({ Type: 'String', NoEcho: true, MinLength: 2 });
    expect(p.RoleName.Default).toBe('BrokerReadOnly');
    expect(p.MaxSessionDuration).toMatchObject({ Type: 'Number', MinValue: 900, MaxValue: 43200, Default: 3600 });
    expect(p.PermissionsBoundaryArn.Default).toBe('');
  });

  it('accepts role and user principals and rejects anything else', () => {
    const pattern = new RegExp(template.Parameters.BrokerPrincipalArn.AllowedPattern);
    expect(pattern.test('arn:aws:iam::999999999999:role/access-broker-issuer')).toBe(true);
    expect(pattern.test('arn:aws-us-gov:iam::999999999999:user/broker/issuer')).toBe(true);
    expect(pattern.test('arn:aws:iam::999999999999:root')).toBe(false);
    expect(pattern.test('*')).toBe(false);
  });
});

describe('target account template: role', () => {
  it('is an IAM role named and bounded by the parameters', () => {
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(role.Properties.RoleName).toEqual({ Ref: 'RoleName' });
    expect(role.Properties.MaxSessionDuration).toEqual({ Ref: 'MaxSessionDuration' });
  });

  it('applies the permissions boundary only when one is given', () => {
    expect(template.Conditions.HasPermissionsBoundary).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'PermissionsBoundaryArn' }, ''] }],
    });
    expect(role.Properties.PermissionsBoundary).toEqual({
      'Fn::If': ['HasPermissionsBoundary', { Ref: 'PermissionsBoundaryArn' }, { Ref: 'AWS::NoValue' }],
    });
  });

  it('outputs the role ARN and the session-deny role ARN', () => {
    expect(template.Outputs.RoleArn.Value).toEqual({ 'Fn::GetAtt': ['BrokerRole', 'Arn'] });
    expect(template.Outputs.SessionDenyRoleArn.Value).toEqual({ 'Fn::GetAtt': ['SessionDenyRole', 'Arn'] });
  });

  it('has exactly two resources: the target role and its session-deny role', () => {
    expect(Object.keys(template.Resources)).toEqual(['BrokerRole', 'SessionDenyRole']);
  });

  it('carries seed 000 read-only policy as its inline policy, exactly as the catalogue states it', () => {
    expect(role.Properties.Policies).toHaveLength(1);
    expect(inlinePolicy).toEqual(basePolicyDocument());
  });
});

describe('target account template: trust policy', () => {
  it('has exactly the three broker statements, all for the broker principal only', () => {
    expect(trust.Version).toBe('2012-10-17');
    expect(trust.Statement.map((s: Json) => [s.Sid, s.Effect, s.Action])).toEqual([
      ['BrokerAssumeRoleWithExternalId', 'Allow', 'sts:AssumeRole'],
      ['BrokerSetSourceIdentity', 'Allow', 'sts:SetSourceIdentity'],
      ['BrokerTagSessionWithRequestTags', 'Allow', 'sts:TagSession'],
    ]);
    for (const s of trust.Statement) expect(s.Principal).toEqual({ AWS: { Ref: 'BrokerPrincipalArn' } });
  });

  it('requires the ExternalId on AssumeRole', () => {
    expect(statement('BrokerAssumeRoleWithExternalId').Condition).toEqual({
      StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } },
    });
  });

  it('lets sessions carry only the request-id and requester tags the issuer sets', () => {
    expect(statement('BrokerTagSessionWithRequestTags').Condition).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': [...SESSION_TAG_KEYS] },
    });
  });
});

describe('target account template: simulated with iam-simulate', () => {
  const ACCOUNT = '111111111111';
  const BROKER = 'arn:aws:iam::999999999999:role/access-broker-issuer';
  const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/BrokerReadOnly`;
  const EXTERNAL_ID = 'ext-7f3a9c';
  const resolvedTrust = resolveRefs(trust, { BrokerPrincipalArn: BROKER, ExternalId: EXTERNAL_ID });
  // Cross-account: the broker's own identity policy must allow the calls too.
  const brokerPolicy = {
    name: 'broker-issuer',
    policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'], Resource: ROLE_ARN }],
    },
  };

  async function roleAllows(action: string, resource: string): Promise<string> {
    const simulation: Simulation = {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/BrokerReadOnly/01JNKQ7R8W3V5X2Y4Z6A8B0C1D`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'BrokerReadOnlyBase', policy: inlinePolicy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  async function trustAllows(
    action: string,
    principal: string,
    contextVariables: Record<string, string | string[]>,
  ): Promise<string> {
    const simulation: Simulation = {
      request: { principal, action, resource: { resource: ROLE_ARN, accountId: ACCOUNT }, contextVariables },
      identityPolicies: [brokerPolicy],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resolvedTrust,
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  it('allows ec2:DescribeInstances', async () => {
    expect(await roleAllows('ec2:DescribeInstances', '*')).toBe('Allowed');
  });

  it('denies ec2:TerminateInstances', async () => {
    expect(await roleAllows('ec2:TerminateInstances', `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789abcdef0`)).toBe(
      'ImplicitlyDenied',
    );
  });

  it('lets the broker assume the role with the right ExternalId only', async () => {
    expect(await trustAllows('sts:AssumeRole', BROKER, { 'sts:ExternalId': EXTERNAL_ID })).toBe('Allowed');
    expect(await trustAllows('sts:AssumeRole', BROKER, { 'sts:ExternalId': 'guess' })).toBe('ImplicitlyDenied');
    expect(await trustAllows('sts:AssumeRole', BROKER, {})).toBe('ImplicitlyDenied');
  });

  it('refuses another principal even with the ExternalId', async () => {
    expect(
      await trustAllows('sts:AssumeRole', 'arn:aws:iam::999999999999:role/someone-else', { 'sts:ExternalId': EXTERNAL_ID }),
    ).toBe('ImplicitlyDenied');
  });

  it('lets the broker set the source identity', async () => {
    expect(await trustAllows('sts:SetSourceIdentity', BROKER, { 'sts:SourceIdentity': 'alice@example.com' })).toBe('Allowed');
  });

  it('lets the broker tag sessions with request-id and requester, and nothing else', async () => {
    expect(await trustAllows('sts:TagSession', BROKER, { 'aws:TagKeys': ['request-id', 'requester'] })).toBe('Allowed');
    expect(await trustAllows('sts:TagSession', BROKER, { 'aws:TagKeys': ['request-id', 'admin'] })).toBe('ImplicitlyDenied');
  });
});

describe('target account template: session-deny role', () => {
  const denyRole = template.Resources.SessionDenyRole;
  const denyTrust = denyRole.Properties.AssumeRolePolicyDocument;
  const denyPolicies = denyRole.Properties.Policies;

  it('is a role the broker assumes only with the ExternalId', () => {
    expect(denyRole.Type).toBe('AWS::IAM::Role');
    expect(denyRole.Properties.MaxSessionDuration).toBe(3600);
    expect(denyTrust.Statement).toEqual([
      {
        Sid: 'BrokerAssumeSessionDenyRoleWithExternalId',
        Effect: 'Allow',
        Principal: { AWS: { Ref: 'SessionDenyPrincipalArns' } },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } },
      },
    ]);
    expect(template.Conditions.HasSessionDenyPrincipal).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ 'Fn::Join': ['', { Ref: 'SessionDenyPrincipalArns' }] }, ''] }],
    });
  });

  it('regression: exists only with a permissions boundary and a principal named on purpose (never defaulting to the issuer)', () => {
    expect(denyRole.Condition).toBe('CreateSessionDenyRole');
    expect(template.Outputs.SessionDenyRoleArn.Condition).toBe('CreateSessionDenyRole');
    expect(template.Conditions.CreateSessionDenyRole).toEqual({
      'Fn::And': [{ Condition: 'HasSessionDenyPrincipal' }, { Condition: 'HasPermissionsBoundary' }],
    });
    expect(JSON.stringify(denyTrust)).not.toContain('BrokerPrincipalArn');
  });

  it('may only read and write the inline policies of the target role: exactly these actions on exactly that resource', () => {
    expect(denyPolicies).toHaveLength(1);
    expect(denyPolicies[0].PolicyName).toBe('AccessBrokerSessionDeny');
    const statements = denyPolicies[0].PolicyDocument.Statement;
    expect(statements.map((s: Json) => [s.Sid, s.Effect, s.Action, s.Resource])).toEqual([
      ['ReadTargetRoleInlinePolicies', 'Allow', ['iam:GetRolePolicy', 'iam:ListRolePolicies'], { 'Fn::GetAtt': ['BrokerRole', 'Arn'] }],
      ['WriteTargetRoleInlinePolicies', 'Allow', ['iam:PutRolePolicy', 'iam:DeleteRolePolicy'], { 'Fn::GetAtt': ['BrokerRole', 'Arn'] }],
    ]);
    expect(statements[0].Condition).toBeUndefined();
    // IAM has no condition key for an inline policy's name; what it offers is the boundary.
    expect(statements[1].Condition).toEqual({ StringEquals: { 'iam:PermissionsBoundary': { Ref: 'PermissionsBoundaryArn' } } });
  });

  describe('simulated with iam-simulate', () => {
    const ACCOUNT = '111111111111';
    const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/BrokerReadOnly`;
    const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/BrokerBoundary`;
    const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/SessionDenyRole/access-broker-session-deny`;

    /** CloudFormation's view of the policy once deployed: GetAtt, Ref and If resolved. */
    function deployed(value: Json, boundary: string): Json {
      if (Array.isArray(value)) return value.map((v) => deployed(v, boundary)).filter((v) => v !== NO_VALUE);
      if (value && typeof value === 'object') {
        if ('Fn::GetAtt' in value) return value['Fn::GetAtt'][0] === 'BrokerRole' ? ROLE_ARN : 'unresolved';
        if ('Ref' in value) return value.Ref === 'AWS::NoValue' ? NO_VALUE : value.Ref === 'PermissionsBoundaryArn' ? boundary : 'unresolved';
        if ('Fn::If' in value) {
          const [condition, yes, no] = value['Fn::If'];
          expect(condition).toBe('HasPermissionsBoundary');
          return deployed(boundary === '' ? no : yes, boundary);
        }
        const out: Json = {};
        for (const [k, v] of Object.entries(value)) {
          const r = deployed(v, boundary);
          if (r !== NO_VALUE) out[k] = r;
        }
        return out;
      }
      return value;
    }
    const NO_VALUE = Symbol('NoValue');

    async function allows(action: string, resource: string, boundary: string, context: Record<string, string> = {}): Promise<string> {
      const result = await runSimulation(
        {
          request: { principal: SESSION, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
          identityPolicies: [{ name: 'AccessBrokerSessionDeny', policy: deployed(denyPolicies[0].PolicyDocument, boundary) }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
        },
        {},
      );
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult;
    }

    it.each(['iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'])(
      'allows %s on the target role',
      async (action) => {
        expect(await allows(action, ROLE_ARN, BOUNDARY, { 'iam:PermissionsBoundary': BOUNDARY })).toBe('Allowed');
      },
    );

    it.each([
      ['iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/Admin`],
      ['iam:GetRolePolicy', `arn:aws:iam::${ACCOUNT}:role/Admin`],
      ['iam:AttachRolePolicy', ROLE_ARN],
      ['iam:UpdateAssumeRolePolicy', ROLE_ARN],
      ['iam:DeleteRolePermissionsBoundary', ROLE_ARN],
      ['iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/SessionDenyRole`],
    ])('refuses %s on %s', async (action, resource) => {
      expect(await allows(action, resource, BOUNDARY, { 'iam:PermissionsBoundary': BOUNDARY })).toBe('ImplicitlyDenied');
    });

    it('writes only while the role keeps its permissions boundary', async () => {
      expect(await allows('iam:PutRolePolicy', ROLE_ARN, BOUNDARY, { 'iam:PermissionsBoundary': BOUNDARY })).toBe('Allowed');
      expect(await allows('iam:DeleteRolePolicy', ROLE_ARN, BOUNDARY, { 'iam:PermissionsBoundary': BOUNDARY })).toBe('Allowed');
      expect(await allows('iam:PutRolePolicy', ROLE_ARN, BOUNDARY, {})).toBe('ImplicitlyDenied');
      expect(await allows('iam:PutRolePolicy', ROLE_ARN, BOUNDARY, { 'iam:PermissionsBoundary': `${BOUNDARY}2` })).toBe('ImplicitlyDenied');
      expect(await allows('iam:GetRolePolicy', ROLE_ARN, BOUNDARY)).toBe('Allowed');
    });
  });
});

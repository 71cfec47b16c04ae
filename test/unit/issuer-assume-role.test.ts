/**
 * The issuer role's `assume-target-roles` policy, generated from the catalogue by
 * infra/catalogue-deploy.cjs: the exact role ARNs while they fit, and for a large account set
 * role names limited to the catalogue's accounts by aws:ResourceAccount. The compact form is
 * evaluated with an IAM policy simulator.
 */
import { createRequire } from 'node:module';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { largeCatalogueData } from '../../bench/catalogue-scale';

const deploy = createRequire(import.meta.url)('../../infra/catalogue-deploy.cjs') as {
  assumeTargetRoleStatementsFor(roleArns: string[]): Record<string, any>[];
  EXACT_ROLE_LIST_MAX_CHARS: number;
};
const { targetRoleArnsOf } = createRequire(import.meta.url)('../../infra/catalogue-file.cjs') as { targetRoleArnsOf(t: unknown, c: unknown): string[] };

const ISSUER = 'arn:aws:sts::123456789012:assumed-role/access-broker-prod-us-east-1-issuer/issueCredentials';

async function decide(policy: unknown, action: string, roleArn: string, tagKeys = ['request-id', 'requester']): Promise<string> {
  const account = roleArn.split(':')[4]!;
  const result = await runSimulation(
    {
      request: {
        principal: ISSUER,
        action,
        resource: { resource: roleArn, accountId: account },
        // IAM sets aws:ResourceAccount to the account that owns the resource (the role); the
        // simulator does not derive it, so it is given here. Were it ever absent, the compact
        // form would deny every assumption: it fails closed.
        contextVariables: {
          'aws:ResourceAccount': account,
          ...(action === 'sts:TagSession' ? { 'aws:TagKeys': tagKeys } : {}),
        },
      },
      identityPolicies: [{ name: 'assume-target-roles', policy }],
      // Every role trusts the broker (as infra/target-account-role.yaml does): the identity policy decides.
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/access-broker-prod-us-east-1-issuer' }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'] }],
      },
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

describe("the issuer's assume-target-roles policy", () => {
  it('lists each role exactly while the list is short (the example catalogue: 4 roles)', () => {
    const roles = ['arn:aws:iam::111111111111:role/BrokerReadOnly', 'arn:aws:iam::333333333333:role/TeamReadOnly'];
    expect(deploy.assumeTargetRoleStatementsFor(roles)).toEqual([
      { Sid: 'AssumeTargetRoles', Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: roles },
      {
        Sid: 'TagSessionsWithRequestTags',
        Effect: 'Allow',
        Action: 'sts:TagSession',
        Resource: roles,
        Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['request-id', 'requester'] } },
      },
    ]);
  });

  describe('200 accounts x 5 account-set targets (1,000 roles)', () => {
    const data = largeCatalogueData();
    const roles = [...new Set(data.targets.flatMap((t) => targetRoleArnsOf(t, data)))].sort();
    const statements = deploy.assumeTargetRoleStatementsFor(roles);
    const policy = { Version: '2012-10-17', Statement: statements };

    it('becomes one statement: 5 role names limited to the 200 accounts, small enough for IAM', () => {
      expect(roles).toHaveLength(1000);
      expect(JSON.stringify(roles).length).toBeGreaterThan(deploy.EXACT_ROLE_LIST_MAX_CHARS);
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession']);
      expect(statements[0]!.Resource).toEqual(Array.from({ length: 5 }, (_, k) => `arn:aws:iam::*:role/Team${k}ReadOnly`));
      expect(statements[0]!.Condition.StringEquals['aws:ResourceAccount']).toHaveLength(200);
      expect(statements[0]!.Condition['ForAllValues:StringEquals']).toEqual({ 'aws:TagKeys': ['request-id', 'requester'] });
      // Well under the 10,240 characters a role's inline policies share.
      expect(JSON.stringify(policy).length).toBeLessThan(4_000);
    });

    it('refuses session tags other than the two the broker sets', async () => {
      const role = `arn:aws:iam::${data.accountSets.organisation[0]}:role/Team0ReadOnly`;
      expect(await decide(policy, 'sts:TagSession', role)).toBe('Allowed');
      expect(await decide(policy, 'sts:TagSession', role, ['request-id', 'cost-centre'])).toBe('ImplicitlyDenied');
    });

    it.each(['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'])('allows %s on a catalogue role in a catalogue account only', async (action) => {
      const inSet = data.accountSets.organisation;
      expect(await decide(policy, action, `arn:aws:iam::${inSet[0]}:role/Team0ReadOnly`)).toBe('Allowed');
      expect(await decide(policy, action, `arn:aws:iam::${inSet[199]}:role/Team4ReadOnly`)).toBe('Allowed');
      expect(await decide(policy, action, 'arn:aws:iam::999999999999:role/Team0ReadOnly')).toBe('ImplicitlyDenied');
      expect(await decide(policy, action, `arn:aws:iam::${inSet[0]}:role/OrganizationAccountAccessRole`)).toBe('ImplicitlyDenied');
    });
  });
});

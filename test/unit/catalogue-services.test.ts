import { describe, expect, it } from 'vitest';
import { basePolicyDocument } from '../../shared/catalogue/base-role-policy';
import { SERVICE_KEYS, SERVICES, serviceByKey } from '../../shared/catalogue/services';

const SEED_ORDER = [
  'ec2',
  'eks',
  'databases',
  'elasticache',
  'opensearch',
  'mq',
  'ses',
  'secretsmanager',
  'iam',
  'costexplorer',
  'loadbalancers',
  'cloudwatch',
  'health',
];

describe('SERVICES', () => {
  it('lists the 13 services of seed 000 in the seed table order', () => {
    expect(SERVICE_KEYS).toEqual(SEED_ORDER);
    expect(SERVICES.map((s) => s.key)).toEqual(SEED_ORDER);
  });

  it('gives every service a distinct alphanumeric sid', () => {
    expect(SERVICES.map((s) => s.sid)).toEqual([
      'EC2',
      'EKS',
      'Databases',
      'ElastiCache',
      'OpenSearch',
      'MQ',
      'SES',
      'SecretsManager',
      'IAM',
      'CostExplorer',
      'LoadBalancers',
      'CloudWatch',
      'Health',
    ]);
    for (const s of SERVICES) expect(s.sid).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('marks exactly IAM, Cost Explorer and Health as global consoles', () => {
    expect(SERVICES.filter((s) => s.globalConsole).map((s) => s.key)).toEqual([
      'iam',
      'costexplorer',
      'health',
    ]);
  });

  it('points each service at its console path', () => {
    expect(Object.fromEntries(SERVICES.map((s) => [s.key, s.consolePath]))).toEqual({
      ec2: '/ec2/home',
      eks: '/eks/home',
      databases: '/rds/home',
      elasticache: '/elasticache/home',
      opensearch: '/aos/home',
      mq: '/amazon-mq/home',
      ses: '/ses/home',
      secretsmanager: '/secretsmanager/home',
      iam: '/iam/home',
      costexplorer: '/cost-management/home',
      loadbalancers: '/ec2/home#LoadBalancers:',
      cloudwatch: '/cloudwatch/home',
      health: '/health/home',
    });
  });

  it('grants the seed actions, with SES narrowed to reads and non-IAM prefixes dropped', () => {
    expect(Object.fromEntries(SERVICES.map((s) => [s.key, s.actions]))).toEqual({
      ec2: ['ec2:Describe*'],
      eks: ['eks:List*', 'eks:Describe*'],
      databases: ['rds:Describe*', 'rds:List*'],
      elasticache: ['elasticache:Describe*', 'elasticache:List*'],
      opensearch: ['es:List*', 'es:Describe*', 'es:ESHttpGet'],
      mq: ['mq:List*', 'mq:Describe*'],
      ses: ['ses:Get*', 'ses:List*', 'ses:Describe*'],
      secretsmanager: ['secretsmanager:Get*', 'secretsmanager:List*', 'secretsmanager:Describe*'],
      iam: ['iam:Get*', 'iam:List*', 'iam:GenerateCredentialReport'],
      costexplorer: ['ce:Get*', 'ce:List*', 'ce:Describe*'],
      loadbalancers: ['elasticloadbalancing:Describe*'],
      cloudwatch: ['cloudwatch:Get*', 'cloudwatch:List*'],
      health: ['health:Describe*'],
    });
  });

  it('cannot be mutated by a caller', () => {
    const ec2 = serviceByKey('ec2');
    expect(() => ec2?.actions.push('ec2:*')).toThrow(TypeError);
    expect(serviceByKey('ec2')?.actions).toEqual(['ec2:Describe*']);
  });

  it('looks services up by key', () => {
    expect(serviceByKey('costexplorer')?.name).toBe('Cost Explorer');
    expect(serviceByKey('s3')).toBeUndefined();
  });
});

describe('basePolicyDocument', () => {
  it('is the seed 000 full policy, including ses:* as deployed today', () => {
    const doc = basePolicyDocument();
    expect(doc.Version).toBe('2012-10-17');
    expect(doc.Statement.map((s) => s.Sid)).toEqual(SERVICES.map((s) => s.sid));
    expect(doc.Statement.every((s) => s.Effect === 'Allow' && s.Resource === '*')).toBe(true);
    expect(doc.Statement.find((s) => s.Sid === 'SES')?.Action).toEqual(['ses:*', 'sesv2:*']);
    expect(doc.Statement.find((s) => s.Sid === 'Databases')?.Action).toEqual([
      'rds:Describe*',
      'rds:List*',
      'docdb:Describe*',
      'docdb:List*',
    ]);
    expect(doc.Statement.find((s) => s.Sid === 'EC2')?.Action).toBe('ec2:Describe*');
  });

  it('returns a fresh copy each time', () => {
    const first = basePolicyDocument();
    first.Statement.pop();
    expect(basePolicyDocument().Statement).toHaveLength(13);
  });
});

import type { ServiceDefinition, ServiceKey } from './types';

const define = (service: ServiceDefinition): ServiceDefinition =>
  // Frozen so no caller can widen a grant for every later request by mutating the shared table.
  Object.freeze({ ...service, actions: Object.freeze([...service.actions]) as string[] });

/**
 * Every service a grant can name, in the order of the seed's table. That order is the
 * order of statements in every compiled session policy, so a given approval always
 * produces byte-identical policy text.
 *
 * Actions are the seed's read-only set, with three deliberate differences:
 * - SES: the seed grants `ses:*, sesv2:*`, which would let a "read" grant send email
 *   and change identities; this is narrowed to Get/List/Describe.
 * - `sesv2:` and `docdb:` are dropped. Neither is an IAM service prefix: the SES v2
 *   API is authorised under `ses:` and DocumentDB's management API under `rds:`, so
 *   those entries granted nothing and only spent session-policy characters (2,048 max).
 *   The session-policy simulation test checks every prefix here against IAM's data.
 */
export const SERVICES: readonly ServiceDefinition[] = Object.freeze([
  define({ key: 'ec2', name: 'EC2', sid: 'EC2', actions: ['ec2:Describe*'], consolePath: '/ec2/home' }),
  define({
    key: 'eks',
    name: 'EKS',
    sid: 'EKS',
    actions: ['eks:List*', 'eks:Describe*'],
    consolePath: '/eks/home',
  }),
  define({
    key: 'databases',
    name: 'Databases (RDS, Aurora, DocumentDB)',
    sid: 'Databases',
    actions: ['rds:Describe*', 'rds:List*'],
    consolePath: '/rds/home',
  }),
  define({
    key: 'elasticache',
    name: 'ElastiCache',
    sid: 'ElastiCache',
    actions: ['elasticache:Describe*', 'elasticache:List*'],
    consolePath: '/elasticache/home',
  }),
  define({
    key: 'opensearch',
    name: 'OpenSearch',
    sid: 'OpenSearch',
    actions: ['es:List*', 'es:Describe*', 'es:ESHttpGet'],
    consolePath: '/aos/home',
  }),
  define({
    key: 'mq',
    name: 'Amazon MQ',
    sid: 'MQ',
    actions: ['mq:List*', 'mq:Describe*'],
    consolePath: '/amazon-mq/home',
  }),
  define({
    key: 'ses',
    name: 'SES (read only)',
    sid: 'SES',
    actions: ['ses:Get*', 'ses:List*', 'ses:Describe*'],
    consolePath: '/ses/home',
  }),
  define({
    key: 'secretsmanager',
    name: 'Secrets Manager',
    sid: 'SecretsManager',
    // Get* includes GetSecretValue on purpose: reading a secret is one of the broker's jobs.
    actions: ['secretsmanager:Get*', 'secretsmanager:List*', 'secretsmanager:Describe*'],
    consolePath: '/secretsmanager/home',
  }),
  define({
    key: 'iam',
    name: 'IAM',
    sid: 'IAM',
    actions: ['iam:Get*', 'iam:List*', 'iam:GenerateCredentialReport'],
    consolePath: '/iam/home',
    globalConsole: true,
  }),
  define({
    key: 'costexplorer',
    name: 'Cost Explorer',
    sid: 'CostExplorer',
    actions: ['ce:Get*', 'ce:List*', 'ce:Describe*'],
    consolePath: '/cost-management/home',
    globalConsole: true,
  }),
  define({
    key: 'loadbalancers',
    name: 'Load Balancers',
    sid: 'LoadBalancers',
    actions: ['elasticloadbalancing:Describe*'],
    consolePath: '/ec2/home#LoadBalancers:',
  }),
  define({
    key: 'cloudwatch',
    name: 'CloudWatch',
    sid: 'CloudWatch',
    actions: ['cloudwatch:Get*', 'cloudwatch:List*'],
    consolePath: '/cloudwatch/home',
  }),
  define({
    key: 'health',
    name: 'AWS Health',
    sid: 'Health',
    // Needs a Business or Enterprise support plan; without one AWS answers SubscriptionRequiredException.
    actions: ['health:Describe*'],
    consolePath: '/health/home',
    globalConsole: true,
  }),
]);

/** The keys of SERVICES, in catalogue order (what `services: all` expands to). */
export const SERVICE_KEYS: readonly ServiceKey[] = Object.freeze(SERVICES.map((s) => s.key));

/** The service with this key, or undefined when the catalogue has no such service. */
export function serviceByKey(
  key: ServiceKey,
  services: readonly ServiceDefinition[] = SERVICES,
): ServiceDefinition | undefined {
  return services.find((s) => s.key === key);
}

/** Human names of service keys, for emails and pages; an unknown key shows as itself. */
export function serviceNames(keys: readonly ServiceKey[], services: readonly ServiceDefinition[] = SERVICES): string[] {
  return keys.map((key) => serviceByKey(key, services)?.name ?? key);
}

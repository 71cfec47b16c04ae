import type { IamPolicyDocument } from '../domain/session-policy';

/**
 * The permissions policy of the base (target) role, verbatim from seed 000's "Full IAM
 * Policy": it is what operators deploy today. It is the ceiling of every grant; the
 * session policy compiled per request narrows it to the approved services.
 *
 * It still allows `ses:*` (including sending email) and lists `sesv2:`/`docdb:`, which
 * are not IAM prefixes; the session policy never grants those, so a broker-issued session
 * cannot use them. Tightening the deployed role is the target-account template's call.
 *
 * A function returning a fresh object so a caller that edits its copy cannot change
 * anyone else's.
 */
export function basePolicyDocument(): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'EC2', Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
      { Sid: 'EKS', Effect: 'Allow', Action: ['eks:List*', 'eks:Describe*'], Resource: '*' },
      {
        Sid: 'Databases',
        Effect: 'Allow',
        Action: ['rds:Describe*', 'rds:List*', 'docdb:Describe*', 'docdb:List*'],
        Resource: '*',
      },
      {
        Sid: 'ElastiCache',
        Effect: 'Allow',
        Action: ['elasticache:Describe*', 'elasticache:List*'],
        Resource: '*',
      },
      {
        Sid: 'OpenSearch',
        Effect: 'Allow',
        Action: ['es:List*', 'es:Describe*', 'es:ESHttpGet'],
        Resource: '*',
      },
      { Sid: 'MQ', Effect: 'Allow', Action: ['mq:List*', 'mq:Describe*'], Resource: '*' },
      { Sid: 'SES', Effect: 'Allow', Action: ['ses:*', 'sesv2:*'], Resource: '*' },
      {
        Sid: 'SecretsManager',
        Effect: 'Allow',
        Action: ['secretsmanager:Get*', 'secretsmanager:List*', 'secretsmanager:Describe*'],
        Resource: '*',
      },
      {
        Sid: 'IAM',
        Effect: 'Allow',
        Action: ['iam:Get*', 'iam:List*', 'iam:GenerateCredentialReport'],
        Resource: '*',
      },
      {
        Sid: 'CostExplorer',
        Effect: 'Allow',
        Action: ['ce:Get*', 'ce:List*', 'ce:Describe*'],
        Resource: '*',
      },
      { Sid: 'LoadBalancers', Effect: 'Allow', Action: 'elasticloadbalancing:Describe*', Resource: '*' },
      {
        Sid: 'CloudWatch',
        Effect: 'Allow',
        Action: ['cloudwatch:Get*', 'cloudwatch:List*'],
        Resource: '*',
      },
      { Sid: 'Health', Effect: 'Allow', Action: 'health:Describe*', Resource: '*' },
    ],
  };
}

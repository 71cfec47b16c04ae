/**
 * Resources serverless.yml cannot spell out by hand because their number depends on
 * configuration, plus the deploy-time check of the JWT parameters:
 *
 *   ${file(infra/deploy-resources.cjs):subscriptions}   email subscriptions with filter policies
 *   ${file(infra/deploy-resources.cjs):functionAlarms}  one Errors alarm per function
 *   ${file(infra/deploy-resources.cjs):forwardingPolicies} the default bus accepting forwarded
 *                                                      CloudTrail events from other accounts
 *   ${file(infra/deploy-resources.cjs):jwtIssuer}       the issuer param, refused at deploy if a placeholder
 *   ${file(infra/deploy-resources.cjs):jwtAudience}     the audience param, likewise
 *
 * CommonJS: osls loads `${file(x.cjs):key}` with require() and package.json says "type": "module".
 */
'use strict';

const { createHash } = require('node:crypto');
const { fromParams, param, parseEmailList } = require('./catalogue-deploy.cjs');
const { approvalMail } = require('./mail-deploy.cjs');

/** Message attribute names the publishers set (shared/notifications/*.ts, shared/alerts/alarm-message.ts). */
const APPROVER_ATTRIBUTE = 'approver';
const REQUESTER_ATTRIBUTE = 'requester';
const SEVERITY_ATTRIBUTE = 'severity';

/** Placeholder defaults that let `osls package` run offline; `osls deploy` refuses them. */
const PLACEHOLDER_HOST = /(^|\.)example\.invalid$/i;

const shortHash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** The CloudFormation logical id prefix osls gives a function key (`create-request` -> `CreateDashrequest`). */
function normalizedFunctionName(key) {
  return `${key.charAt(0).toUpperCase()}${key.slice(1)}`.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
}

function emailSubscription(email, topicLogicalId, filterPolicy) {
  return {
    Type: 'AWS::SNS::Subscription',
    Properties: {
      TopicArn: { Ref: topicLogicalId },
      Protocol: 'email',
      Endpoint: email,
      FilterPolicyScope: 'MessageAttributes',
      FilterPolicy: filterPolicy,
    },
  };
}

/**
 * Email subscriptions (the approvals and notifications ones only with approvalMail: sns; with
 * ses those topics do not exist and SES mails each person directly):
 * - approvals topic: one per approver, filter `approver` = that email, so each approver gets
 *   only their own personal links (SNS email is one message to every subscriber otherwise);
 * - notifications topic: one per listed requester, filter `requester` = that email;
 * - alarms topic: the security email gets CRITICAL alarms only (filter `severity`); the
 *   operations email gets CloudWatch alarm notifications, which carry no message attributes
 *   (filter: `severity` absent), so neither drowns in the other's messages.
 */
function subscriptionResources({ approverEmails = [], requesterEmails = [], securityAlarmEmail = [], operationsAlarmEmail = [] }) {
  const resources = {};
  for (const email of approverEmails) {
    resources[`ApproverSubscription${shortHash(email)}`] = emailSubscription(email, 'ApprovalsTopic', { [APPROVER_ATTRIBUTE]: [email] });
  }
  for (const email of requesterEmails) {
    resources[`RequesterSubscription${shortHash(email)}`] = emailSubscription(email, 'NotificationsTopic', { [REQUESTER_ATTRIBUTE]: [email] });
  }
  for (const email of securityAlarmEmail) {
    resources[`SecurityAlarmSubscription${shortHash(email)}`] = emailSubscription(email, 'AlarmsTopic', { [SEVERITY_ATTRIBUTE]: ['CRITICAL'] });
  }
  for (const email of operationsAlarmEmail) {
    resources[`OperationsAlarmSubscription${shortHash(email)}`] = emailSubscription(email, 'AlarmsTopic', {
      [SEVERITY_ATTRIBUTE]: [{ exists: false }],
    });
  }
  return resources;
}

/** One alarm per function on any error in 5 minutes, published to the alarms topic. */
function functionAlarmResources(functionKeys) {
  const resources = {};
  for (const key of functionKeys) {
    const name = normalizedFunctionName(key);
    resources[`${name}ErrorsAlarm`] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmDescription: `Access Broker: function ${key} failed at least once in 5 minutes (see its log group)`,
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${name}LambdaFunction` } }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlarmsTopic' }],
      },
    };
  }
  return resources;
}

const ACCOUNT_ID = /^\d{12}$/;
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/**
 * Resource policies on this account's default event bus letting other accounts (target
 * accounts running infra/region-forwarder.yaml) put their STS and sign-in CloudTrail events on
 * it, and nothing else: the condition on events:source keeps them from injecting other
 * events, and customers cannot put events with an `aws.` source themselves, so whatever
 * arrives with those sources was forwarded by a rule.
 */
function forwardingPolicyResources({ accountIds = [], organizationId = '' }) {
  const statement = (principal, extraCondition) => ({
    Effect: 'Allow',
    Principal: principal,
    Action: 'events:PutEvents',
    Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' },
    Condition: {
      StringEquals: { 'events:source': ['aws.sts', 'aws.signin'], ...extraCondition },
    },
  });
  const resources = {};
  if (accountIds.length > 0) {
    resources.ForwardedEventsFromAccountsPolicy = {
      Type: 'AWS::Events::EventBusPolicy',
      Properties: {
        StatementId: { 'Fn::Sub': '${AWS::StackName}-forwarded-from-accounts' },
        Statement: statement({ AWS: accountIds.map((id) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${id}:root` })) }, {}),
      },
    };
  }
  if (organizationId) {
    resources.ForwardedEventsFromOrganizationPolicy = {
      Type: 'AWS::Events::EventBusPolicy',
      Properties: {
        StatementId: { 'Fn::Sub': '${AWS::StackName}-forwarded-from-organization' },
        Statement: statement('*', { 'aws:PrincipalOrgID': organizationId }),
      },
    };
  }
  return resources;
}

function parseAccountIds(value) {
  const text = String(value == null ? '' : value).trim();
  if (text === '') return [];
  const ids = [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))].sort();
  for (const id of ids) if (!ACCOUNT_ID.test(id)) throw new Error(`param forwardingAccountIds: ${JSON.stringify(id)} is not a 12-digit account id`);
  return ids;
}

function parseOrganizationId(value) {
  const text = String(value == null ? '' : value).trim();
  if (text !== '' && !ORGANIZATION_ID.test(text)) throw new Error(`param forwardingOrganizationId: ${JSON.stringify(text)} is not an organization id (o-...)`);
  return text;
}

const isDeploy = (argv = process.argv) => argv.slice(2).some((arg) => arg === 'deploy');

/** Refuses at deploy time a JWT parameter still at its offline placeholder. */
function guardJwtParam(name, value, argv = process.argv) {
  const text = String(value == null ? '' : value);
  if (!isDeploy(argv)) return text;
  let host = '';
  try {
    host = new URL(text).hostname;
  } catch {
    host = '';
  }
  if (text === '' || PLACEHOLDER_HOST.test(host) || /example\.invalid/i.test(text)) {
    throw new Error(
      `param ${name} is "${text}", a placeholder: deploy with --param="${name}=..." ` +
        '(your identity provider\'s issuer URL and the API audience / client id; see docs/deploy.md)',
    );
  }
  if (name === 'jwtIssuer' && !text.startsWith('https://')) {
    throw new Error(`param jwtIssuer must be an https:// URL (API Gateway fetches its OpenID configuration), not "${text}"`);
  }
  return text;
}

module.exports = {
  subscriptions: async ({ resolveVariable }) => {
    const { approverEmails } = await fromParams(resolveVariable);
    const throughSns = (await approvalMail({ resolveVariable })) === 'sns';
    return {
      Resources: subscriptionResources({
        approverEmails: throughSns ? approverEmails : [],
        requesterEmails: throughSns ? parseEmailList(await param(resolveVariable, 'requesterEmails'), 'param requesterEmails') : [],
        securityAlarmEmail: parseEmailList(await param(resolveVariable, 'securityAlarmEmail'), 'param securityAlarmEmail'),
        operationsAlarmEmail: parseEmailList(await param(resolveVariable, 'operationsAlarmEmail'), 'param operationsAlarmEmail'),
      }),
    };
  },
  functionAlarms: async ({ resolveConfigurationProperty }) => {
    const functions = (await resolveConfigurationProperty(['functions'])) || {};
    return { Resources: functionAlarmResources(Object.keys(functions)) };
  },
  forwardingPolicies: async ({ resolveVariable }) => ({
    Resources: forwardingPolicyResources({
      accountIds: parseAccountIds(await param(resolveVariable, 'forwardingAccountIds')),
      organizationId: parseOrganizationId(await param(resolveVariable, 'forwardingOrganizationId')),
    }),
  }),
  jwtIssuer: async ({ resolveVariable }) => guardJwtParam('jwtIssuer', await param(resolveVariable, 'jwtIssuer')),
  jwtAudience: async ({ resolveVariable }) => guardJwtParam('jwtAudience', await param(resolveVariable, 'jwtAudience')),
  // For tests.
  APPROVER_ATTRIBUTE,
  REQUESTER_ATTRIBUTE,
  SEVERITY_ATTRIBUTE,
  normalizedFunctionName,
  subscriptionResources,
  functionAlarmResources,
  forwardingPolicyResources,
  parseAccountIds,
  guardJwtParam,
};

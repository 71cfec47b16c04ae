/**
 * The packaged CloudFormation template (`osls package`, offline) has every resource the broker
 * needs, configured as the design says. IAM least privilege is in infra-iam.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/env';
import { watchedRoleArns } from '../../shared/catalogue';
import { compileCatalogue } from '../../shared/catalogue/compiled';
import { loadCatalogueFile } from '../../shared/catalogue/load';
import { WorkflowFunction, loadRawStateMachineDefinition, loadStateMachineDefinition } from '../../shared/workflow/state-machine';
import {
  ROOT,
  applyConditions,
  evaluateCondition,
  packagedDir,
  packagedTemplate,
  readZip,
  resolveIntrinsics,
  type CloudFormationTemplate,
  type Json,
} from '../helpers/packaged-template';

const require = createRequire(import.meta.url);
// asl-validator ships CommonJS without types.
const aslValidator = require('asl-validator') as (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const alertRules = require('../../infra/alert-rules.cjs') as { assumeRolePattern: Json; switchRolePattern: Json };

let template: CloudFormationTemplate;
let dir: string;
const resources = () => Object.entries(template.Resources);
const ofType = (type: string) => resources().filter(([, r]) => r.Type === type);
const res = (id: string) => {
  const r = template.Resources[id];
  if (!r) throw new Error(`No resource ${id} in the packaged template`);
  return r;
};
const functions = () => ofType('AWS::Lambda::Function');
const fnKey = (logicalId: string) => {
  const n = logicalId.replace(/LambdaFunction$/, '');
  return `${n.charAt(0).toLowerCase()}${n.slice(1)}`;
};

beforeAll(async () => {
  template = await packagedTemplate();
  dir = await packagedDir();
}, 300_000);

describe('functions', () => {
  it('are the 21 handlers, each on nodejs24.x arm64', () => {
    expect(functions().map(([id]) => fnKey(id)).sort()).toEqual(
      [
        'alertOnAssumeRole',
        'cancelRequest',
        'createRequest',
        'decideApproval',
        'decideRequest',
        'getCatalogue',
        'getCredentials',
        'getRequest',
        'getRequestHistory',
        'holdAccess',
        'issueCredentials',
        'listRequests',
        'notifyApprovers',
        'notifyRequester',
        'reconcileTrail',
        'requestExtension',
        'revokeRequest',
        'settleEndedExecution',
        'settleRequest',
        'showApproval',
        'sweepStuckRequests',
      ].sort(),
    );
    for (const [id, fn] of functions()) {
      expect(fn.Properties.Runtime, id).toBe('nodejs24.x');
      expect(fn.Properties.Architectures, id).toEqual(['arm64']);
      expect(fn.Properties.Handler, id).toMatch(/^functions\/[a-z-]+\.handler$/);
    }
  });

  it('have an environment the broker configuration accepts once deployed', () => {
    for (const [id, fn] of functions()) {
      const env = resolveIntrinsics(template, fn.Properties.Environment.Variables) as Record<string, string>;
      const config = loadConfig(env);
      expect(config.BROKER_TABLE_NAME, id).toBe('access-broker-dev-BrokerTable');
      expect(config.BROKER_STATE_MACHINE_ARN, id).toBe(resolveIntrinsics(template, { Ref: 'ApprovalWorkflow' }));
      expect(config.BROKER_PUBLIC_BASE_URL, id).toBe('https://abcde12345.execute-api.us-east-1.amazonaws.com');
      expect(config.BROKER_ISSUER_PRINCIPAL_ARNS, id).toEqual([resolveIntrinsics(template, { 'Fn::GetAtt': ['CredentialIssuerRole', 'Arn'] })]);
      expect(config.BROKER_KMS_KEY_ID, id).toBe(resolveIntrinsics(template, { 'Fn::GetAtt': ['VaultKey', 'Arn'] }));
      expect(config.BROKER_ISSUER_USER_SECRET_ARN, id).toBeUndefined();
      // No --enable-source-maps (its cost at every cold start): the loggers map logged stacks
      // with the .map shipped beside the bundle (test/unit/source-mapped-stack.test.ts).
      expect(env['NODE_OPTIONS'], id).toBeUndefined();
    }
  });

  it('state machine ARN built by name is the ARN of the state machine', () => {
    const built = resolveIntrinsics(template, res('CreateRequestLambdaFunction').Properties.Environment.Variables.BROKER_STATE_MACHINE_ARN);
    expect(built).toBe(resolveIntrinsics(template, { Ref: 'ApprovalWorkflow' }));
  });

  it('ship one minified ESM bundle each, with its source map and the catalogue JSON it reads', () => {
    const catalogueFile = res('CreateRequestLambdaFunction').Properties.Environment.Variables.BROKER_CATALOGUE_FILE as string;
    for (const [id, fn] of functions()) {
      const zip = readZip(join(dir, `${fnKey(id)}.zip`));
      const bundle = `${(fn.Properties.Handler as string).replace(/\.handler$/, '')}.mjs`;
      expect([...zip.keys()].sort(), id).toEqual([bundle, `${bundle}.map`, catalogueFile].sort());
      // The example catalogue, validated and compiled at package time: what the YAML loads to.
      expect(catalogueFile, id).toMatch(/\.json$/);
      expect(JSON.parse(zip.get(catalogueFile)!.toString('utf8')), id).toEqual(JSON.parse(JSON.stringify(compileCatalogue(loadCatalogueFile(join(ROOT, 'config/catalogue.example.yaml'))))));
      const code = zip.get(bundle)!.toString('utf8');
      // Minified; the AWS SDK is imported from the nodejs24.x runtime, every other import is bundled.
      expect(code.length / code.split('\n').length, `${id}: average line length`).toBeGreaterThan(1000);
      const bareImports = [...code.matchAll(/(?:from|import)\s*["']([^"'.][^"']*)["']/g)].map((m) => m[1]!).filter((m) => !m.startsWith('node:'));
      expect(bareImports.filter((m) => !m.startsWith('@aws-sdk/')), id).toEqual([]);
    }
  });

  it('log to groups with a retention', () => {
    for (const [id] of functions()) {
      const group = res(id.replace(/LambdaFunction$/, 'LogGroup'));
      expect(group.Properties.RetentionInDays, id).toBe(90);
    }
  });
});

describe('DynamoDB table', () => {
  it('is infra/dynamodb-table.json exactly: on-demand, PITR, deletion protection, TTL, SSE', () => {
    const file = JSON.parse(readFileSync(join(ROOT, 'infra/dynamodb-table.json'), 'utf8'));
    const table = res('BrokerTable');
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toEqual(file);
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });
});

describe('SNS topics and keys', () => {
  it('has the approvals, notifications and alarms topics, all encrypted with the SNS key; the first two only with approvalMail sns', () => {
    for (const id of ['ApprovalsTopic', 'NotificationsTopic', 'AlarmsTopic']) {
      expect(res(id).Type).toBe('AWS::SNS::Topic');
      expect(res(id).Properties.KmsMasterKeyId, id).toEqual({ Ref: 'SnsKey' });
    }
    expect(ofType('AWS::SNS::Topic')).toHaveLength(3);
    // Packaged with the default approvalMail (ses): SES mails each person; only the alarms topic is deployed.
    expect(res('ApprovalsTopic').Condition).toBe('MailThroughSns');
    expect(res('NotificationsTopic').Condition).toBe('MailThroughSns');
    expect(res('BrokerTopicsPolicy').Condition).toBe('MailThroughSns');
    expect(res('AlarmsTopic').Condition).toBeUndefined();
    expect(evaluateCondition(template, 'MailThroughSns')).toBe(false);
    expect(evaluateCondition(template, 'MailThroughSes')).toBe(true);
  });

  it('lets CloudWatch alarms and EventBridge use the SNS key and publish to the alarms topic', () => {
    const key = res('SnsKey').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      const s = key.KeyPolicy.Statement.find((x: Json) => x.Principal?.Service === service);
      expect(s, service).toBeDefined();
      expect(s.Action, service).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
      expect(s.Condition.StringEquals['aws:SourceAccount'], service).toEqual({ Ref: 'AWS::AccountId' });
      const publish = res('AlarmsTopicPolicy').Properties.PolicyDocument.Statement.find((x: Json) => x.Principal?.Service === service);
      expect(publish.Action, service).toBe('sns:Publish');
      expect(publish.Resource, service).toEqual({ Ref: 'AlarmsTopic' });
    }
    // Account principals use it only through SNS.
    const account = key.KeyPolicy.Statement.find((x: Json) => x.Sid === 'AccountPrincipalsThroughSnsOnly');
    expect(account.Condition.StringEquals['kms:ViaService']).toEqual({ 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' });
  });

  it('has a separate, rotated vault key used with the encryption context the vault sends', () => {
    const key = res('VaultKey').Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const use = key.KeyPolicy.Statement.find((x: Json) => x.Sid === 'IssuerRoleWithRequestContextOnly');
    expect(use.Action).toEqual(['kms:GenerateDataKey', 'kms:Decrypt']);
    // The context key the adapter really sends.
    const source = readFileSync(join(ROOT, 'shared/adapters/vault/kms-key-source.ts'), 'utf8');
    const contexts = [...source.matchAll(/EncryptionContext:\s*\{\s*(\w+)\s*\}/g)].map((m) => m[1]);
    expect(contexts.length).toBeGreaterThanOrEqual(2);
    for (const c of contexts) expect(use.Condition['ForAllValues:StringEquals']['kms:EncryptionContextKeys']).toEqual([c]);
  });

  it('with approvalMail ses (the default) subscribes nobody to approvals or notifications: no confirmation mails, no topic to subscribe to', () => {
    const subscriptions = ofType('AWS::SNS::Subscription').map(([, r]) => r.Properties);
    expect(subscriptions.filter((s) => ['ApprovalsTopic', 'NotificationsTopic'].includes(s.TopicArn.Ref))).toEqual([]);
    // infra-mail.test.ts checks the sns setting: one subscription per catalogue approver, filtered to their own messages.
  });
});

describe('approval workflow', () => {
  it('is a Standard state machine logging errors without execution data', () => {
    const sm = res('ApprovalWorkflow').Properties;
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['ApprovalWorkflowLogGroup', 'Arn'] } } }],
    });
    expect(res('ApprovalWorkflowLogGroup').Properties.LogGroupName).toMatch(/^\/aws\/vendedlogs\/states\//);
    expect(sm.RoleArn).toEqual({ 'Fn::GetAtt': ['ApprovalWorkflowRole', 'Arn'] });
  });

  it('deploys infra/approval-workflow.asl.json as it is, placeholders filled by DefinitionSubstitutions', () => {
    const sm = res('ApprovalWorkflow').Properties;
    expect(typeof sm.DefinitionString).toBe('string');
    expect(JSON.parse(sm.DefinitionString)).toEqual(loadRawStateMachineDefinition());
    const placeholders = [...new Set([...(sm.DefinitionString as string).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();
    expect(placeholders).toEqual(Object.values(WorkflowFunction).sort());
    const expected = Object.fromEntries(
      Object.entries(WorkflowFunction).map(([fn, placeholder]) => [
        placeholder,
        { 'Fn::GetAtt': [`${fn.charAt(0).toUpperCase()}${fn.slice(1)}LambdaFunction`, 'Arn'] },
      ]),
    );
    expect(sm.DefinitionSubstitutions).toEqual(expected);
  });

  it('validates with asl-validator once substituted', () => {
    const sm = res('ApprovalWorkflow').Properties;
    const arns = resolveIntrinsics(template, sm.DefinitionSubstitutions) as Record<string, string>;
    for (const arn of Object.values(arns)) expect(arn).toMatch(/^arn:aws:lambda:us-east-1:\d{12}:function:access-broker-dev-/);
    const definition = loadStateMachineDefinition(arns);
    const { isValid, errorsText } = aslValidator(definition);
    expect(isValid, errorsText()).toBe(true);
  });
});

describe('watched-role rules', () => {
  // The trail reconciliation rule exists only with a trailBucket (infra-params.test.ts).
  const rules = () => ofType('AWS::Events::Rule').filter(([id]) => !['TrailLogCreatedRule', 'ExecutionEndedRule', 'StuckRequestSweepSchedule'].includes(id));

  it('are the two patterns of infra/alert-rules.cjs, receiving read-only management events', () => {
    expect(rules().map(([id]) => id).sort()).toEqual(['AssumeRoleAlertRule', 'SwitchRoleAlertRule']);
    expect(res('AssumeRoleAlertRule').Properties.EventPattern).toEqual(alertRules.assumeRolePattern);
    expect(res('SwitchRoleAlertRule').Properties.EventPattern).toEqual(alertRules.switchRolePattern);
    for (const [id, rule] of rules()) expect(rule.Properties.State, id).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
  });

  it('watch every role of the catalogue', () => {
    const catalogue = loadCatalogueFile(join(ROOT, 'config/catalogue.example.yaml'));
    const text = JSON.stringify(res('AssumeRoleAlertRule').Properties.EventPattern).toLowerCase();
    // By role name (any path, any case): see infra/alert-rules.cjs.
    for (const arn of watchedRoleArns(catalogue)) expect(text).toContain(`"/${arn.split('/').pop()!.toLowerCase()}"`);
  });

  it('target the alert function with a retry policy and the dead-letter queue, and may invoke it', () => {
    for (const [id, rule] of rules()) {
      const targets = rule.Properties.Targets as Json[];
      expect(targets, id).toHaveLength(1);
      const [target] = targets;
      expect(target.Arn).toEqual({ 'Fn::GetAtt': ['AlertOnAssumeRoleLambdaFunction', 'Arn'] });
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
      expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['AlertEventsDlq', 'Arn'] } });
      const permission = ofType('AWS::Lambda::Permission').find(([, p]) => JSON.stringify(p.Properties.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
      expect(permission, id).toBeDefined();
      expect(permission![1].Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
    }
  });

  it("send the function's failed async invocations to the same queue", () => {
    const config = ofType('AWS::Lambda::EventInvokeConfig').find(([, c]) => c.Properties.FunctionName.Ref === 'AlertOnAssumeRoleLambdaFunction');
    expect(config![1].Properties.DestinationConfig.OnFailure.Destination).toEqual({ 'Fn::GetAtt': ['AlertEventsDlq', 'Arn'] });
    expect(config![1].Properties.MaximumRetryAttempts).toBe(2);
  });

  it('dead-letter queue is encrypted and accepts EventBridge only from these rules', () => {
    expect(res('AlertEventsDlq').Properties.SqsManagedSseEnabled).toBe(true);
    const [allow, ...rest] = res('AlertEventsDlqPolicy').Properties.PolicyDocument.Statement as Json[];
    expect(allow).toMatchObject({ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage' });
    expect(allow.Condition.ArnEquals['aws:SourceArn']).toEqual([
      { 'Fn::GetAtt': ['AssumeRoleAlertRule', 'Arn'] },
      { 'Fn::GetAtt': ['SwitchRoleAlertRule', 'Arn'] },
      { 'Fn::If': ['HasTrailBucket', { 'Fn::GetAtt': ['TrailLogCreatedRule', 'Arn'] }, { Ref: 'AWS::NoValue' }] },
      { 'Fn::GetAtt': ['ExecutionEndedRule', 'Arn'] },
    ]);
    expect(rest.every((s) => s.Effect === 'Deny')).toBe(true);
  });
});

describe('nothing stuck', () => {
  const permissionFor = (rule: string) =>
    ofType('AWS::Lambda::Permission').filter(([, p]) => JSON.stringify(p.Properties.SourceArn) === JSON.stringify({ 'Fn::GetAtt': [rule, 'Arn'] }));

  it("a rule on this state machine's executions that end FAILED, TIMED_OUT or ABORTED, exactly, targets settleEndedExecution", () => {
    const rule = res('ExecutionEndedRule').Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: 'ApprovalWorkflow' }] },
    });
    expect(rule.State ?? 'ENABLED').toBe('ENABLED');
    expect(rule.Targets).toEqual([
      {
        Id: 'settle-ended-execution',
        Arn: { 'Fn::GetAtt': ['SettleEndedExecutionLambdaFunction', 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['AlertEventsDlq', 'Arn'] } },
      },
    ]);
    expect(permissionFor('ExecutionEndedRule').map(([, p]) => p.Properties)).toEqual([
      {
        FunctionName: { 'Fn::GetAtt': ['SettleEndedExecutionLambdaFunction', 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': ['ExecutionEndedRule', 'Arn'] },
      },
    ]);
  });

  it('the sweep runs every 15 minutes and only it may be invoked by its schedule', () => {
    const schedule = res('StuckRequestSweepSchedule').Properties;
    expect(schedule.ScheduleExpression).toBe('rate(15 minutes)');
    expect(schedule.EventPattern).toBeUndefined();
    expect(schedule.Targets).toEqual([{ Id: 'sweep-stuck-requests', Arn: { 'Fn::GetAtt': ['SweepStuckRequestsLambdaFunction', 'Arn'] } }]);
    expect(permissionFor('StuckRequestSweepSchedule').map(([, p]) => p.Properties.FunctionName)).toEqual([
      { 'Fn::GetAtt': ['SweepStuckRequestsLambdaFunction', 'Arn'] },
    ]);
  });
});

describe('alarms', () => {
  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);

  it('alarm on the alert metrics MalformedEvents and AlarmsAtRisk (namespace AccessBroker, this stage) to the alarms topic', () => {
    for (const metric of ['MalformedEvents', 'AlarmsAtRisk']) {
      const alarm = alarms().find((a) => a.MetricName === metric);
      expect(alarm, metric).toMatchObject({
        Namespace: 'AccessBroker',
        Dimensions: [{ Name: 'Stage', Value: 'dev' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: 'AlarmsTopic' }],
      });
    }
  });

  it('alarm on every function error, the DLQ depth and failed executions, into the alarms topic', () => {
    for (const [id] of functions()) {
      const alarm = alarms().find((a) => a.MetricName === 'Errors' && a.Dimensions[0].Value.Ref === id);
      expect(alarm, id).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    const dlq = alarms().find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlq!.Dimensions[0].Value).toEqual({ 'Fn::GetAtt': ['AlertEventsDlq', 'QueueName'] });
    const failed = alarms().find((a) => a.MetricName === 'ExecutionsFailed');
    expect(failed!.Dimensions[0]).toEqual({ Name: 'StateMachineArn', Value: { Ref: 'ApprovalWorkflow' } });
    for (const a of alarms()) expect(a.AlarmActions, a.AlarmDescription).toEqual([{ Ref: 'AlarmsTopic' }]);
  });
});

describe('HTTP API', () => {
  const routes = () => ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

  it('has a JWT authorizer named jwt with the issuer and audience parameters', () => {
    const authorizer = res('HttpApiAuthorizerJwt').Properties;
    expect(authorizer).toMatchObject({ Name: 'jwt', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    expect(authorizer.JwtConfiguration).toEqual({ Issuer: 'https://example.invalid/set-jwtIssuer', Audience: ['set-jwtAudience.example.invalid'] });
  });

  it('protects every route with it except the two approval routes', () => {
    const open = routes().filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey).sort();
    expect(open).toEqual(['GET /approvals/{token}', 'POST /approvals/{token}']);
    for (const r of routes().filter((x) => x.AuthorizationType === 'JWT')) expect(r.AuthorizerId).toEqual({ Ref: 'HttpApiAuthorizerJwt' });
    expect(routes()).toHaveLength(12); // GET /catalogue and the requests' routes, the two approval routes
  });

  it('throttles the stage, and the unauthenticated approval routes harder', () => {
    const stage = res('HttpApiStage');
    const { DefaultRouteSettings, RouteSettings } = stage.Properties;
    expect(DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    for (const key of ['GET /approvals/{token}', 'POST /approvals/{token}']) {
      expect(RouteSettings[key]).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
      expect(routes().some((r) => r.RouteKey === key)).toBe(true);
    }
    expect(stage.DependsOn).toEqual(expect.arrayContaining(['HttpApiRouteGetApprovalsTokenVar', 'HttpApiRoutePostApprovalsTokenVar']));
  });

  it('keeps approval tokens out of the access log', () => {
    const format = res('HttpApiStage').Properties.AccessLogSettings.Format as string;
    expect(format).toContain('$context.routeKey');
    expect(format).not.toMatch(/\$context\.(path|resourcePath)\b/);
  });

  it('has no CORS configuration', () => {
    expect(res('HttpApi').Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('outputs', () => {
  it('give the API URL, topics, broker principal, state machine and DLQ', () => {
    const outputs = template.Outputs ?? {};
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'ApprovalsTopicArn', 'NotificationsTopicArn', 'AlarmsTopicArn', 'BrokerPrincipalArn', 'StateMachineArn', 'AlertEventsDlqUrl']),
    );
    // The two mail topics' outputs exist only where the topics do.
    expect((outputs['ApprovalsTopicArn'] as Json).Condition).toBe('MailThroughSns');
    expect((outputs['NotificationsTopicArn'] as Json).Condition).toBe('MailThroughSns');
    expect(outputs['BrokerPrincipalArn']!.Value).toEqual({ 'Fn::GetAtt': ['CredentialIssuerRole', 'Arn'] });
    expect(outputs['ApiUrl']!.Value).toEqual({ 'Fn::Sub': 'https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}' });
  });
});

describe('template integrity', () => {
  /** Logical ids a value refers to (Ref, Fn::GetAtt, ${...} in Fn::Sub), as CloudFormation orders creation by them. */
  function references(value: Json, found = new Set<string>()): Set<string> {
    if (Array.isArray(value)) value.forEach((v) => references(v, found));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, Json>)) {
        if (k === 'Ref' && typeof v === 'string') found.add(v);
        else if (k === 'Fn::GetAtt') found.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]!);
        else if (k === 'Fn::Sub') {
          const text = Array.isArray(v) ? v[0] : v;
          for (const m of String(text).matchAll(/\$\{([^}!.]+)(\.[^}]+)?\}/g)) found.add(m[1]!);
          if (Array.isArray(v)) references(v[1], found);
        } else references(v, found);
      }
    }
    return found;
  }

  it('has no circular dependency between resources (CloudFormation would refuse it at deploy)', () => {
    const ids = new Set(Object.keys(template.Resources));
    const edges = new Map<string, string[]>();
    for (const [id, r] of resources()) {
      const deps = new Set([...references(r.Properties ?? {}), ...(Array.isArray(r.DependsOn) ? r.DependsOn : r.DependsOn ? [r.DependsOn] : [])]);
      edges.set(id, [...deps].filter((d) => ids.has(d)));
    }
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (id: string, path: string[]) => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(id)), id].join(' -> '));
        return;
      }
      state.set(id, 'visiting');
      for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of ids) visit(id, []);
    expect(cycles).toEqual([]);
  });

  it('refers only to resources, parameters and conditions that exist', () => {
    const known = new Set([...Object.keys(template.Resources), 'AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::URLSuffix', 'AWS::StackName', 'AWS::NoValue', 'AWS::StackId']);
    for (const [id, r] of resources()) {
      for (const ref of references(r.Properties ?? {})) expect(known.has(ref), `${id} refers to ${ref}`).toBe(true);
      for (const dep of Array.isArray(r.DependsOn) ? r.DependsOn : r.DependsOn ? [r.DependsOn] : []) expect(known.has(dep), `${id} depends on ${dep}`).toBe(true);
    }
    const conditions = new Set(Object.keys(template.Conditions ?? {}));
    const walk = (v: Json) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        if ('Fn::If' in v) expect(conditions.has(v['Fn::If'][0]), v['Fn::If'][0]).toBe(true);
        Object.values(v).forEach(walk);
      }
    };
    walk(template.Resources);
  });
});

describe('no hard-coded account or secret', () => {
  const catalogueAccounts = () => {
    const catalogue = loadCatalogueFile(join(ROOT, 'config/catalogue.example.yaml'));
    return new Set(watchedRoleArns(catalogue).map((arn) => arn.split(':')[4]!));
  };

  it('contains no 12-digit number except the accounts of the catalogue roles', () => {
    const text = JSON.stringify(template);
    const found = new Set([...text.matchAll(/(?<![0-9])[0-9]{12}(?![0-9])/g)].map((m) => m[0]));
    const allowed = catalogueAccounts();
    expect([...found].filter((n) => !allowed.has(n))).toEqual([]);
  });

  it('writes ARNs of its own resources with pseudo parameters, never a literal partition/region/account', () => {
    const literals: string[] = [];
    const walk = (v: Json) => {
      if (typeof v === 'string') {
        for (const m of v.matchAll(/arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}/g)) literals.push(m[0]);
        if (/arn:aws[a-z-]*:[a-z0-9-]+:(us|eu|ap|sa|ca|me|af|il|mx|cn)-[a-z]+-\d/.test(v)) literals.push(v);
      } else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(applyConditions(template, template.Resources));
    const allowed = catalogueAccounts();
    expect(literals.filter((l) => !allowed.has(l.split(':')[4]!))).toEqual([]);
  });

  it('contains no AWS access key id or secret-looking value', () => {
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/);
    expect(text).not.toMatch(/aws_secret_access_key|secretAccessKey/i);
    for (const [id, fn] of functions()) {
      for (const [name, value] of Object.entries(fn.Properties.Environment.Variables as Record<string, Json>)) {
        if (/SECRET|PASSWORD|TOKEN|KEY$/.test(name) && !/_ARN$|^BROKER_KMS_KEY_ID$/.test(name)) expect.fail(`${id} env ${name}`);
        if (name === 'BROKER_ISSUER_USER_SECRET_ARN') expect(JSON.stringify(value)).not.toMatch(/AKIA|ASIA/);
      }
    }
  });
});

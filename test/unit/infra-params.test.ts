/**
 * Deployment parameters: what changes in the packaged template when the optional ones are set
 * (packaged a second time with them), and the helpers that turn parameters and the catalogue
 * into resources (infra/catalogue-deploy.cjs, infra/deploy-resources.cjs).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUESTER_ATTRIBUTE } from '../../shared/notifications/requester-messages';
import { loadConfig } from '../../shared/config/env';
import { ROOT, applyConditions, packagedTemplate, resolveIntrinsics, type CloudFormationTemplate, type Json } from '../helpers/packaged-template';

const require = createRequire(import.meta.url);
const catalogueDeploy = require('../../infra/catalogue-deploy.cjs') as {
  deployConfig(params?: { catalogueFile?: string; approverEmails?: string }, env?: Record<string, string | undefined>): {
    catalogueFile: string;
    chainedTargetRoleArns: string[];
    userTargetRoleArns: string[];
    approverEmails: string[];
  };
  hasChainedTargets(ctx: { resolveVariable: (v: string) => Promise<unknown> }): Promise<string>;
  parseEmailList(value: string, what: string): string[];
};
const deployResources = require('../../infra/deploy-resources.cjs') as {
  subscriptionResources(input: Record<string, string[]>): Record<string, Json>;
  functionAlarmResources(keys: string[]): Record<string, Json>;
  normalizedFunctionName(key: string): string;
  guardJwtParam(name: string, value: string, argv?: string[]): string;
};

const PARAMS = {
  // Mail through the SNS topics (the default, ses, is packaged by infra-template/infra-iam/infra-mail tests).
  approvalMail: 'sns',
  issuerUserSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:broker-issuer-user-AbCdEf',
  issuerUserArn: 'arn:aws:iam::123456789012:user/access-broker-issuer',
  securityAlarmEmail: 'Security@Example.com',
  operationsAlarmEmail: 'ops@example.com',
  requesterEmails: 'alice@example.com',
  approverEmails: 'carol@example.com',
  publicBaseUrl: 'https://access.example.com',
  forwardingAccountIds: '444444444444, 333333333333',
  forwardingOrganizationId: 'o-abcdefghij',
  trailBucket: 'org-cloudtrail-logs',
  trailPrefix: 'AWSLogs/',
};

describe('packaged with the optional parameters set', () => {
  let template: CloudFormationTemplate;
  beforeAll(async () => {
    template = await packagedTemplate({ params: PARAMS });
  }, 300_000);

  const env = () => resolveIntrinsics(template, template.Resources['IssueCredentialsLambdaFunction']!.Properties.Environment.Variables);

  it('passes the issuer user secret, both issuer principals and the public URL to the functions', () => {
    const config = loadConfig(env());
    expect(config.BROKER_ISSUER_USER_SECRET_ARN).toBe(PARAMS.issuerUserSecretArn);
    expect(config.BROKER_ISSUER_PRINCIPAL_ARNS).toEqual([
      resolveIntrinsics(template, { 'Fn::GetAtt': ['CredentialIssuerRole', 'Arn'] }),
      PARAMS.issuerUserArn,
    ]);
    expect(config.BROKER_PUBLIC_BASE_URL).toBe(PARAMS.publicBaseUrl);
    // The issuer role's unique id, whose cross-account copies the alarms skip (and no other principal's).
    expect(config.BROKER_ISSUER_ROLE_IDS).toEqual([resolveIntrinsics(template, { 'Fn::GetAtt': ['CredentialIssuerRole', 'RoleId'] })]);
    expect(config.BROKER_ISSUER_ROLE_IDS[0]).toMatch(/^AROA[A-Z0-9]{17}$/);
  });

  it('reconciles the trail bucket: an Object Created rule on that bucket and prefix, and s3:GetObject on exactly those objects', () => {
    const rule = template.Resources['TrailLogCreatedRule']!;
    expect(rule.Condition).toBe('HasTrailBucket');
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['org-cloudtrail-logs'] }, object: { key: [{ prefix: 'AWSLogs/' }] } },
    });
    expect(rule.Properties.Targets[0].Arn).toEqual({ 'Fn::GetAtt': ['ReconcileTrailLambdaFunction', 'Arn'] });
    const role = applyConditions(template, template.Resources['ReconcileTrailRole']);
    const statements = role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    const s3 = statements.filter((s: Json) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toEqual([{ Sid: 'ReadTrailLogFiles', Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::org-cloudtrail-logs/AWSLogs/*' } }]);
  });

  it('lets the issuer role read that secret and no other', () => {
    const role = applyConditions(template, template.Resources['CredentialIssuerRole']);
    const statements = role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    const secret = statements.filter((s: Json) => JSON.stringify(s.Action).includes('secretsmanager'));
    expect(secret).toEqual([{ Sid: 'IssuerUserKey', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: PARAMS.issuerUserSecretArn }]);
  });

  it('with approvalMail sns: the topics instead of SES, for the mailing functions only, the SNS key through SNS for their own topic', () => {
    const ALARM_SIDS = ['PublishSessionDenyFailedAlarm', 'SnsKeyThroughSnsForTheAlarmsTopic', 'PublishReviewOverdueAlarm', 'SnsKeyThroughSnsForAlarmsTopic'];
    for (const [fn, role, topics] of [
      ['NotifyApprovers', 'NotifyApproversRole', ['ApprovalsTopic']],
      ['NotifyRequester', 'NotifyRequesterRole', ['NotificationsTopic']],
      ['SettleRequest', 'SettleRequestRole', ['NotificationsTopic']],
      ['RevokeRequest', 'RevokeRequestRole', ['NotificationsTopic', 'ApprovalsTopic']],
      ['GetCredentials', 'CredentialIssuerRole', ['NotificationsTopic', 'ApprovalsTopic']],
      ['RequestExtension', 'RequestExtensionRole', ['ApprovalsTopic']],
      ['SettleEndedExecution', 'SettleEndedExecutionRole', ['NotificationsTopic']],
      ['SweepStuckRequests', 'SweepStuckRequestsRole', ['NotificationsTopic']],
    ] as const) {
      const config = loadConfig(resolveIntrinsics(template, template.Resources[`${fn}LambdaFunction`]!.Properties.Environment.Variables));
      expect(config.BROKER_MAIL_DELIVERY, fn).toBe('sns');
      expect(config.BROKER_MAIL_FROM, fn).toBeUndefined();
      expect(config.BROKER_APPROVALS_TOPIC_ARN, fn).toBe(resolveIntrinsics(template, { Ref: 'ApprovalsTopic' }));
      expect(config.BROKER_NOTIFICATIONS_TOPIC_ARN, fn).toBe(resolveIntrinsics(template, { Ref: 'NotificationsTopic' }));
      const statements = applyConditions(template, template.Resources[role]).Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
      // The session enders also raise a session-deny-failed alarm: the alarms topic only, whichever way mail goes.
      for (const s of statements.filter((s: Json) => ALARM_SIDS.includes(s.Sid))) expect(JSON.stringify(s), role).toContain('"Ref":"AlarmsTopic"');
      const mail = statements.filter((s: Json) => /"(sns|ses|kms):/.test(JSON.stringify(s.Action)) && !ALARM_SIDS.includes(s.Sid) && !JSON.stringify(s.Resource).includes('VaultKey'));
      const refs = topics.map((topic) => ({ Ref: topic }));
      const resource = refs.length === 1 ? refs[0] : refs;
      expect(mail.map((s: Json) => [s.Action, s.Resource]), role).toEqual([
        ['sns:Publish', resource],
        [['kms:GenerateDataKey', 'kms:Decrypt'], { 'Fn::GetAtt': ['SnsKey', 'Arn'] }],
      ]);
      expect(mail[1].Condition.StringEquals['kms:EncryptionContext:aws:sns:topicArn'], role).toEqual(resource);
    }
    for (const id of ['ApprovalsTopic', 'NotificationsTopic', 'BrokerTopicsPolicy']) expect(template.Resources[id]!.Condition).toBe('MailThroughSns');
    expect(JSON.stringify(Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role').map((r) => applyConditions(template, r)))).not.toContain('ses:');
  });

  it('subscribes the listed approver only, the requester, and the two alarm emails with their filters', () => {
    const subs = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::SNS::Subscription')
      .map((r) => ({ topic: r.Properties.TopicArn.Ref, email: r.Properties.Endpoint, filter: r.Properties.FilterPolicy }))
      .sort((a, b) => `${a.topic}${a.email}`.localeCompare(`${b.topic}${b.email}`));
    expect(subs).toEqual([
      { topic: 'AlarmsTopic', email: 'ops@example.com', filter: { severity: [{ exists: false }] } },
      { topic: 'AlarmsTopic', email: 'security@example.com', filter: { severity: ['CRITICAL'] } },
      { topic: 'ApprovalsTopic', email: 'carol@example.com', filter: { approver: ['carol@example.com'] } },
      { topic: 'NotificationsTopic', email: 'alice@example.com', filter: { [REQUESTER_ATTRIBUTE]: ['alice@example.com'] } },
    ]);
  });
});

describe('event bus policies for forwarded CloudTrail events', () => {
  let template: CloudFormationTemplate;
  beforeAll(async () => {
    template = await packagedTemplate({ params: PARAMS });
  }, 300_000);

  it('let the listed accounts and the organisation put only STS and sign-in events on the default bus', () => {
    const accounts = template.Resources['ForwardedEventsFromAccountsPolicy']!.Properties.Statement;
    expect(accounts.Principal).toEqual({
      AWS: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::333333333333:root' }, { 'Fn::Sub': 'arn:${AWS::Partition}:iam::444444444444:root' }],
    });
    expect(accounts.Action).toBe('events:PutEvents');
    expect(accounts.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' });
    expect(accounts.Condition).toEqual({ StringEquals: { 'events:source': ['aws.sts', 'aws.signin'] } });
    const org = template.Resources['ForwardedEventsFromOrganizationPolicy']!.Properties.Statement;
    expect(org.Principal).toBe('*');
    expect(org.Condition.StringEquals).toEqual({ 'events:source': ['aws.sts', 'aws.signin'], 'aws:PrincipalOrgID': 'o-abcdefghij' });
  });

  it('are absent by default', async () => {
    const plain = await packagedTemplate();
    expect(Object.values(plain.Resources).filter((r) => r.Type === 'AWS::Events::EventBusPolicy')).toEqual([]);
  }, 300_000);

  it('refuse a malformed account id', () => {
    expect(() => (require('../../infra/deploy-resources.cjs') as { parseAccountIds(v: string): string[] }).parseAccountIds('12345')).toThrow(
      'param forwardingAccountIds: "12345" is not a 12-digit account id',
    );
  });
});

describe('infra/catalogue-deploy.cjs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(ROOT, 'test-output', 'catalogue-deploy-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return relative(ROOT, file);
  };

  it('splits targets by issuer mode and collects approver emails, lower-cased', () => {
    const file = write(
      'mixed.yaml',
      [
        'version: 1',
        'targets:',
        '  - { id: a, roleArn: "arn:aws:iam::333333333333:role/A", approvers: { emails: [Bob@Example.com] } }',
        '  - { id: b, roleArn: "arn:aws:iam::444444444444:role/B", issuer: user, approvers: { emails: [bob@example.com, zoe@example.com] } }',
      ].join('\n'),
    );
    const config = catalogueDeploy.deployConfig({ catalogueFile: file }, { BROKER_CATALOGUE_FILE: file });
    expect(config.chainedTargetRoleArns).toEqual(['arn:aws:iam::333333333333:role/A']);
    expect(config.userTargetRoleArns).toEqual(['arn:aws:iam::444444444444:role/B']);
    expect(config.approverEmails).toEqual(['bob@example.com', 'zoe@example.com']);
    expect(catalogueDeploy.deployConfig({ catalogueFile: file, approverEmails: 'none' }, { BROKER_CATALOGUE_FILE: file }).approverEmails).toEqual([]);
  });

  it('splits targets by how their sessions are ended: directly (own account) or through their SessionDenyRole', async () => {
    const file = write(
      'session-deny.yaml',
      [
        'version: 1',
        'targets:',
        '  - { id: own, roleArn: "arn:aws:iam::333333333333:role/Own", approvers: { emails: [bob@example.com] } }',
        '  - { id: far, roleArn: "arn:aws:iam::444444444444:role/Far", externalId: far-7f3a, sessionDenyRoleArn: "arn:aws:iam::444444444444:role/t-SessionDenyRole-1A2B", approvers: { emails: [bob@example.com] } }',
      ].join('\n'),
    );
    const config = catalogueDeploy.deployConfig({ catalogueFile: file }, { BROKER_CATALOGUE_FILE: file }) as unknown as Record<string, string[]>;
    expect(config.directSessionDenyTargetRoleArns).toEqual(['arn:aws:iam::333333333333:role/Own']);
    expect(config.sessionDenyRoleArns).toEqual(['arn:aws:iam::444444444444:role/t-SessionDenyRole-1A2B']);
    const resolveVariable = async (v: string) => (v === 'param:catalogueFile' ? file : '');
    const previous = process.env.BROKER_CATALOGUE_FILE;
    process.env.BROKER_CATALOGUE_FILE = file;
    try {
      const resolvers = catalogueDeploy as unknown as Record<string, (o: { resolveVariable: typeof resolveVariable }) => Promise<unknown>>;
      expect(await resolvers.hasSessionDenyRoles!({ resolveVariable })).toBe('true');
      expect(await resolvers.sessionDenyRoleArns!({ resolveVariable })).toEqual(['arn:aws:iam::444444444444:role/t-SessionDenyRole-1A2B']);
      expect(await resolvers.directSessionDenyTargetRoleArns!({ resolveVariable })).toEqual(['arn:aws:iam::333333333333:role/Own']);
    } finally {
      if (previous === undefined) delete process.env.BROKER_CATALOGUE_FILE;
      else process.env.BROKER_CATALOGUE_FILE = previous;
    }
  });

  it('drops the assume-role policy when no target is chained', async () => {
    const file = write('user-only.yaml', 'version: 1\ntargets:\n  - { id: u, roleArn: "arn:aws:iam::333333333333:role/U", issuer: user }\n');
    const resolveVariable = async (v: string) => (v === 'param:catalogueFile' ? file : '');
    const previous = process.env.BROKER_CATALOGUE_FILE;
    process.env.BROKER_CATALOGUE_FILE = file;
    try {
      expect(await catalogueDeploy.hasChainedTargets({ resolveVariable })).toBe('false');
    } finally {
      if (previous === undefined) delete process.env.BROKER_CATALOGUE_FILE;
      else process.env.BROKER_CATALOGUE_FILE = previous;
    }
  });

  it('refuses a catalogue param that differs from BROKER_CATALOGUE_FILE (the alert rules would watch another one)', () => {
    const file = write('other.yaml', 'version: 1\ntargets: []\n');
    expect(() => catalogueDeploy.deployConfig({ catalogueFile: file }, {})).toThrow(/BROKER_CATALOGUE_FILE=.*other\.yaml instead of --param/);
  });

  it('refuses a catalogue outside the repository (it is packaged) and a bad role ARN', () => {
    expect(() => catalogueDeploy.deployConfig({ catalogueFile: '/etc/passwd' }, { BROKER_CATALOGUE_FILE: '/etc/passwd' })).toThrow(/inside the repository/);
    const bad = write('bad.yaml', 'version: 1\ntargets:\n  - { id: x, roleArn: "arn:aws:iam::333333333333:user/X" }\n');
    expect(() => catalogueDeploy.deployConfig({ catalogueFile: bad }, { BROKER_CATALOGUE_FILE: bad })).toThrow(/targets\[0\]\.roleArn must be an IAM role ARN/);
  });

  it('parses email lists and names a bad one', () => {
    expect(catalogueDeploy.parseEmailList(' A@x.io, b@y.io ,a@x.io', 'p')).toEqual(['a@x.io', 'b@y.io']);
    expect(catalogueDeploy.parseEmailList('', 'p')).toEqual([]);
    expect(() => catalogueDeploy.parseEmailList('a@x.io,nope', 'param approverEmails')).toThrow('param approverEmails: "nope" is not an email address');
  });
});

describe('infra/deploy-resources.cjs', () => {
  it('gives each subscription a stable logical id', () => {
    const a = deployResources.subscriptionResources({ approverEmails: ['a@x.io', 'b@x.io'] });
    const b = deployResources.subscriptionResources({ approverEmails: ['b@x.io', 'a@x.io'] });
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(Object.keys(a)).toHaveLength(2);
  });

  it('names alarms after the logical ids osls gives functions', () => {
    expect(deployResources.normalizedFunctionName('createRequest')).toBe('CreateRequest');
    expect(deployResources.normalizedFunctionName('alert-on_x')).toBe('AlertDashonUnderscorex');
    expect(Object.keys(deployResources.functionAlarmResources(['getRequest']))).toEqual(['GetRequestErrorsAlarm']);
  });

  it('lets `package` use the JWT placeholders but refuses them, or a non-https issuer, at deploy', () => {
    const deploy = ['node', 'osls', 'deploy', '--stage', 'prod'];
    expect(deployResources.guardJwtParam('jwtIssuer', 'https://example.invalid/set-jwtIssuer', ['node', 'osls', 'package'])).toBe(
      'https://example.invalid/set-jwtIssuer',
    );
    expect(() => deployResources.guardJwtParam('jwtIssuer', 'https://example.invalid/set-jwtIssuer', deploy)).toThrow(/placeholder/);
    expect(() => deployResources.guardJwtParam('jwtAudience', 'set-jwtAudience.example.invalid', deploy)).toThrow(/placeholder/);
    expect(() => deployResources.guardJwtParam('jwtIssuer', 'http://idp.example.com', deploy)).toThrow(/https/);
    expect(deployResources.guardJwtParam('jwtIssuer', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC', deploy)).toBe(
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC',
    );
    expect(deployResources.guardJwtParam('jwtAudience', '4t6kq0example', deploy)).toBe('4t6kq0example');
  });
});

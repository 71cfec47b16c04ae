/**
 * Mail to people as deployed (param approvalMail): the parameter checks of infra/mail-deploy.cjs,
 * and the template packaged with SES and every SES option set (identity, configuration set):
 * ses:SendEmail on exactly that identity and configuration set, as the From address only, and
 * no approvals or notifications topic. The sns setting is packaged in infra-params.test.ts; the
 * default (ses without a configuration set) in infra-iam.test.ts and infra-template.test.ts.
 */
import { createRequire } from 'node:module';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/env';
import { FAKE_DEPLOYMENT, applyConditions, evaluateCondition, packagedTemplate, resolveIntrinsics, type CloudFormationTemplate, type Json } from '../helpers/packaged-template';

const require = createRequire(import.meta.url);
const mailDeploy = require('../../infra/mail-deploy.cjs') as {
  parseDelivery(value: string): string;
  parseMailFrom(value: string, delivery: string, argv?: string[]): string;
  parseSesIdentity(value: string, mailFrom: string): string;
  parseConfigurationSet(value: string): string;
};

const DEPLOY = ['node', 'osls', 'deploy', '--stage', 'prod'];
const PACKAGE = ['node', 'osls', 'package'];

describe('mail parameters (infra/mail-deploy.cjs)', () => {
  it('approvalMail is ses (also when empty) or sns', () => {
    expect(mailDeploy.parseDelivery('')).toBe('ses');
    expect(mailDeploy.parseDelivery('sns')).toBe('sns');
    expect(() => mailDeploy.parseDelivery('smtp')).toThrow('param approvalMail: "smtp" must be ses or sns');
  });

  it('mailFrom is a plain address; its placeholder packages offline but does not deploy with ses', () => {
    expect(mailDeploy.parseMailFrom('access-broker@example.invalid', 'ses', PACKAGE)).toBe('access-broker@example.invalid');
    expect(() => mailDeploy.parseMailFrom('access-broker@example.invalid', 'ses', DEPLOY)).toThrow(/param mailFrom is "access-broker@example.invalid", a placeholder/);
    expect(mailDeploy.parseMailFrom('access-broker@example.invalid', 'sns', DEPLOY)).toBe('access-broker@example.invalid');
    expect(mailDeploy.parseMailFrom('access@mail.example.com', 'ses', DEPLOY)).toBe('access@mail.example.com');
    expect(() => mailDeploy.parseMailFrom('Access Broker <access@example.com>', 'ses', PACKAGE)).toThrow(/must be a plain email address/);
  });

  it('sesIdentity defaults to the domain of mailFrom and must cover mailFrom', () => {
    expect(mailDeploy.parseSesIdentity('', 'access@Mail.Example.com')).toBe('mail.example.com');
    expect(mailDeploy.parseSesIdentity('example.com', 'access@mail.example.com')).toBe('example.com');
    expect(mailDeploy.parseSesIdentity('access@mail.example.com', 'access@mail.example.com')).toBe('access@mail.example.com');
    expect(() => mailDeploy.parseSesIdentity('example.org', 'access@example.com')).toThrow('param sesIdentity: "example.org" is not mailFrom "access@example.com" nor its domain');
    expect(() => mailDeploy.parseSesIdentity('notexample.com', 'access@example.com')).toThrow(/is not mailFrom/);
    expect(() => mailDeploy.parseSesIdentity('other@example.com', 'access@example.com')).toThrow(/is not mailFrom/);
    expect(() => mailDeploy.parseSesIdentity('*', 'access@example.com')).toThrow(/must be a verified SES identity/);
  });

  it('sesConfigurationSet is empty or a configuration set name', () => {
    expect(mailDeploy.parseConfigurationSet('')).toBe('');
    expect(mailDeploy.parseConfigurationSet('access-broker_events')).toBe('access-broker_events');
    expect(() => mailDeploy.parseConfigurationSet('events/*')).toThrow(/must be an SES configuration set name/);
  });
});

const SES_PARAMS = { mailFrom: 'access-broker@mail.example.com', sesIdentity: 'example.com', sesConfigurationSet: 'access-broker-events' };
const IDENTITY = 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com';
const CONFIGURATION_SET = 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/access-broker-events';
const MAILING_ROLES = ['NotifyApproversRole', 'NotifyRequesterRole', 'SettleRequestRole', 'RevokeRequestRole', 'CredentialIssuerRole', 'SettleEndedExecutionRole', 'SweepStuckRequestsRole', 'RequestExtensionRole'];

describe('packaged with approvalMail ses, an identity and a configuration set', () => {
  let template: CloudFormationTemplate;
  beforeAll(async () => {
    template = await packagedTemplate({ params: SES_PARAMS });
  }, 300_000);

  const statements = (role: string): Json[] =>
    applyConditions(template, template.Resources[role]).Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);

  it('gives the mailing functions the From address and configuration set, and no topic', () => {
    expect(evaluateCondition(template, 'MailThroughSes')).toBe(true);
    expect(evaluateCondition(template, 'HasSesConfigurationSet')).toBe(true);
    for (const fn of ['NotifyApproversLambdaFunction', 'NotifyRequesterLambdaFunction', 'SettleRequestLambdaFunction']) {
      const config = loadConfig(resolveIntrinsics(template, template.Resources[fn]!.Properties.Environment.Variables));
      expect(config, fn).toMatchObject({ BROKER_MAIL_DELIVERY: 'ses', BROKER_MAIL_FROM: SES_PARAMS.mailFrom, BROKER_SES_CONFIGURATION_SET: SES_PARAMS.sesConfigurationSet });
      expect(config.BROKER_APPROVALS_TOPIC_ARN, fn).toBeUndefined();
      expect(config.BROKER_NOTIFICATIONS_TOPIC_ARN, fn).toBeUndefined();
    }
  });

  it('grants ses:SendEmail on exactly the identity and the configuration set, as the From address, through SESv2', () => {
    for (const role of MAILING_ROLES) {
      const ses = statements(role).filter((s: Json) => JSON.stringify(s.Action).includes('ses:'));
      expect(ses, role).toEqual([
        {
          Sid: 'SendEmailFromTheConfiguredIdentity',
          Effect: 'Allow',
          Action: 'ses:SendEmail',
          Resource: [{ 'Fn::Sub': IDENTITY }, { 'Fn::Sub': CONFIGURATION_SET }],
          Condition: { StringEquals: { 'ses:FromAddress': SES_PARAMS.mailFrom, 'ses:ApiVersion': '2' } },
        },
      ]);
      // No mail through SNS; the session enders may publish a session-deny-failed alarm, to the alarms topic only.
      const sns = statements(role).filter((s: Json) => JSON.stringify(s.Action).includes('sns:'));
      for (const s of sns) expect(s.Resource, role).toEqual({ Ref: 'AlarmsTopic' });
    }
    // No other role may mail anyone.
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::IAM::Role' || MAILING_ROLES.includes(id)) continue;
      expect(JSON.stringify(applyConditions(template, r)), id).not.toContain('ses:');
    }
  });

  it('simulated: sends as the From address on that identity; not as another address, not on another identity', async () => {
    const d = FAKE_DEPLOYMENT;
    const policy = resolveIntrinsics(template, template.Resources['NotifyApproversRole']!.Properties.Policies[0].PolicyDocument);
    const identity = `arn:aws:ses:${d.region}:${d.accountId}:identity/example.com`;
    const allowed = async (resource: string, context: Record<string, string>) => {
      const simulation: Simulation = {
        request: {
          principal: `arn:aws:sts::${d.accountId}:assumed-role/NotifyApproversRole/fn`,
          action: 'ses:SendEmail',
          resource: { resource, accountId: d.accountId },
          contextVariables: context,
        },
        identityPolicies: [{ name: 'notify-approvers', policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      };
      const result = await runSimulation(simulation, {});
      if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
      return result.overallResult;
    };
    const asBroker = { 'ses:FromAddress': SES_PARAMS.mailFrom, 'ses:ApiVersion': '2' };
    expect(await allowed(identity, asBroker)).toBe('Allowed');
    expect(await allowed(`arn:aws:ses:${d.region}:${d.accountId}:configuration-set/access-broker-events`, asBroker)).toBe('Allowed');
    expect(await allowed(identity, { ...asBroker, 'ses:FromAddress': 'ceo@example.com' })).not.toBe('Allowed');
    expect(await allowed(identity, { ...asBroker, 'ses:ApiVersion': '1' })).not.toBe('Allowed');
    expect(await allowed(`arn:aws:ses:${d.region}:${d.accountId}:identity/other.example`, asBroker)).not.toBe('Allowed');
  });

  it('deploys neither the approvals nor the notifications topic, nor their subscriptions or outputs', () => {
    expect(evaluateCondition(template, 'MailThroughSns')).toBe(false);
    for (const id of ['ApprovalsTopic', 'NotificationsTopic', 'BrokerTopicsPolicy']) expect(template.Resources[id]!.Condition, id).toBe('MailThroughSns');
    const subscribed = Object.values(template.Resources).filter((r) => r.Type === 'AWS::SNS::Subscription' && ['ApprovalsTopic', 'NotificationsTopic'].includes(r.Properties.TopicArn.Ref));
    expect(subscribed).toEqual([]);
  });
});

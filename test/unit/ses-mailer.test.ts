/**
 * Mail to people through Amazon SES (the default) and through the SNS topics (the option): the
 * exact SESv2 SendEmail parameters, checked against AWS's model and SES's documented rules, and
 * the choice between the two from the environment.
 */
import { SendEmailCommand, SESv2Client, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isThrottlingError } from '../../shared/adapters/aws-errors';
import { createSesMailer, mailSubject, MAIL_HEADERS, tagSafe } from '../../shared/adapters/ses/ses-mailer';
import { createSnsMailer } from '../../shared/adapters/sns/sns-mailer';
import { createSnsNotifier } from '../../shared/adapters/sns/sns-notifier';
import type { Target } from '../../shared/catalogue/types';
import { ConfigError, loadConfig } from '../../shared/config/env';
import type { AccessRequest } from '../../shared/domain/request';
import { approvalEmail } from '../../shared/notifications/approval-email';
import { requesterMessage } from '../../shared/notifications/requester-messages';
import { compose } from '../../shared/runtime/compose';
import { mailerPort } from '../../shared/runtime/ports/mailer';
import { assertMockCallsMatchModel, modelErrors } from '../helpers/aws-model';

const LINK = 'https://access.example.com/approvals/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCd';
const request = {
  id: '01JD3Z6W9Q8X7V5T4R3N2M1K0H',
  status: 'PENDING',
  version: 1,
  requester: { sub: 'alice', email: 'alice@example.com' },
  target: 'prod-readonly',
  account: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/BrokerReadOnly',
  services: ['ec2'],
  durationSeconds: 1800,
  reason: 'INC-4411: <b>restart</b> the "payments" workers & check logs',
  ticket: 'INC-4411',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  approvalsRequired: 2,
  approverEmails: ['carol@example.com', 'erin@example.com'],
  approverGroups: [],
  approvals: [],
  history: [],
} as AccessRequest;
const target = { id: 'prod-readonly', description: 'Read-only production' } as Target;
const approval = approvalEmail({ request, target, approver: 'carol@example.com', link: LINK, expiresAt: '2026-01-01T04:00:00.000Z', serviceNames: ['EC2'], permissions: [{ name: 'EC2', actions: ['ec2:Describe*'], resources: ['*'] }] });

/**
 * What SES documents beyond its model (which constrains neither tags nor addresses): tag names
 * and values of ASCII letters, digits, `_` and `-` up to 256 characters; one recipient per
 * message here; no header SES sets itself or that would let a scanner unsubscribe someone.
 */
function sesDocumentedViolations(input: SendEmailCommandInput): string[] {
  const problems: string[] = [];
  for (const tag of input.EmailTags ?? []) {
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(tag.Name ?? '')) problems.push(`tag name ${tag.Name}`);
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(tag.Value ?? '')) problems.push(`tag value ${tag.Value}`);
  }
  if (input.Destination?.ToAddresses?.length !== 1 || input.Destination.CcAddresses || input.Destination.BccAddresses) problems.push('not exactly one recipient');
  for (const h of input.Content?.Simple?.Headers ?? []) {
    if (/^(from|to|cc|bcc|subject|date|message-id|reply-to|content-type|mime-version|list-unsubscribe|list-unsubscribe-post)$/i.test(h.Name ?? '')) problems.push(`header ${h.Name}`);
  }
  if (/[\r\n]/.test(input.Content?.Simple?.Subject?.Data ?? '')) problems.push('subject on more than one line');
  return problems;
}

describe('createSesMailer', () => {
  const ses = new SESv2Client({ region: 'eu-west-1' });
  const sesMock = mockClient(ses);
  afterAll(() => sesMock.restore());

  beforeEach(() => {
    sesMock.reset();
    sesMock.on(SendEmailCommand).resolves({ MessageId: '0102018f-ses-message-id' });
  });

  // Every SendEmail a test sends must be one the SESv2 model, and SES's documented rules, accept.
  afterEach(() => {
    assertMockCallsMatchModel(sesMock);
    for (const call of sesMock.commandCalls(SendEmailCommand)) expect(sesDocumentedViolations(call.args[0].input)).toEqual([]);
  });

  it("sends an approver's mail to that approver alone, with a Text and an Html part, from the configured identity", async () => {
    const mailer = createSesMailer(ses, { from: 'access-broker@example.com', stage: 'prod' });
    await expect(mailer.send(approval)).resolves.toEqual({ messageId: '0102018f-ses-message-id' });
    expect(sesMock.commandCalls(SendEmailCommand).map((c) => c.args[0].input)).toEqual([
      {
        FromEmailAddress: 'access-broker@example.com',
        Destination: { ToAddresses: ['carol@example.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'Approve AWS access: alice@example.com to prod-readonly for 30m', Charset: 'UTF-8' },
            Body: { Text: { Data: approval.text, Charset: 'UTF-8' }, Html: { Data: approval.html, Charset: 'UTF-8' } },
            Headers: [
              { Name: 'Auto-Submitted', Value: 'auto-generated' },
              { Name: 'X-Auto-Response-Suppress', Value: 'All' },
            ],
          },
        },
        EmailTags: [
          { Name: 'stage', Value: 'prod' },
          { Name: 'kind', Value: 'approval-request' },
          { Name: 'requestId', Value: '01JD3Z6W9Q8X7V5T4R3N2M1K0H' },
        ],
      },
    ]);
  });

  it('names the configuration set when one is configured', async () => {
    const mailer = createSesMailer(ses, { from: 'access-broker@example.com', stage: 'prod', configurationSet: 'access-broker-events' });
    await mailer.send(approval);
    expect(sesMock.commandCalls(SendEmailCommand)[0]!.args[0].input.ConfigurationSetName).toBe('access-broker-events');
  });

  it("sends a requester's outcome as text only, tagged with the event, never with an address", async () => {
    const mailer = createSesMailer(ses, { from: 'access-broker@example.com', stage: 'dev' });
    const mail = requesterMessage({ ...request, status: 'DENIED' }, 'denied', 'https://access.example.com');
    await mailer.send(mail);
    const input = sesMock.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination).toEqual({ ToAddresses: ['alice@example.com'] });
    expect(input.Content?.Simple?.Body).toEqual({ Text: { Data: mail.text, Charset: 'UTF-8' } });
    expect(input.EmailTags).toEqual([
      { Name: 'stage', Value: 'dev' },
      { Name: 'event', Value: 'denied' },
      { Name: 'requestId', Value: '01JD3Z6W9Q8X7V5T4R3N2M1K0H' },
    ]);
    expect(JSON.stringify(input.EmailTags)).not.toContain('@');
  });

  it('keeps a subject on one line and under 200 characters; tags to the characters SES accepts', () => {
    expect(mailSubject('Approve\r\nBcc: x@example.com')).toBe('Approve Bcc: x@example.com');
    expect([...mailSubject('é'.repeat(300))]).toHaveLength(200);
    expect(mailSubject('Approve AWS access: ünïcode stays')).toBe('Approve AWS access: ünïcode stays');
    expect(tagSafe('stage.prod/eu')).toBe('stage_prod_eu');
  });

  it('sends no List-Unsubscribe and nothing a scanner could follow besides the link', () => {
    expect(MAIL_HEADERS.map((h) => h.Name)).toEqual(['Auto-Submitted', 'X-Auto-Response-Suppress']);
    expect(approval.html!.match(/https?:\/\/[^"<\s]+/g)).toEqual([LINK, LINK]);
    expect(approval.text.match(/https?:\/\/\S+/g)).toEqual([LINK]);
  });

  it("leaves SES's errors to the workflow's Retry rules: over the sending rate is throttled, the others are not", async () => {
    expect(modelErrors('sesv2', 'SendEmail')).toEqual(expect.arrayContaining(['TooManyRequestsException', 'MessageRejected', 'LimitExceededException']));
    const rate = Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' });
    sesMock.on(SendEmailCommand).rejects(rate);
    const mailer = createSesMailer(ses, { from: 'access-broker@example.com', stage: 'prod' });
    const error = await mailer.send(approval).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TooManyRequestsException' });
    expect(isThrottlingError(error)).toBe(true);
    expect(isThrottlingError(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }))).toBe(false);
  });
});

describe('createSnsMailer (approvalMail: sns)', () => {
  const sns = new SNSClient({ region: 'eu-west-1' });
  const snsMock = mockClient(sns);
  afterAll(() => snsMock.restore());
  beforeEach(() => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });
  afterEach(() => assertMockCallsMatchModel(snsMock));

  it("publishes the text part to the stream's topic with the attribute the subscription filters on", async () => {
    const topics = { approvals: 'arn:aws:sns:eu-west-1:123456789012:approvals', notifications: 'arn:aws:sns:eu-west-1:123456789012:notifications' };
    const mailer = createSnsMailer(createSnsNotifier(sns, topics));
    await mailer.send(approval);
    const input = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ TopicArn: topics.approvals, Message: approval.text, Subject: 'Approve AWS access: alice@example.com to prod-readonly for 30m' });
    expect(input.MessageAttributes?.approver).toEqual({ DataType: 'String', StringValue: 'carol@example.com' });
    await mailer.send(requesterMessage(request, 'granted', 'https://access.example.com'));
    expect(snsMock.commandCalls(PublishCommand)[1]!.args[0].input.TopicArn).toBe(topics.notifications);
  });

  it('refuses a stream whose topic the function was not given, naming it', async () => {
    const mailer = createSnsMailer(createSnsNotifier(sns, { alarms: 'arn:aws:sns:eu-west-1:123456789012:alarms' }));
    await expect(mailer.send(approval)).rejects.toThrow('No approvals topic is configured for this function');
  });
});

describe('mailerPort: the delivery the environment names', () => {
  const env = {
    BROKER_TABLE_NAME: 'access-broker-dev-BrokerTable',
    BROKER_PUBLIC_BASE_URL: 'https://access.example.com',
    BROKER_ALARMS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alarms',
    BROKER_STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:approval',
    BROKER_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    AWS_REGION: 'eu-west-1',
  };
  const problemsOf = (extra: Record<string, string>) => {
    try {
      loadConfig({ ...env, ...extra });
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it('SES by default, which needs a From address; SNS needs both topics', () => {
    expect(problemsOf({})).toEqual(['BROKER_MAIL_FROM is required (BROKER_MAIL_DELIVERY is ses)']);
    expect(problemsOf({ BROKER_MAIL_FROM: 'access-broker@example.com' })).toEqual([]);
    expect(problemsOf({ BROKER_MAIL_FROM: 'Access Broker' })).toEqual([expect.stringMatching(/^BROKER_MAIL_FROM: must be an email address/)]);
    expect(problemsOf({ BROKER_MAIL_DELIVERY: 'sns' })).toEqual([
      'BROKER_APPROVALS_TOPIC_ARN is required (BROKER_MAIL_DELIVERY is sns)',
      'BROKER_NOTIFICATIONS_TOPIC_ARN is required (BROKER_MAIL_DELIVERY is sns)',
    ]);
    expect(problemsOf({ BROKER_MAIL_DELIVERY: 'smtp' })).toEqual(['BROKER_MAIL_DELIVERY: must be ses or sns']);
    expect(problemsOf({ BROKER_MAIL_FROM: 'a@example.com', BROKER_SES_CONFIGURATION_SET: 'has space' })).toEqual([
      expect.stringMatching(/^BROKER_SES_CONFIGURATION_SET: must be an SES configuration set name/),
    ]);
  });

  it('builds the SES mailer, or the SNS one, and sends through it', async () => {
    const sesMock = mockClient(SESv2Client);
    const snsMock = mockClient(SNSClient);
    try {
      sesMock.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
      snsMock.on(PublishCommand).resolves({ MessageId: 'sns-1' });
      const viaSes = compose({ mailer: mailerPort }, {}, { ...env, BROKER_MAIL_FROM: 'access-broker@example.com', BROKER_SES_CONFIGURATION_SET: 'events' });
      await expect(viaSes.mailer.send(approval)).resolves.toEqual({ messageId: 'ses-1' });
      expect(sesMock.commandCalls(SendEmailCommand)[0]!.args[0].input).toMatchObject({ FromEmailAddress: 'access-broker@example.com', ConfigurationSetName: 'events' });
      const viaSns = compose(
        { mailer: mailerPort },
        {},
        { ...env, BROKER_MAIL_DELIVERY: 'sns', BROKER_APPROVALS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:approvals', BROKER_NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:notifications' },
      );
      await expect(viaSns.mailer.send(approval)).resolves.toEqual({ messageId: 'sns-1' });
      expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:approvals');
      expect(sesMock.commandCalls(SendEmailCommand)).toHaveLength(1);
    } finally {
      sesMock.restore();
      snsMock.restore();
    }
  });
});

import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSnsNotifier, safeSubject } from '../../shared/adapters/sns/sns-notifier';
import { APPROVER_ATTRIBUTE } from '../../shared/notifications/approval-email';
import { REQUESTER_ATTRIBUTE } from '../../shared/notifications/requester-messages';
import type { OutgoingMessage } from '../../shared/ports';
import { assertMockCallsMatchModel, modelErrors, modelViolations } from '../helpers/aws-model';

const TOPICS = {
  approvals: 'arn:aws:sns:eu-west-1:123456789012:access-broker-prod-approvals',
  notifications: 'arn:aws:sns:eu-west-1:123456789012:access-broker-prod-notifications',
  alarms: 'arn:aws:sns:eu-west-1:123456789012:access-broker-prod-alarms',
};

/**
 * SNS's Publish model constrains almost nothing (only Message is required), so the rules SNS
 * documents for Publish are checked here too: a subject of printable ASCII, no line breaks,
 * under 100 characters; message attribute names of A-Z a-z 0-9 _ - . (at most 256, no leading,
 * trailing or doubled period, no AWS./Amazon. prefix); names, types and values never empty.
 */
function snsDocumentedViolations(input: PublishCommand['input']): string[] {
  const problems: string[] = [];
  const subject = input.Subject;
  if (subject !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,98}$/.test(subject)) problems.push(`Subject ${JSON.stringify(subject)}`);
  for (const [name, value] of Object.entries(input.MessageAttributes ?? {})) {
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name) || /^\.|\.$|\.\./.test(name) || /^(aws|amazon)\./i.test(name)) problems.push(`attribute name ${name}`);
    if (!value.DataType) problems.push(`attribute ${name} DataType`);
    if (value.DataType === 'String' && !value.StringValue) problems.push(`attribute ${name} empty`);
  }
  return problems;
}

describe('createSnsNotifier', () => {
  const sns = new SNSClient({ region: 'eu-west-1' });
  const snsMock = mockClient(sns);
  const notifier = createSnsNotifier(sns, TOPICS);

  beforeEach(() => {
    snsMock.reset();
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  // Every Publish a test sends must be one the SNS model, and SNS's documented rules, accept.
  afterEach(() => {
    assertMockCallsMatchModel(snsMock);
    for (const call of snsMock.commandCalls(PublishCommand)) expect(snsDocumentedViolations(call.args[0].input)).toEqual([]);
  });

  const approval: OutgoingMessage = {
    topic: 'approvals',
    subject: 'Approve access to prod-readonly for alice@example.com',
    message: 'Alice asks for ec2 on prod-readonly.\nApprove: https://broker.example.com/a/xyz',
    attributes: { [APPROVER_ATTRIBUTE]: 'carol@example.com', requestId: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D', kind: 'approval-request' },
  };

  it('publishes to the topic of the message with the exact parameters, String attributes and no MessageStructure', async () => {
    await expect(notifier.publish(approval)).resolves.toEqual({ messageId: 'm-1' });
    expect(snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      {
        TopicArn: TOPICS.approvals,
        Subject: 'Approve access to prod-readonly for alice@example.com',
        Message: approval.message,
        MessageAttributes: {
          approver: { DataType: 'String', StringValue: 'carol@example.com' },
          requestId: { DataType: 'String', StringValue: '01JNKQ7R8W3V5X2Y4Z6A8B0C1D' },
          kind: { DataType: 'String', StringValue: 'approval-request' },
        },
      },
    ]);
  });

  it('sends MessageStructure json for a structured alarm', async () => {
    const body = JSON.stringify({ default: 'text', email: 'text', sqs: '{}' });
    await notifier.publish({
      topic: 'alarms',
      subject: '[CRITICAL] Out-of-band AssumeRole of Admin in 111111111111',
      message: body,
      structure: 'json',
      attributes: { severity: 'CRITICAL', classification: 'OUT_OF_BAND', roleArn: 'arn:aws:iam::111111111111:role/Admin', eventId: 'e-1' },
    });
    const sent = snsMock.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ TopicArn: TOPICS.alarms, MessageStructure: 'json', Message: body });
  });

  it.each([
    ['a line break', 'Access approved\nfor alice', 'Access approved for alice'],
    ['non-ASCII letters', 'Zugriff für Jürgen', 'Zugriff f?r J?rgen'],
    ['130 characters', 'x'.repeat(130), `${'x'.repeat(96)}...`],
    ['leading spaces', '   [WARN] role use', '[WARN] role use'],
  ])('a subject with %s becomes one SNS accepts', async (_label, subject, expected) => {
    expect(safeSubject(subject)).toBe(expected);
    await notifier.publish({ ...approval, topic: 'notifications', subject, attributes: { [REQUESTER_ATTRIBUTE]: 'alice@example.com', requestId: 'r1', event: 'approved' } });
    expect(snsMock.commandCalls(PublishCommand)[0]!.args[0].input.Subject).toBe(expected);
  });

  it('the checks can fail: a missing Message breaks the model, a raw subject breaks the documented rules', () => {
    expect(modelViolations('sns', 'Publish', { TopicArn: TOPICS.alarms })).toEqual(["MissingRequiredParameter: Missing required key 'Message' in Publish"]);
    expect(snsDocumentedViolations({ Message: 'm', Subject: 'two\nlines', MessageAttributes: { 'AWS.x': { DataType: 'String', StringValue: '' } } })).toEqual([
      'Subject "two\\nlines"',
      'attribute name AWS.x',
      'attribute AWS.x empty',
    ]);
  });

  it('lets SNS errors through for the caller to classify (Publish lists these)', async () => {
    const error = Object.assign(new Error('raw'), { name: 'KMSThrottlingException' });
    expect(modelErrors('sns', 'Publish')).toContain('KMSThrottlingException');
    snsMock.on(PublishCommand).rejects(error);
    await expect(notifier.publish(approval)).rejects.toBe(error);
  });
});

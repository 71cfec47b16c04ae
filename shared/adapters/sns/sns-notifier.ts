import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier, TopicName } from '../../ports';

/** SNS rejects subjects of 100 characters or more, and any control character in them. */
export function safeSubject(subject: string): string {
  const clean = subject.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length < 100 ? clean : `${clean.slice(0, 98)}…`;
}

export function createSnsNotifier(sns: SNSClient, topics: Record<TopicName, string>): Notifier {
  return {
    async publish(message) {
      const result = await sns.send(
        new PublishCommand({
          TopicArn: topics[message.topic],
          Subject: safeSubject(message.subject),
          Message: message.message,
          ...(message.structure ? { MessageStructure: message.structure } : {}),
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          ),
        }),
      );
      return { messageId: result.MessageId ?? '' };
    },
  };
}

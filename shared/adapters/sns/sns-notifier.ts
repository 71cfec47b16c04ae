import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier, TopicName } from '../../ports';

/**
 * SNS email subjects must be printable ASCII, under 100 characters, on one line: anything
 * else is refused or replaced by an error text. Non-ASCII becomes `?`, long subjects end `...`.
 */
export function safeSubject(subject: string): string {
  const clean = subject
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  return clean.length < 100 ? clean : `${clean.slice(0, 96)}...`;
}

/** Publishes to the topics it is given; a message for a topic the function was not given fails naming it. */
export function createSnsNotifier(sns: SNSClient, topics: Partial<Record<TopicName, string>>): Notifier {
  return {
    async publish(message) {
      const topicArn = topics[message.topic];
      if (!topicArn) throw new Error(`No ${message.topic} topic is configured for this function`);
      const result = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
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

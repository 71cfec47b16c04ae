import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventDeduper } from '../../ports/repositories';
import { isConditionFailure } from './client';
import { eventKey } from './keys';

/** A conditional put of the event id: the first delivery wins, repeats within the TTL are dropped. */
export function createDynamoEventDeduper(db: DynamoDBDocumentClient, tableName: string, retentionDays: number): EventDeduper {
  return {
    async firstSighting(eventId, now) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...eventKey(eventId),
              itemType: 'seen-event',
              seenAt: now.toISOString(),
              ttl: Math.floor(now.getTime() / 1000) + retentionDays * 86400,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },
    async forget(eventId) {
      await db.send(new DeleteCommand({ TableName: tableName, Key: eventKey(eventId) }));
    },
  };
}

import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AlarmKey } from '../../domain/alarm-scope';
import type { AlarmClaim, EventDeduper } from '../../ports/repositories';
import { isConditionFailure } from './client';
import { eventKey } from './keys';

/**
 * How long a claim stays in progress: longer than the alert function's timeout (30 s), shorter
 * than Lambda's first async retry (about 1 minute). A process killed between claim and publish
 * leaves the claim behind; the retry finds it expired, claims it and alarms.
 */
export const DEFAULT_IN_PROGRESS_MS = 40_000;

const IN_PROGRESS = 'INPROGRESS';
const COMPLETED = 'COMPLETED';

export interface DynamoEventDeduperOptions {
  /** Days a published alarm's key is remembered (DynamoDB TTL). */
  retentionDays: number;
  inProgressMs?: number;
}

/**
 * Alarm claims in the broker's table (`pk = EVENT#<key id>`, `sk = EVENT`), after the design of
 * Powertools Idempotency's DynamoDB persistence layer: a conditional put claims a key that is
 * absent, or whose claim expired while in progress (or, for correlated records, whose recorded
 * event time is outside the correlation window); `complete` marks it published; `release` drops
 * an in-progress claim after a failed publish. A claim that fails its condition is read back
 * (strongly consistent) to tell a duplicate from an alarm still being published.
 */
export function createDynamoEventDeduper(
  db: DynamoDBDocumentClient,
  tableName: string,
  options: DynamoEventDeduperOptions | number,
): EventDeduper {
  const { retentionDays, inProgressMs = DEFAULT_IN_PROGRESS_MS } =
    typeof options === 'number' ? { retentionDays: options } : options;
  return {
    async claim(key: AlarmKey, now: Date): Promise<AlarmClaim> {
      const nowMs = now.getTime();
      const names: Record<string, string> = { '#pk': 'pk', '#status': 'status', '#until': 'inProgressUntil' };
      const values: Record<string, unknown> = { ':inProgress': IN_PROGRESS, ':now': nowMs };
      let condition = 'attribute_not_exists(#pk) OR (#status = :inProgress AND #until < :now)';
      if (key.correlate) {
        names['#at'] = 'eventAtMs';
        values[':lo'] = key.correlate.atMs - key.correlate.withinMs;
        values[':hi'] = key.correlate.atMs + key.correlate.withinMs;
        condition += ' OR #at < :lo OR #at > :hi';
      }
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...eventKey(key.id),
              itemType: 'alarm-claim',
              status: IN_PROGRESS,
              inProgressUntil: nowMs + inProgressMs,
              claimedAt: now.toISOString(),
              ...(key.correlate ? { eventAtMs: key.correlate.atMs } : {}),
              ttl: Math.floor(nowMs / 1000) + retentionDays * 86400,
            },
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return 'claimed';
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: eventKey(key.id), ConsistentRead: true }));
      // Gone again (released between the two calls): someone is retrying it; so may we, later.
      return Item?.['status'] === COMPLETED ? 'completed' : 'in-progress';
    },

    async complete(key: AlarmKey, now: Date, source: string) {
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: eventKey(key.id),
          UpdateExpression: 'SET #status = :completed, completedAt = :at, #source = :source REMOVE inProgressUntil',
          ExpressionAttributeNames: { '#status': 'status', '#source': 'source' },
          ExpressionAttributeValues: { ':completed': COMPLETED, ':at': now.toISOString(), ':source': source },
        }),
      );
    },

    async release(key: AlarmKey) {
      try {
        await db.send(
          new DeleteCommand({
            TableName: tableName,
            Key: eventKey(key.id),
            ConditionExpression: '#status = :inProgress',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inProgress': IN_PROGRESS },
          }),
        );
      } catch (e) {
        // Already completed by another delivery, or gone: nothing to release.
        if (!isConditionFailure(e)) throw e;
      }
    },
  };
}

import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OpenClaim } from '../../domain/limits';
import type { LimitStore } from '../../ports/repositories';
import { isConditionFailure } from './client';
import { autoApprovalKey, openLimitKey, rateLimitKey, ttlFrom } from './keys';

/** A submission counter outlives its window by a day (TTL deletes it later; reads never need it). */
const COUNTER_RETENTION_SECONDS = 24 * 3600;

/** Runs a conditional write: true when it happened, false when its condition did not hold. */
async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (e) {
    if (isConditionFailure(e)) return false;
    throw e;
  }
}

/** The limit counters in the broker table: one item per (target, requester) or (window, requester). */
export function createDynamoLimitStore(db: DynamoDBDocumentClient, tableName: string): LimitStore {
  return {
    async openClaims(sub, target) {
      const result = await db.send(new GetCommand({ TableName: tableName, Key: openLimitKey(target, sub), ConsistentRead: true }));
      return {
        claims: (result.Item?.claims as OpenClaim[] | undefined) ?? [],
        version: typeof result.Item?.version === 'number' ? result.Item.version : 0,
      };
    },

    replaceOpenClaims(sub, target, expectedVersion, claims) {
      return conditional(
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...openLimitKey(target, sub), itemType: 'limit-open', claims, version: expectedVersion + 1 },
            ...(expectedVersion === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: '#version = :expected',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':expected': expectedVersion },
                }),
          }),
        ),
      );
    },

    countSubmission(sub, windowStart, limit, expiresAt) {
      return conditional(
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: rateLimitKey(windowStart, sub),
            UpdateExpression: 'ADD #count :one SET #ttl = :ttl, #itemType = :itemType',
            ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
            ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl', '#itemType': 'itemType' },
            ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': ttlFrom(expiresAt) + COUNTER_RETENTION_SECONDS, ':itemType': 'limit-rate' },
          }),
        ),
      );
    },

    claimAutoApproval(sub, target, requestId, now, until) {
      return conditional(
        db.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...autoApprovalKey(target, sub), itemType: 'limit-auto', requestId, until, ttl: ttlFrom(until) + COUNTER_RETENTION_SECONDS },
            ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now OR #requestId = :requestId',
            ExpressionAttributeNames: { '#until': 'until', '#requestId': 'requestId' },
            ExpressionAttributeValues: { ':now': now, ':requestId': requestId },
          }),
        ),
      );
    },

    async releaseAutoApproval(sub, target, requestId, now) {
      await conditional(
        db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: autoApprovalKey(target, sub),
            UpdateExpression: 'SET #until = :now',
            ConditionExpression: '#requestId = :requestId',
            ExpressionAttributeNames: { '#until': 'until', '#requestId': 'requestId' },
            ExpressionAttributeValues: { ':now': now, ':requestId': requestId },
          }),
        ),
      );
    },
  };
}

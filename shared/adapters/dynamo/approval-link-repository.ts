import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApprovalLink, ApprovalLinkRepository } from '../../ports/repositories';
import { isConditionFailure } from './client';
import { linkKey, ttlFrom } from './keys';

/** Links are kept a week past expiry so a late click gets "expired" (410), not "unknown" (404). */
const RETENTION_AFTER_EXPIRY_SECONDS = 7 * 24 * 3600;

export function createDynamoApprovalLinkRepository(db: DynamoDBDocumentClient, tableName: string): ApprovalLinkRepository {
  return {
    async put(link) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...linkKey(link.tokenHash), itemType: 'approval-link', ...link, ttl: ttlFrom(link.expiresAt) + RETENTION_AFTER_EXPIRY_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    async get(tokenHash) {
      const result = await db.send(new GetCommand({ TableName: tableName, Key: linkKey(tokenHash), ConsistentRead: true }));
      if (!result.Item) return undefined;
      const { tokenHash: hash, requestId, approver, createdAt, expiresAt, usedAt, purpose, round, extensionId } = result.Item as ApprovalLink;
      return {
        tokenHash: hash,
        requestId,
        approver,
        createdAt,
        expiresAt,
        ...(usedAt ? { usedAt } : {}),
        ...(purpose ? { purpose } : {}),
        ...(round !== undefined ? { round } : {}),
        ...(extensionId ? { extensionId } : {}),
      };
    },
    async markUsed(tokenHash, at) {
      try {
        await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: linkKey(tokenHash),
            UpdateExpression: 'SET usedAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
            ExpressionAttributeValues: { ':at': at },
          }),
        );
        return true;
      } catch (e) {
        if (isConditionFailure(e)) return false;
        throw e;
      }
    },
  };
}

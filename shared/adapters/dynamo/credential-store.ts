import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CredentialStore, StoredCredentials } from '../../ports/repositories';
import { credentialsKey, ttlFrom } from './keys';

/** Sealed credentials live in a sibling item that DynamoDB's TTL removes when the window ends. */
export function createDynamoCredentialStore(db: DynamoDBDocumentClient, tableName: string): CredentialStore {
  return {
    async put(credentials, windowEndsAt) {
      await db.send(
        new PutCommand({
          TableName: tableName,
          Item: { ...credentialsKey(credentials.requestId), itemType: 'credentials', ...credentials, ttl: ttlFrom(windowEndsAt) },
        }),
      );
    },
    async get(requestId) {
      const result = await db.send(new GetCommand({ TableName: tableName, Key: credentialsKey(requestId), ConsistentRead: true }));
      if (!result.Item) return undefined;
      const { sealed, expiration, issuedAt, chained } = result.Item as StoredCredentials;
      return { requestId, sealed, expiration, issuedAt, chained };
    },
    async delete(requestId) {
      await db.send(new DeleteCommand({ TableName: tableName, Key: credentialsKey(requestId) }));
    },
  };
}

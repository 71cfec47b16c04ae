import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One document client per process, built from the endpoint (local) or the Lambda's region. */
export function createDocumentClient(options: { endpoint?: string; region?: string } = {}): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(options.endpoint
      ? { endpoint: options.endpoint, region: options.region ?? 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : options.region
        ? { region: options.region }
        : {}),
    maxAttempts: 4,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * The error PutItem, UpdateItem and DeleteItem answer when their ConditionExpression is false.
 * (The adapters send no transactions, so TransactionCanceledException, whose reasons would
 * need reading one by one, cannot occur and is not treated as a condition failure.)
 */
export const CONDITION_FAILED_ERROR = 'ConditionalCheckFailedException';

export const isConditionFailure = (e: unknown): boolean => e instanceof Error && e.name === CONDITION_FAILED_ERROR;

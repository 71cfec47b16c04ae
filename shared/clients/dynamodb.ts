import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB document client: a DynamoDB-protocol endpoint (local mode, tests) or the
 * Lambda's region. Only functions that touch the table import this module.
 */
export function dynamoDocumentClient(
  options: { endpoint?: string; region?: string; requestHandler?: DynamoDBClientConfig['requestHandler'] } = {},
): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...(options.requestHandler ? { requestHandler: options.requestHandler } : {}),
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

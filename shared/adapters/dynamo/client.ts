/** The document client is built in shared/clients/dynamodb.ts (one module per SDK client). */
export { dynamoDocumentClient as createDocumentClient } from '../../clients/dynamodb';

export const isConditionFailure = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'ConditionalCheckFailedException' || e.name === 'TransactionCanceledException');

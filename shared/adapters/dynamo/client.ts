/** The document client is built in shared/clients/dynamodb.ts (one module per SDK client). */
export { dynamoDocumentClient as createDocumentClient } from '../../clients/dynamodb';

/**
 * The error PutItem, UpdateItem and DeleteItem answer when their ConditionExpression is false.
 * (The adapters send no transactions, so TransactionCanceledException, whose reasons would
 * need reading one by one, cannot occur and is not treated as a condition failure.)
 */
export const CONDITION_FAILED_ERROR = 'ConditionalCheckFailedException';

export const isConditionFailure = (e: unknown): boolean => e instanceof Error && e.name === CONDITION_FAILED_ERROR;

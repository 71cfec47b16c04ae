import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../clients/dynamodb';
import { dynamoOptions, type Source } from './compose';

const tables = new WeakMap<Source, { db: DynamoDBDocumentClient; name: string }>();

/** The broker table of a composition: one document client shared by the function's repositories. */
export function brokerTable(source: Source): { db: DynamoDBDocumentClient; name: string } {
  let table = tables.get(source);
  if (!table) {
    const config = source.config();
    table = { db: dynamoDocumentClient(dynamoOptions(config)), name: config.BROKER_TABLE_NAME };
    tables.set(source, table);
  }
  return table;
}

import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import definition from '../../../infra/dynamodb-table.json';

/**
 * The table as CloudFormation declares it (infra/dynamodb-table.json), reduced to what
 * CreateTable accepts. serverless.yml reads the same file, so local, test and deployed
 * tables cannot drift. TTL is not set here: dynalite has no TTL API; in AWS it is enabled
 * by the CloudFormation TimeToLiveSpecification.
 */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: definition.BillingMode as 'PAY_PER_REQUEST',
      AttributeDefinitions: definition.AttributeDefinitions as { AttributeName: string; AttributeType: 'S' }[],
      KeySchema: definition.KeySchema as { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[],
      GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes as never,
    }),
  );
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE' && (Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE`);
}

import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import definition from '../../infra/dynamodb-table.json';
import { createTable } from '../../shared/adapters/dynamo/table';
import { assertMockCallsMatchModel, modelMember, modelViolations } from '../helpers/aws-model';

/**
 * The one table definition (infra/dynamodb-table.json, shared with CloudFormation) as CreateTable
 * sends it in local mode and in tests: checked against the DynamoDB API model.
 */
describe('createTable', () => {
  it('sends a CreateTable and DescribeTable the DynamoDB model accepts, with the exact definition', async () => {
    const client = new DynamoDBClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(CreateTableCommand).resolves({});
    mock.on(DescribeTableCommand).resolves({
      Table: { TableStatus: 'ACTIVE', GlobalSecondaryIndexes: [{ IndexName: 'byRequester', IndexStatus: 'ACTIVE' }] },
    });

    await createTable(client, 'access-broker-test');

    expect(mock.commandCalls(CreateTableCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: 'access-broker-test',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: definition.AttributeDefinitions,
        KeySchema: definition.KeySchema,
        GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
      },
    ]);
    expect(assertMockCallsMatchModel(mock)).toBe(2);
  });

  it('the definition uses the model enums (BillingMode, KeyType, ProjectionType) and index names it allows', () => {
    expect(modelMember('dynamodb', 'CreateTable', 'BillingMode').enum).toContain(definition.BillingMode);
    for (const index of definition.GlobalSecondaryIndexes) {
      expect(modelMember('dynamodb', 'CreateTable', 'GlobalSecondaryIndexes[].Projection.ProjectionType').enum).toContain(index.Projection.ProjectionType);
    }
  });

  it('the check can fail: an unknown BillingMode and a one-character index name are rejected', () => {
    const violations = modelViolations('dynamodb', 'CreateTable', {
      TableName: 'access-broker-test',
      BillingMode: 'ON_DEMAND',
      AttributeDefinitions: definition.AttributeDefinitions,
      KeySchema: definition.KeySchema,
      GlobalSecondaryIndexes: [{ ...definition.GlobalSecondaryIndexes[0], IndexName: 'x' }],
    });
    expect(violations).toEqual([
      expect.stringMatching(/^EnumError: Found string value of ON_DEMAND.* for CreateTable\.BillingMode$/),
      expect.stringMatching(/^MinRangeError: .*>= 3, but found 1 for CreateTable\.GlobalSecondaryIndexes\[0\]\.IndexName$/),
    ]);
  });
});

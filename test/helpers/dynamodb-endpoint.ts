import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamo/client';
import { createTable } from '../../shared/adapters/dynamo/table';
import { startLocalDynamo } from '../../local/dynamo';

/**
 * Set to an endpoint (e.g. http://127.0.0.1:8000 of the official DynamoDB Local jar, see
 * scripts/dynamodb-local.sh) to run the data-layer tests against it instead of dynalite.
 */
export const DYNAMODB_ENDPOINT_ENV = 'BROKER_TEST_DYNAMODB_ENDPOINT';

export interface TestTable {
  /** 'external' when BROKER_TEST_DYNAMODB_ENDPOINT chose the endpoint, else 'dynalite'. */
  kind: 'external' | 'dynalite';
  endpoint: string;
  tableName: string;
  /** Raw client, for Scan/DescribeTable checks the adapters do not offer. */
  client: DynamoDBClient;
  /** Document client configured exactly as the broker configures its own. */
  db: DynamoDBDocumentClient;
  close(): Promise<void>;
}

const rawClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

/**
 * A fresh broker table: on the endpoint named by BROKER_TEST_DYNAMODB_ENDPOINT (a uniquely named
 * table, created with the one table definition and deleted afterwards), otherwise on an embedded
 * in-memory dynalite that is thrown away with it.
 */
export async function openTestTable(prefix = 'access-broker-test'): Promise<TestTable> {
  const external = process.env[DYNAMODB_ENDPOINT_ENV]?.trim();
  const tableName = `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  if (external) {
    if (!/^https?:\/\/[^\s]+$/.test(external)) {
      throw new Error(`${DYNAMODB_ENDPOINT_ENV} must be an http(s) URL such as http://127.0.0.1:8000 (got "${external}")`);
    }
    const client = rawClient(external);
    await createTable(client, tableName);
    const db = createDocumentClient({ endpoint: external });
    return {
      kind: 'external',
      endpoint: external,
      tableName,
      client,
      db,
      async close() {
        try {
          await client.send(new DeleteTableCommand({ TableName: tableName }));
        } finally {
          db.destroy();
          client.destroy();
        }
      },
    };
  }
  const dynamo = await startLocalDynamo({ tableName });
  const client = rawClient(dynamo.endpoint);
  const db = createDocumentClient({ endpoint: dynamo.endpoint });
  return {
    kind: 'dynalite',
    endpoint: dynamo.endpoint,
    tableName,
    client,
    db,
    async close() {
      db.destroy();
      client.destroy();
      await dynamo.close();
    },
  };
}

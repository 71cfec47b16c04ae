import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTable } from '../shared/adapters/dynamo/table';

export interface LocalDynamo {
  endpoint: string;
  /** DynamoDB API calls served so far, by operation (GetItem, UpdateItem, Query...). */
  operations(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * An in-process DynamoDB (dynalite) with the broker's table. In memory unless `path` is given,
 * in which case data survives restarts and the table is created only once.
 */
export async function startLocalDynamo(options: { tableName: string; path?: string; port?: number }): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  // Counted at the protocol level, so every SDK call from any adapter is seen exactly once.
  const operations: Record<string, number> = {};
  server.on('request', (req) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.split('.')[1];
    if (op) operations[op] = (operations[op] ?? 0) + 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await createTable(client, options.tableName);
  } catch (e) {
    if (!(e instanceof Error && e.name === 'ResourceInUseException')) throw e;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    operations: () => ({ ...operations }),
    // Requests in flight finish (dynalite closes its database once the server has closed, so a
    // request cut short could still write to it and throw). Keep-alive connections are closed as
    // soon as they fall idle, rather than left to time out, which held close() for about 6 s.
    close: () =>
      new Promise<void>((resolve) => {
        const sweep = setInterval(() => server.closeIdleConnections(), 20);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

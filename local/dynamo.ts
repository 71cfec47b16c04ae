import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTable } from '../shared/adapters/dynamo/table';
import { inFlight } from './in-flight';

export interface LocalDynamo {
  endpoint: string;
  /**
   * Serves the same DynamoDB API inside this process, without a socket: dynalite's own request
   * handler gets the signed request and answers it. The broker's client uses it (about half the
   * CPU of a call over HTTP); `endpoint` serves everything else.
   */
  requestHandler: NonNullable<DynamoDBClientConfig['requestHandler']>;
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
  /** Counts one call by its operation, from the `X-Amz-Target` header (`DynamoDB_20120810.GetItem`). */
  const count = (target: unknown) => {
    const op = String(target ?? '').split('.')[1];
    if (op) operations[op] = (operations[op] ?? 0) + 1;
  };
  server.on('request', (req) => count(req.headers['x-amz-target']));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const serve = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
  const requests = inFlight();
  let closing = false;
  const requestHandler: LocalDynamo['requestHandler'] = {
    handle(request: { method: string; path: string; headers: Record<string, string>; body?: string | Uint8Array }) {
      if (closing) return Promise.reject(new Error('the local DynamoDB is closed'));
      count(request.headers['x-amz-target']);
      const answered = new Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Readable } }>((resolve) => {
        const headers: Record<string, string> = {};
        const res = {
          statusCode: 200,
          setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
          end: (body?: string) => resolve({ response: { statusCode: res.statusCode, headers, body: Readable.from([Buffer.from(body ?? '')]) } }),
        };
        const req = Object.assign(new EventEmitter(), {
          method: request.method,
          url: request.path || '/',
          headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
        });
        serve(req as unknown as IncomingMessage, res as unknown as ServerResponse);
        // The SDK's JSON body is a Uint8Array (its string methods warn): wrap its bytes, no copy.
        const body = request.body instanceof Uint8Array ? Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength) : Buffer.from(request.body ?? '');
        req.emit('data', body);
        req.emit('end');
      });
      return requests.track(answered);
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  } as unknown as LocalDynamo['requestHandler'];
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, requestHandler });
  try {
    await createTable(client, options.tableName);
  } catch (e) {
    if (!(e instanceof Error && e.name === 'ResourceInUseException')) throw e;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    requestHandler,
    operations: () => ({ ...operations }),
    // Requests in flight finish (dynalite closes its database once the server has closed, so a
    // request cut short could still write to it and throw). Keep-alive connections are closed as
    // soon as they fall idle, rather than left to time out, which held close() for about 6 s.
    close: async () => {
      closing = true;
      await requests.drain();
      await new Promise<void>((resolve) => {
        const sweep = setInterval(() => server.closeIdleConnections(), 20);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}

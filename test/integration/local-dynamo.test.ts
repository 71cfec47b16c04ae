/**
 * Local mode's DynamoDB (dynalite): the broker's client is served inside the process, and the
 * same table answers on the HTTP endpoint for everything else.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../local/dynamo';
import { createDocumentClient } from '../../shared/adapters/dynamo/client';

const TABLE = 'local-dynamo-test';

describe('local DynamoDB served in the process', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tableName: TABLE });
  });
  afterAll(() => dynamo.close());

  it('answers the same table as its HTTP endpoint, counts both, and returns the SDK\'s typed errors', async () => {
    const inProcess = createDocumentClient({ endpoint: dynamo.endpoint, requestHandler: dynamo.requestHandler });
    const overHttp = createDocumentClient({ endpoint: dynamo.endpoint });
    try {
      const before = dynamo.operations();
      await inProcess.send(new PutCommand({ TableName: TABLE, Item: { pk: 'REQ#1', sk: 'REQ', note: 'é ✓ written in process' } }));
      expect((await overHttp.send(new GetCommand({ TableName: TABLE, Key: { pk: 'REQ#1', sk: 'REQ' } }))).Item?.note).toBe('é ✓ written in process');
      await overHttp.send(new PutCommand({ TableName: TABLE, Item: { pk: 'REQ#2', sk: 'REQ', n: 2 } }));
      expect((await inProcess.send(new GetCommand({ TableName: TABLE, Key: { pk: 'REQ#2', sk: 'REQ' } }))).Item).toEqual({ pk: 'REQ#2', sk: 'REQ', n: 2 });

      const refused = inProcess.send(
        new PutCommand({ TableName: TABLE, Item: { pk: 'REQ#1', sk: 'REQ' }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      await expect(refused).rejects.toBeInstanceOf(ConditionalCheckFailedException);
      await expect(inProcess.send(new GetCommand({ TableName: 'x', Key: { pk: 'a' } }))).rejects.toMatchObject({ name: 'ValidationException' });

      const after = dynamo.operations();
      expect((after.PutItem ?? 0) - (before.PutItem ?? 0)).toBe(3);
      expect((after.GetItem ?? 0) - (before.GetItem ?? 0)).toBe(3);
    } finally {
      inProcess.destroy();
      overHttp.destroy();
    }
  });

  it('close() lets a request in flight finish, then refuses new ones', async () => {
    const own = await startLocalDynamo({ tableName: TABLE });
    // close() is called the moment the handler has taken the request, before dynalite answers it.
    const order: string[] = [];
    let closed: Promise<void> | undefined;
    const handler = own.requestHandler as unknown as { handle(request: unknown): Promise<unknown> };
    const handle = handler.handle.bind(handler);
    const closing = {
      ...handler,
      handle(request: unknown) {
        const answered = handle(request).then((r) => (order.push('answered'), r));
        closed ??= own.close().then(() => void order.push('closed'));
        return answered;
      },
    };
    const db = createDocumentClient({ endpoint: own.endpoint, requestHandler: closing as unknown as LocalDynamo['requestHandler'] });
    try {
      await expect(db.send(new PutCommand({ TableName: TABLE, Item: { pk: 'REQ#3', sk: 'REQ' } }))).resolves.toBeDefined();
      await closed;
      expect(order).toEqual(['answered', 'closed']);
      await expect(db.send(new GetCommand({ TableName: TABLE, Key: { pk: 'REQ#3', sk: 'REQ' } }))).rejects.toThrow('the local DynamoDB is closed');
    } finally {
      db.destroy();
    }
  });
});

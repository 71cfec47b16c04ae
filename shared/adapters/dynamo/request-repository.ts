import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessRequest } from '../../domain/request';
import { assertTransition } from '../../domain/status';
import {
  StaleWriteError,
  type ListOptions,
  type Page,
  type RequestRepository,
  type RequestUpdate,
} from '../../ports/repositories';
import { isConditionFailure } from './client';
import { INDEX_BY_REQUESTER, INDEX_BY_TARGET, requestKey, requesterPartition, targetPartition } from './keys';

/** Query pages one list call may read per partition before answering with a cursor. */
export const MAX_QUERY_PAGES = 5;
/** Items per Query page when a status filter applies. */
const FILTERED_PAGE_SIZE = 100;

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'taskToken', 'itemType'] as const;

function toItem(request: AccessRequest): Record<string, unknown> {
  return {
    ...requestKey(request.id),
    gsi1pk: requesterPartition(request.requester.sub),
    gsi1sk: request.id,
    gsi2pk: targetPartition(request.target),
    gsi2sk: request.id,
    itemType: 'request',
    ...request,
  };
}

function fromItem(item: Record<string, unknown>): AccessRequest {
  const copy: Record<string, unknown> = { ...item };
  for (const key of KEY_ATTRIBUTES) delete copy[key];
  return copy as unknown as AccessRequest;
}

export function createDynamoRequestRepository(db: DynamoDBDocumentClient, tableName: string): RequestRepository {
  /** Pages through one index partition, newest first, until `limit` matches or the partition ends. */
  async function queryPartition(
    index: string,
    partitionKey: 'gsi1pk' | 'gsi2pk',
    partition: string,
    options: ListOptions,
  ): Promise<{ items: AccessRequest[]; exhausted: boolean; resumeBefore?: string }> {
    const sortKey = partitionKey === 'gsi1pk' ? 'gsi1sk' : 'gsi2sk';
    const items: AccessRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      if (pages++ === MAX_QUERY_PAGES) {
        // A filter that matches little must not read a whole partition in one API call: hand
        // back a cursor at the last key evaluated and let the client ask for the next page.
        return { items, exhausted: false, resumeBefore: String(startKey![sortKey]) };
      }
      const result = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: index,
          KeyConditionExpression: options.before ? '#pk = :pk AND #sk < :before' : '#pk = :pk',
          ...(options.status ? { FilterExpression: '#status = :status' } : {}),
          ExpressionAttributeNames: {
            '#pk': partitionKey,
            ...(options.before ? { '#sk': sortKey } : {}),
            ...(options.status ? { '#status': 'status' } : {}),
          },
          ExpressionAttributeValues: {
            ':pk': partition,
            ...(options.before ? { ':before': options.before } : {}),
            ...(options.status ? { ':status': options.status } : {}),
          },
          ScanIndexForward: false,
          // Read one more than needed so we know whether another page exists; with a filter, read
          // wider pages since most items may be filtered out.
          Limit: options.status ? Math.max(options.limit + 1, FILTERED_PAGE_SIZE) : options.limit + 1,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of result.Items ?? []) items.push(fromItem(item));
      startKey = result.LastEvaluatedKey;
    } while (items.length <= options.limit && startKey);
    return { items, exhausted: !startKey };
  }

  /**
   * Newest first, at most `limit`. When a partition stopped early at `resumeBefore`, only items
   * newer than the newest such point are returned, and that point is the cursor: the next page
   * queries every partition below it, so nothing is skipped or repeated.
   */
  function page(items: AccessRequest[], limit: number, mayHaveMore: boolean, resumeBefore?: string): Page {
    let sorted = [...items].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    if (resumeBefore) sorted = sorted.filter((r) => r.id > resumeBefore);
    const pageItems = sorted.slice(0, limit);
    if (sorted.length <= limit && resumeBefore) return { items: pageItems, last: resumeBefore };
    const more = sorted.length > limit || (mayHaveMore && pageItems.length === limit);
    const last = pageItems.at(-1)?.id;
    return more && last ? { items: pageItems, last } : { items: pageItems };
  }

  return {
    async create(request) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(request),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (e) {
        if (isConditionFailure(e)) throw new StaleWriteError(request.id);
        throw e;
      }
    },

    async get(id) {
      const result = await db.send(new GetCommand({ TableName: tableName, Key: requestKey(id), ConsistentRead: true }));
      return result.Item ? fromItem(result.Item) : undefined;
    },

    async getWithTaskToken(id) {
      const result = await db.send(new GetCommand({ TableName: tableName, Key: requestKey(id), ConsistentRead: true }));
      if (!result.Item) return undefined;
      const token = result.Item.taskToken;
      return { request: fromItem(result.Item), ...(typeof token === 'string' ? { taskToken: token } : {}) };
    },

    async getTaskToken(id) {
      const result = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: requestKey(id),
          ConsistentRead: true,
          ProjectionExpression: 'taskToken',
        }),
      );
      const token = result.Item?.taskToken;
      return typeof token === 'string' ? token : undefined;
    },

    async update(id, update: RequestUpdate) {
      // The table first: a move it does not list is refused before anything is sent. The write's
      // condition then pins the status (and version) the move was judged from.
      assertTransition(update.expectedStatus, update.set.status, id);
      const names: Record<string, string> = { '#version': 'version', '#status': 'status', '#history': 'history', '#updatedAt': 'updatedAt' };
      const values: Record<string, unknown> = {
        ':expectedVersion': update.expectedVersion,
        ':expectedStatus': update.expectedStatus,
        ':one': 1,
        ':append': update.append,
        ':updatedAt': update.at,
      };
      const sets = ['#version = #version + :one', '#history = list_append(#history, :append)', '#updatedAt = :updatedAt'];
      const removes: string[] = [];
      for (const [field, value] of Object.entries(update.set)) {
        names[`#f_${field}`] = field;
        if (value === undefined) {
          removes.push(`#f_${field}`);
        } else {
          values[`:f_${field}`] = value;
          sets.push(`#f_${field} = :f_${field}`);
        }
      }
      if (update.taskToken !== undefined) {
        names['#taskToken'] = 'taskToken';
        if (update.taskToken === null) removes.push('#taskToken');
        else {
          values[':taskToken'] = update.taskToken;
          sets.push('#taskToken = :taskToken');
        }
      }
      try {
        const result = await db.send(
          new UpdateCommand({
            TableName: tableName,
            Key: requestKey(id),
            UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
            ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion AND #status = :expectedStatus',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return fromItem(result.Attributes ?? {});
      } catch (e) {
        if (isConditionFailure(e)) throw new StaleWriteError(id);
        throw e;
      }
    },

    async appendHistory(id, entries) {
      if (entries.length === 0) return;
      await db.send(
        new UpdateCommand({
          TableName: tableName,
          Key: requestKey(id),
          UpdateExpression: 'SET #history = list_append(#history, :append)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#history': 'history' },
          ExpressionAttributeValues: { ':append': entries },
        }),
      );
    },

    async listByRequester(sub, options) {
      const { items, exhausted, resumeBefore } = await queryPartition(INDEX_BY_REQUESTER, 'gsi1pk', requesterPartition(sub), options);
      return page(items, options.limit, !exhausted, resumeBefore);
    },

    async listByTargets(targets, options) {
      // One query per target, merged: keyset pagination on the id keeps pages consistent across targets.
      const results = await Promise.all(
        [...new Set(targets)].map((t) => queryPartition(INDEX_BY_TARGET, 'gsi2pk', targetPartition(t), options)),
      );
      const resumePoints = results.map((r) => r.resumeBefore).filter((p): p is string => p !== undefined);
      return page(
        results.flatMap((r) => r.items),
        options.limit,
        results.some((r) => !r.exhausted),
        resumePoints.length ? resumePoints.reduce((a, b) => (a > b ? a : b)) : undefined,
      );
    },
  };
}

import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { historyPage, latestHistory, positionOf, storedApart, type PositionedEntry } from '../../domain/history';
import type { AccessRequest, HistoryEntry } from '../../domain/request';
import { assertTransition, isFinal } from '../../domain/status';
import {
  StaleWriteError,
  type ListOptions,
  type Page,
  type RequestRepository,
  type RequestUpdate,
} from '../../ports/repositories';
import { isConditionFailure } from './client';
import {
  HISTORY_END,
  HISTORY_PREFIX,
  INDEX_BY_OPEN,
  INDEX_BY_REQUESTER,
  OPEN_PARTITION,
  INDEX_BY_TARGET,
  historyKey,
  requestKey,
  requesterPartition,
  targetPartition,
} from './keys';

/** How far one filtered list call reads before it answers with a cursor. */
export interface QueryPaging {
  /** Query pages one list call may read per partition before answering with a cursor. */
  maxQueryPages: number;
  /** Items per Query page when a status filter applies. */
  filteredPageSize: number;
}

export const DEFAULT_QUERY_PAGING: Readonly<QueryPaging> = Object.freeze({ maxQueryPages: 5, filteredPageSize: 100 });

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'taskToken', 'itemType'] as const;

function toItem(request: AccessRequest): Record<string, unknown> {
  return {
    ...requestKey(request.id),
    gsi1pk: requesterPartition(request.requester.sub),
    gsi1sk: request.id,
    gsi2pk: targetPartition(request.target),
    gsi2sk: request.id,
    ...(isFinal(request.status) ? {} : { gsi3pk: OPEN_PARTITION, gsi3sk: request.id }),
    itemType: 'request',
    ...request,
  };
}

function fromItem(item: Record<string, unknown>): AccessRequest {
  const copy: Record<string, unknown> = { ...item };
  for (const key of KEY_ATTRIBUTES) delete copy[key];
  return copy as unknown as AccessRequest;
}

/** A history item back to its entry and position (the sort key after `H#`). */
function fromHistoryItem(item: Record<string, unknown>): PositionedEntry {
  const { pk: _pk, sk, itemType: _type, ...entry } = item;
  return { position: String(sk).slice(HISTORY_PREFIX.length), entry: entry as unknown as HistoryEntry };
}

/** 48 random bits keep two entries of the same millisecond apart. */
const uniqueSuffix = (): string => randomBytes(6).toString('hex');

/** `paging` is for tests, which prove the bound on a small table; deployments use the default. */
export function createDynamoRequestRepository(
  db: DynamoDBDocumentClient,
  tableName: string,
  paging: Readonly<QueryPaging> = DEFAULT_QUERY_PAGING,
): RequestRepository {
  const { maxQueryPages, filteredPageSize } = paging;
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
      if (pages++ === maxQueryPages) {
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
          Limit: options.status ? Math.max(options.limit + 1, filteredPageSize) : options.limit + 1,
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
      // A final status leaves the sweep's index (byOpen is sparse).
      if (update.set.status !== undefined && isFinal(update.set.status)) {
        names['#gsi3pk'] = 'gsi3pk';
        names['#gsi3sk'] = 'gsi3sk';
        removes.push('#gsi3pk', '#gsi3sk');
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
      const inline = entries.filter((e) => !storedApart(e));
      const apart = entries.filter(storedApart);
      const notFound = () => new Error(`Request ${id} not found; history not appended`);
      if (inline.length > 0) {
        try {
          await db.send(
            new UpdateCommand({
              TableName: tableName,
              Key: requestKey(id),
              UpdateExpression: 'SET #history = list_append(#history, :append)',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeNames: { '#history': 'history' },
              ExpressionAttributeValues: { ':append': inline },
            }),
          );
        } catch (e) {
          if (isConditionFailure(e)) throw notFound();
          throw e;
        }
      } else if (apart.length > 0) {
        // Without a transaction a put cannot be conditional on another item: read the request's
        // key first, so an entry is never written for a request that does not exist.
        const found = await db.send(
          new GetCommand({ TableName: tableName, Key: requestKey(id), ProjectionExpression: 'pk', ConsistentRead: true }),
        );
        if (!found.Item) throw notFound();
      }
      // One item per entry: nothing is rewritten, so concurrent appends cannot lose one. The
      // condition guards the (2^-48) case of two entries drawing the same position.
      await Promise.all(
        apart.map((entry) =>
          db.send(
            new PutCommand({
              TableName: tableName,
              Item: { ...historyKey(id, positionOf(entry.at, uniqueSuffix())), itemType: 'history', ...entry },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        ),
      );
    },

    async getWithLatestHistory(id, count) {
      const [item, newest] = await Promise.all([
        db.send(new GetCommand({ TableName: tableName, Key: requestKey(id), ConsistentRead: true })),
        db.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
            ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
            ExpressionAttributeValues: { ':pk': requestKey(id).pk, ':prefix': HISTORY_PREFIX },
            ScanIndexForward: false,
            Limit: count + 1,
            ConsistentRead: true,
          }),
        ),
      ]);
      if (!item.Item) return undefined;
      const request = fromItem(item.Item);
      const latest = latestHistory(request.history, (newest.Items ?? []).map(fromHistoryItem), count);
      return { request: { ...request, history: latest.entries }, more: latest.more };
    },

    async historyPage(id, { after, limit }) {
      const item = await db.send(
        new GetCommand({
          TableName: tableName,
          Key: requestKey(id),
          ProjectionExpression: '#pk, #history',
          ExpressionAttributeNames: { '#pk': 'pk', '#history': 'history' },
          ConsistentRead: true,
        }),
      );
      if (!item.Item) return undefined;
      const result = await db.send(
        new QueryCommand({
          TableName: tableName,
          // From the cursor itself (BETWEEN is inclusive; it is dropped below) to the last item.
          KeyConditionExpression:
            after === undefined ? '#pk = :pk AND begins_with(#sk, :first)' : '#pk = :pk AND #sk BETWEEN :first AND :last',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: {
            ':pk': requestKey(id).pk,
            ...(after === undefined ? { ':first': HISTORY_PREFIX } : { ':first': `${HISTORY_PREFIX}${after}`, ':last': HISTORY_END }),
          },
          ScanIndexForward: true,
          // The cursor's own item, then one more than the page: enough to know another page exists.
          Limit: limit + 2,
          ConsistentRead: true,
        }),
      );
      const items = (result.Items ?? []).map(fromHistoryItem).filter((p) => after === undefined || p.position > after);
      return historyPage((item.Item.history as HistoryEntry[] | undefined) ?? [], items, after, limit);
    },

    async listOpen({ after, limit }) {
      const result = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX_BY_OPEN,
          KeyConditionExpression: after === undefined ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
          ExpressionAttributeNames: { '#pk': 'gsi3pk', ...(after === undefined ? {} : { '#sk': 'gsi3sk' }) },
          ExpressionAttributeValues: { ':pk': OPEN_PARTITION, ...(after === undefined ? {} : { ':after': after }) },
          ScanIndexForward: true,
          Limit: limit,
        }),
      );
      const items = (result.Items ?? []).map(fromItem);
      const last = items.at(-1)?.id;
      return result.LastEvaluatedKey && last ? { items, last } : { items };
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

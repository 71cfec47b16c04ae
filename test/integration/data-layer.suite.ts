/**
 * The DynamoDB adapters against a real DynamoDB API. The same tests run on an embedded dynalite
 * (data-layer.test.ts), on any endpoint named by BROKER_TEST_DYNAMODB_ENDPOINT, and on the
 * official DynamoDB Local jar (test/conformance/dynamodb-local.test.ts and
 * scripts/dynamodb-local.sh), so dynalite's leniencies cannot hide a bug.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoApprovalLinkRepository } from '../../shared/adapters/dynamo/approval-link-repository';
import { createDynamoCredentialStore } from '../../shared/adapters/dynamo/credential-store';
import { createDynamoEventDeduper } from '../../shared/adapters/dynamo/event-deduper';
import { createDynamoLimitStore } from '../../shared/adapters/dynamo/limit-store';
import { INDEX_BY_REQUESTER, credentialsKey, eventKey, linkKey, requestKey } from '../../shared/adapters/dynamo/keys';
import { createDynamoRequestRepository, DEFAULT_QUERY_PAGING } from '../../shared/adapters/dynamo/request-repository';
import { newRequestId } from '../../shared/domain/ids';
import { HistoryType, type AccessRequest, type HistoryEntry } from '../../shared/domain/request';
import { RequestStatus, TransitionNotAllowedError } from '../../shared/domain/status';
import { StaleWriteError, type LimitStore, type Page, type RequestRepository, type StoredCredentials } from '../../shared/ports/repositories';
import { attachModelValidation, type ModelCheckLog } from '../helpers/aws-model';
import type { TestTable } from '../helpers/dynamodb-endpoint';

const BASE = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (offsetSeconds: number) => new Date(BASE + offsetSeconds * 1000).toISOString();

let seq = 0;
/** Distinct, increasing creation times: ids (ULIDs) then sort exactly in creation order. */
function makeRequest(overrides: Partial<AccessRequest> & { sub?: string } = {}): AccessRequest {
  const { sub = 'alice', ...rest } = overrides;
  const at = iso(++seq);
  const email = `${sub}@example.com`;
  return {
    id: newRequestId(new Date(at)),
    status: RequestStatus.PENDING,
    version: 1,
    requester: { sub, email },
    target: 'sandbox-readonly',
    account: '111111111111',
    roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
    services: ['ec2', 'cloudwatch'],
    durationSeconds: 3600,
    reason: 'debugging INC-4411 in the sandbox',
    ticket: 'INC-4411',
    createdAt: at,
    updatedAt: at,
    approvalsRequired: 1,
    approverEmails: ['carol@example.com', 'dave@example.com'],
    approverGroups: ['approvers'],
    approvals: [],
    history: [{ at, type: HistoryType.SUBMITTED, by: email }],
    ...rest,
  };
}

/** Follows `last` cursors to the end, returning each page's ids. */
async function allPages(list: (before?: string) => Promise<Page>): Promise<string[][]> {
  const pages: string[][] = [];
  let before: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await list(before);
    pages.push(page.items.map((r) => r.id));
    if (!page.last) return pages;
    expect(page.last).toBe(page.items.at(-1)?.id);
    before = page.last;
  }
  throw new Error('pagination did not end');
}

/** Follows listOpen's cursors with a small page, returning every id in order. */
let allOpen: () => Promise<string[]>;

const newestFirst = (requests: AccessRequest[]) => requests.map((r) => r.id).sort().reverse();

/**
 * Defines the data-layer tests on a fresh table from `open`, closed after them. Used by
 * data-layer.test.ts (dynalite, or BROKER_TEST_DYNAMODB_ENDPOINT) and by
 * test/conformance/dynamodb-local.test.ts (the official DynamoDB Local jar).
 */
export function describeDataLayer(label: string, open: () => Promise<TestTable>): void {
  describe(`data layer (${label})`, () => {
    let table: TestTable;
    let repo: RequestRepository;
    // Every low-level command the adapters send is checked against the DynamoDB API model before it
    // leaves (after the document client has marshalled it): a violation fails the call itself.
    let sent: ModelCheckLog;

    beforeAll(async () => {
      table = await open();
      sent = attachModelValidation(table.db);
      repo = createDynamoRequestRepository(table.db, table.tableName);
      allOpen = async () => {
        const ids: string[] = [];
        let after: string | undefined;
        for (let i = 0; i < 200; i++) {
          const page = await repo.listOpen({ limit: 3, ...(after ? { after } : {}) });
          ids.push(...page.items.map((r) => r.id));
          if (!page.last) return ids;
          after = page.last;
        }
        throw new Error('listOpen did not end');
      };
    });

    afterAll(async () => {
      await table?.close();
    });

    it('the table has the three indexes of the one table definition', async () => {
      const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(['byOpen', 'byRequester', 'byTarget']);
    });

    describe('request repository', () => {
      it('create then get returns exactly what was stored, without key attributes', async () => {
        const request = makeRequest();
        const before = sent.sent.length;
        await repo.create(request);
        expect(await repo.get(request.id)).toEqual(request);
        // A conditional PutItem (never overwrites), then a strongly consistent GetItem.
        expect(sent.sent.slice(before).map((s) => s.operation)).toEqual(['PutItem', 'GetItem']);
        expect(sent.sent[before]!.input).toMatchObject({ TableName: table.tableName, ConditionExpression: 'attribute_not_exists(pk)' });
        expect(sent.sent[before + 1]!.input).toEqual({
          TableName: table.tableName,
          Key: { pk: { S: `REQ#${request.id}` }, sk: { S: 'REQUEST' } },
          ConsistentRead: true,
        });

        const raw = await table.db.send(new GetCommand({ TableName: table.tableName, Key: requestKey(request.id) }));
        expect(raw.Item).toMatchObject({
          pk: `REQ#${request.id}`,
          sk: 'REQUEST',
          gsi1pk: 'REQUESTER#alice',
          gsi1sk: request.id,
          gsi2pk: 'TARGET#sandbox-readonly',
          gsi2sk: request.id,
          itemType: 'request',
        });
      });

      it('get of an unknown id is undefined', async () => {
        expect(await repo.get(newRequestId())).toBeUndefined();
      });

      it('creating an existing id fails with StaleWriteError and leaves the first item intact', async () => {
        const request = makeRequest();
        await repo.create(request);
        const impostor = { ...request, reason: 'overwritten by a second create', requester: { sub: 'mallory', email: 'mallory@example.com' } };
        const error = await repo.create(impostor).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(StaleWriteError);
        expect((error as StaleWriteError).requestId).toBe(request.id);
        expect(await repo.get(request.id)).toEqual(request);
      });

      it('an update with the right version and status writes the change, bumps the version and appends history', async () => {
        const request = makeRequest();
        await repo.create(request);
        const entry: HistoryEntry = { at: iso(10_000), type: HistoryType.CANCELLED, by: 'alice@example.com', detail: 'no longer needed' };
        const before = sent.sent.length;
        const updated = await repo.update(request.id, {
          expectedVersion: 1,
          expectedStatus: RequestStatus.PENDING,
          set: { status: RequestStatus.CANCELLED },
          append: [entry],
          at: entry.at,
        });
        expect(updated.status).toBe(RequestStatus.CANCELLED);
        expect(updated.version).toBe(2);
        expect(updated.updatedAt).toBe(entry.at);
        expect(updated.history).toEqual([...request.history, entry]);
        expect(updated).not.toHaveProperty('pk');
        // Exactly one UpdateItem, conditional on the version and status read, as DynamoDB receives it.
        expect(sent.sent.slice(before)).toEqual([
          {
            operation: 'UpdateItem',
            input: {
              TableName: table.tableName,
              Key: { pk: { S: `REQ#${request.id}` }, sk: { S: 'REQUEST' } },
              UpdateExpression:
                'SET #version = #version + :one, #history = list_append(#history, :append), #updatedAt = :updatedAt, #f_status = :f_status REMOVE #gsi3pk, #gsi3sk',
              ConditionExpression: 'attribute_exists(pk) AND #version = :expectedVersion AND #status = :expectedStatus',
              ExpressionAttributeNames: {
                '#version': 'version',
                '#status': 'status',
                '#history': 'history',
                '#updatedAt': 'updatedAt',
                '#f_status': 'status',
                // CANCELLED is final: the request leaves the sparse byOpen index.
                '#gsi3pk': 'gsi3pk',
                '#gsi3sk': 'gsi3sk',
              },
              ExpressionAttributeValues: {
                ':expectedVersion': { N: '1' },
                ':expectedStatus': { S: RequestStatus.PENDING },
                ':one': { N: '1' },
                ':append': { L: [{ M: { at: { S: entry.at }, type: { S: HistoryType.CANCELLED }, by: { S: 'alice@example.com' }, detail: { S: 'no longer needed' } } }] },
                ':updatedAt': { S: entry.at },
                ':f_status': { S: RequestStatus.CANCELLED },
              },
              ReturnValues: 'ALL_NEW',
            },
          },
        ]);
        expect(await repo.get(request.id)).toEqual(updated);
      });

      it('an update can set several fields and remove one (undefined) in the same write', async () => {
        const request = makeRequest({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:m:x' });
        await repo.create(request);
        const approvals = [{ by: 'carol@example.com', decision: 'approve' as const, at: iso(20_000), comment: 'ok' }];
        const updated = await repo.update(request.id, {
          expectedVersion: 1,
          expectedStatus: RequestStatus.PENDING,
          set: { status: RequestStatus.APPROVED, approvals, startsAt: iso(20_000), expiresAt: iso(23_600), executionArn: undefined },
          at: iso(20_001),
          append: [
            { at: iso(20_000), type: HistoryType.APPROVED_BY, by: 'carol@example.com' },
            { at: iso(20_001), type: HistoryType.APPROVED },
          ],
        });
        expect(updated).toMatchObject({ status: 'APPROVED', version: 2, approvals, startsAt: iso(20_000), expiresAt: iso(23_600), updatedAt: iso(20_001) });
        expect(updated).not.toHaveProperty('executionArn');
        expect(updated.history.map((h) => h.type)).toEqual(['submitted', 'approved-by', 'approved']);
      });

      it('an update with a stale version, a stale status, or for an unknown id fails with StaleWriteError and changes nothing', async () => {
        const request = makeRequest();
        await repo.create(request);
        const change = { set: { status: RequestStatus.CANCELLED }, append: [{ at: iso(30_000), type: HistoryType.CANCELLED }], at: iso(30_000) };
        await expect(repo.update(request.id, { ...change, expectedVersion: 2, expectedStatus: RequestStatus.PENDING })).rejects.toBeInstanceOf(
          StaleWriteError,
        );
        await expect(repo.update(request.id, { ...change, expectedVersion: 1, expectedStatus: RequestStatus.APPROVED })).rejects.toBeInstanceOf(
          StaleWriteError,
        );
        await expect(repo.update(newRequestId(), { ...change, expectedVersion: 1, expectedStatus: RequestStatus.PENDING })).rejects.toBeInstanceOf(
          StaleWriteError,
        );
        expect(await repo.get(request.id)).toEqual(request);
      });

      it('an update whose status move the transition table does not allow is refused before any write, even when version and status match', async () => {
        const cases: [RequestStatus, RequestStatus][] = [
          [RequestStatus.PENDING, RequestStatus.ACTIVE],
          [RequestStatus.PENDING, RequestStatus.EXPIRED],
          [RequestStatus.APPROVED, RequestStatus.PENDING],
          [RequestStatus.ACTIVE, RequestStatus.CANCELLED],
          [RequestStatus.DENIED, RequestStatus.APPROVED],
          [RequestStatus.CANCELLED, RequestStatus.FAILED],
          [RequestStatus.EXPIRED, RequestStatus.ACTIVE],
        ];
        for (const [from, to] of cases) {
          const request = makeRequest({ status: from });
          await repo.create(request);
          const update = repo.update(request.id, { expectedVersion: 1, expectedStatus: from, set: { status: to }, append: [], at: iso(40_000) });
          await expect(update).rejects.toBeInstanceOf(TransitionNotAllowedError);
          await expect(update).rejects.toMatchObject({ code: 'TRANSITION_NOT_ALLOWED', from, to });
          expect(await repo.get(request.id)).toEqual(request);
        }
        // A write that keeps the status (votes below quorum, a task token) is not a transition.
        const pending = makeRequest();
        await repo.create(pending);
        const kept = await repo.update(pending.id, { expectedVersion: 1, expectedStatus: RequestStatus.PENDING, set: { status: RequestStatus.PENDING }, append: [], at: iso(40_001) });
        expect(kept).toMatchObject({ status: 'PENDING', version: 2 });
      });

      it('of 10 concurrent updates expecting the same version exactly one succeeds', async () => {
        const request = makeRequest();
        await repo.create(request);
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            repo.update(request.id, {
              expectedVersion: 1,
              expectedStatus: RequestStatus.PENDING,
              set: { status: i % 2 === 0 ? RequestStatus.CANCELLED : RequestStatus.APPROVED },
              append: [{ at: iso(40_000 + i), type: HistoryType.NOTIFIED, detail: `writer ${i}` }],
              at: iso(40_000 + i),
            }),
          ),
        );
        const won = results.filter((r): r is PromiseFulfilledResult<AccessRequest> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        for (const l of lost) expect(l.reason).toBeInstanceOf(StaleWriteError);

        const stored = await repo.get(request.id);
        expect(stored?.version).toBe(2);
        expect(stored?.status).toBe(won[0]!.value.status);
        expect(stored?.history).toHaveLength(2);
        expect(stored?.history[1]?.detail).toBe(won[0]!.value.history[1]?.detail);
      });

      it('appendHistory keeps lifecycle entries on the request and stores each retrieval or alarm as its own item; unknown ids are refused', async () => {
        const request = makeRequest();
        await repo.create(request);
        const a: HistoryEntry = { at: iso(50_000), type: HistoryType.CREDENTIALS_RETRIEVED, by: 'alice@example.com', detail: 'format=json' };
        const b: HistoryEntry = { at: iso(50_001), type: HistoryType.ALERT_MATCHED, detail: 'AssumeRole from 203.0.113.7' };
        const c: HistoryEntry = { at: iso(50_002), type: HistoryType.REQUESTER_NOTIFIED, detail: 'granted' };
        await repo.appendHistory(request.id, [a]);
        await repo.appendHistory(request.id, [b, c]);
        await repo.appendHistory(request.id, []);
        const stored = await repo.get(request.id);
        // get(): the lifecycle (what the rules read); version and status untouched.
        expect(stored?.history).toEqual([...request.history, c]);
        expect(stored?.version).toBe(1);
        expect(stored?.status).toBe(RequestStatus.PENDING);
        // The entries stored apart: one item each in the request's partition, sort key H#<at>#<12 hex>.
        const raw = await table.db.send(
          new QueryCommand({
            TableName: table.tableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
            ExpressionAttributeValues: { ':pk': `REQ#${request.id}`, ':h': 'H#' },
          }),
        );
        expect(raw.Items?.map((i) => i.sk)).toEqual([
          expect.stringMatching(new RegExp(`^H#${a.at}#[0-9a-f]{12}$`)),
          expect.stringMatching(new RegExp(`^H#${b.at}#[0-9a-f]{12}$`)),
        ]);
        expect(raw.Items?.[0]).toEqual({ pk: `REQ#${request.id}`, sk: raw.Items?.[0]?.sk, itemType: 'history', ...a });
        // Every entry, in time order, through the history page.
        expect((await repo.historyPage(request.id, { limit: 10 }))?.entries).toEqual([...request.history, a, b, c]);

        const unknown = newRequestId();
        await expect(repo.appendHistory(unknown, [a])).rejects.toThrow(`Request ${unknown} not found; history not appended`);
        await expect(repo.appendHistory(unknown, [c])).rejects.toThrow(`Request ${unknown} not found; history not appended`);
        expect(await repo.get(unknown)).toBeUndefined();
        expect(await repo.historyPage(unknown, { limit: 10 })).toBeUndefined();
        expect(await repo.getWithLatestHistory(unknown, 20)).toBeUndefined();
      });

      it('concurrent appendHistory calls lose no entry, of either kind', async () => {
        const request = makeRequest();
        await repo.create(request);
        await Promise.all([
          ...Array.from({ length: 8 }, (_, i) => repo.appendHistory(request.id, [{ at: iso(55_000), type: HistoryType.CREDENTIALS_RETRIEVED, detail: `n${i}` }])),
          ...Array.from({ length: 4 }, (_, i) => repo.appendHistory(request.id, [{ at: iso(55_000), type: HistoryType.ISSUED, detail: `i${i}` }])),
        ]);
        const details = (await repo.historyPage(request.id, { limit: 100 }))?.entries.slice(1).map((h) => h.detail).sort();
        expect(details).toEqual(['i0', 'i1', 'i2', 'i3', 'n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
        expect((await repo.get(request.id))?.history.slice(1).map((h) => h.detail).sort()).toEqual(['i0', 'i1', 'i2', 'i3']);
      });

      it('getWithLatestHistory: the latest entries of both kinds, oldest first, and whether older ones exist', async () => {
        const request = makeRequest();
        await repo.create(request);
        expect(await repo.getWithLatestHistory(request.id, 3)).toEqual({ request, more: false });

        const retrievals = Array.from({ length: 30 }, (_, i): HistoryEntry => ({ at: iso(60_000 + i * 2), type: HistoryType.CREDENTIALS_RETRIEVED, detail: `r${i}` }));
        for (const entry of retrievals) await repo.appendHistory(request.id, [entry]);
        const issued: HistoryEntry = { at: iso(60_000 + 55), type: HistoryType.ISSUED, detail: 'refresh' };
        await repo.appendHistory(request.id, [issued]);

        const before = sent.sent.length;
        const found = await repo.getWithLatestHistory(request.id, 5);
        expect(found?.more).toBe(true);
        expect(found?.request).toEqual({ ...request, history: [retrievals[26], retrievals[27], issued, retrievals[28], retrievals[29]] });
        // One GetItem and one Query of the newest history items: never the whole partition.
        const calls = sent.sent.slice(before);
        expect(calls.map((c) => c.operation).sort()).toEqual(['GetItem', 'Query']);
        expect(calls.find((c) => c.operation === 'Query')?.input).toEqual({
          TableName: table.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': { S: `REQ#${request.id}` }, ':prefix': { S: 'H#' } },
          ScanIndexForward: false,
          Limit: 6,
          ConsistentRead: true,
        });
        // get() is unchanged by the items: the lifecycle only.
        expect((await repo.get(request.id))?.history).toEqual([...request.history, issued]);
      });

      it('historyPage pages through every entry oldest first, each exactly once, whatever the page size', async () => {
        const request = makeRequest();
        await repo.create(request);
        const entries: HistoryEntry[] = [];
        // 30 entries: 31 one-entry pages at limit 1, several pages at 7, two at 25, one at 100.
        for (let i = 0; i < 30; i++) {
          // Every fifth a lifecycle entry, several in the same millisecond as an item.
          const entry: HistoryEntry = i % 5 === 0
            ? { at: iso(70_000 + Math.floor(i / 3)), type: HistoryType.ISSUED, detail: `e${i}` }
            : { at: iso(70_000 + Math.floor(i / 3)), type: HistoryType.CREDENTIALS_RETRIEVED, detail: `e${i}` };
          entries.push(entry);
        }
        await Promise.all(entries.map((e) => repo.appendHistory(request.id, [e])));
        for (const limit of [1, 7, 25, 100]) {
          const seen: HistoryEntry[] = [];
          let after: string | undefined;
          for (let pages = 0; pages < 200; pages++) {
            const page = await repo.historyPage(request.id, { limit, ...(after ? { after } : {}) });
            expect(page!.entries.length).toBeLessThanOrEqual(limit);
            seen.push(...page!.entries);
            if (!page!.last) break;
            after = page!.last;
          }
          expect(seen).toHaveLength(31);
          expect(seen[0]).toEqual(request.history[0]);
          expect(seen.slice(1).map((e) => e.detail).sort()).toEqual(entries.map((e) => e.detail).sort());
          // Oldest first.
          expect(seen.map((e) => e.at)).toEqual([...seen.map((e) => e.at)].sort());
        }
      });

      it('listOpen: requests that are not final, oldest first, paged; a final status leaves the index', async () => {
        const before = await allOpen();
        const mine = [makeRequest({ sub: 'open-a' }), makeRequest({ sub: 'open-b' }), makeRequest({ sub: 'open-c', status: RequestStatus.CANCELLED })];
        for (const r of mine) await repo.create(r);
        const open = await allOpen();
        expect(open.filter((id) => !before.includes(id))).toEqual([mine[0]!.id, mine[1]!.id]);
        await repo.update(mine[0]!.id, { expectedVersion: 1, expectedStatus: RequestStatus.PENDING, set: { status: RequestStatus.APPROVED }, append: [], at: iso(90_000) });
        expect(await allOpen()).toContain(mine[0]!.id);
        await repo.update(mine[0]!.id, { expectedVersion: 2, expectedStatus: RequestStatus.APPROVED, set: { status: RequestStatus.FAILED }, append: [], at: iso(90_001) });
        expect(await allOpen()).not.toContain(mine[0]!.id);
        expect(await allOpen()).toContain(mine[1]!.id);
        // The index keys never reach the caller.
        const page = await repo.listOpen({ limit: 100 });
        expect(page.items.every((r) => !('gsi3pk' in r) && !('gsi3sk' in r))).toBe(true);
      });

      it('list queries never show history items as requests', async () => {
        const sub = `history-${newRequestId()}`;
        const mine = [makeRequest({ sub }), makeRequest({ sub })];
        for (const r of mine) await repo.create(r);
        for (let i = 0; i < 25; i++) {
          await repo.appendHistory(mine[0]!.id, [{ at: iso(80_000 + i), type: HistoryType.ALERT_MATCHED, detail: `a${i}` }]);
        }
        const page = await repo.listByRequester(sub, { limit: 10 });
        expect(page.items.map((r) => r.id)).toEqual(newestFirst(mine));
        expect(page.last).toBeUndefined();
        const byTarget = await repo.listByTargets(['sandbox-readonly'], { limit: 100 });
        expect(byTarget.items.every((r) => typeof r.status === 'string' && typeof r.id === 'string')).toBe(true);
      });

      it('the task token is stored and removed by updates and never returned by get()', async () => {
        const request = makeRequest();
        await repo.create(request);
        expect(await repo.getTaskToken(request.id)).toBeUndefined();
        const token = `AQCEAAAAKgAAAA${'x'.repeat(600)}`;
        const waiting = await repo.update(request.id, {
          expectedVersion: 1,
          expectedStatus: RequestStatus.PENDING,
          set: {},
          append: [{ at: iso(60_000), type: HistoryType.NOTIFIED }],
          at: iso(60_000),
          taskToken: token,
        });
        expect(waiting).not.toHaveProperty('taskToken');
        expect(waiting.version).toBe(2);
        expect(await repo.getTaskToken(request.id)).toBe(token);
        expect(await repo.get(request.id)).not.toHaveProperty('taskToken');
        expect(JSON.stringify(await repo.listByRequester('alice', { limit: 100 }))).not.toContain(token);

        await repo.update(request.id, {
          expectedVersion: 2,
          expectedStatus: RequestStatus.PENDING,
          set: { status: RequestStatus.CANCELLED },
          append: [{ at: iso(60_001), type: HistoryType.CANCELLED }],
          at: iso(60_001),
          taskToken: null,
        });
        expect(await repo.getTaskToken(request.id)).toBeUndefined();
        const raw = await table.db.send(new GetCommand({ TableName: table.tableName, Key: requestKey(request.id) }));
        expect(raw.Item).not.toHaveProperty('taskToken');
        expect(await repo.getTaskToken(newRequestId())).toBeUndefined();
      });

      it('listByRequester: newest first, paginated by limit and cursor, only the requester', async () => {
        const mine = Array.from({ length: 7 }, () => makeRequest({ sub: 'pager' }));
        const others = Array.from({ length: 3 }, () => makeRequest({ sub: 'pager-neighbour' }));
        // Written out of order: the order comes from the key, not from insertion.
        for (const r of [...others, ...mine].reverse()) await repo.create(r);

        const pages = await allPages((before) => repo.listByRequester('pager', { limit: 3, ...(before ? { before } : {}) }));
        const expected = newestFirst(mine);
        expect(pages).toEqual([expected.slice(0, 3), expected.slice(3, 6), expected.slice(6)]);

        const exact = await repo.listByRequester('pager', { limit: 7 });
        expect(exact.items.map((r) => r.id)).toEqual(expected);
        expect(exact.last).toBeUndefined();

        const page = await repo.listByRequester('pager', { limit: 100 });
        expect(page.items[0]).toEqual(mine.at(-1));
        expect(page.items[0]).not.toHaveProperty('gsi1pk');

        const older = await repo.listByRequester('pager', { limit: 100, before: mine[3]!.id });
        expect(older.items.map((r) => r.id)).toEqual(newestFirst(mine.slice(0, 3)));
        expect(await repo.listByRequester('nobody-at-all', { limit: 5 })).toEqual({ items: [] });
      });

      it('listByRequester with a status filter fills each page even when many non-matching items lie between matches', async () => {
        const sub = 'filtered';
        const all: AccessRequest[] = [];
        const matching: AccessRequest[] = [];
        for (let group = 0; group < 4; group++) {
          const m = makeRequest({ sub, status: RequestStatus.ACTIVE });
          matching.push(m);
          all.push(m);
          // More non-matching items than a page (and than Limit) between consecutive matches.
          for (let i = 0; i < 12; i++) all.push(makeRequest({ sub, status: RequestStatus.EXPIRED }));
        }
        for (const r of all) await repo.create(r);

        // A raw query with the same Limit shows why a naive single query would return a short page.
        const raw = await table.db.send(
          new QueryCommand({
            TableName: table.tableName,
            IndexName: INDEX_BY_REQUESTER,
            KeyConditionExpression: 'gsi1pk = :pk',
            FilterExpression: '#s = :s',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':pk': `REQUESTER#${sub}`, ':s': 'ACTIVE' },
            ScanIndexForward: false,
            Limit: 3,
          }),
        );
        expect(raw.Items).toHaveLength(0);
        expect(raw.LastEvaluatedKey).toBeDefined();

        const expected = newestFirst(matching);
        const pages = await allPages((before) => repo.listByRequester(sub, { limit: 2, status: RequestStatus.ACTIVE, ...(before ? { before } : {}) }));
        expect(pages).toEqual([expected.slice(0, 2), expected.slice(2, 4)]);

        const three = await allPages((before) => repo.listByRequester(sub, { limit: 3, status: RequestStatus.ACTIVE, ...(before ? { before } : {}) }));
        expect(three).toEqual([expected.slice(0, 3), expected.slice(3)]);

        const none = await repo.listByRequester(sub, { limit: 5, status: RequestStatus.DENIED });
        expect(none).toEqual({ items: [] });
        const expired = await repo.listByRequester(sub, { limit: 100, status: RequestStatus.EXPIRED });
        expect(expired.items).toHaveLength(48);
        expect(expired.items.every((r) => r.status === 'EXPIRED')).toBe(true);
      });

      it('listByTargets merges several targets newest first (id order) and pages across them', async () => {
        const targets = ['merge-a', 'merge-b', 'merge-c'];
        const created: AccessRequest[] = [];
        // Uneven interleaving: b gets a run of its own in the middle.
        const order = ['merge-a', 'merge-b', 'merge-b', 'merge-b', 'merge-a', 'merge-c', 'merge-b', 'merge-a', 'merge-c', 'merge-a', 'merge-b'];
        for (const [i, target] of order.entries()) {
          created.push(makeRequest({ sub: `merger-${i % 3}`, target, status: i % 4 === 0 ? RequestStatus.DENIED : RequestStatus.PENDING }));
        }
        for (const r of created) await repo.create(r);

        const ab = created.filter((r) => r.target !== 'merge-c');
        const pages = await allPages((before) => repo.listByTargets(['merge-a', 'merge-b', 'merge-a'], { limit: 3, ...(before ? { before } : {}) }));
        const expected = newestFirst(ab);
        expect(pages).toEqual([expected.slice(0, 3), expected.slice(3, 6), expected.slice(6, 9)]);
        expect(pages.flat()).toHaveLength(9);

        const everything = await repo.listByTargets(targets, { limit: 100 });
        expect(everything.items.map((r) => r.id)).toEqual(newestFirst(created));
        expect(everything.last).toBeUndefined();

        const pendingOnly = await allPages((before) =>
          repo.listByTargets(targets, { limit: 2, status: RequestStatus.PENDING, ...(before ? { before } : {}) }),
        );
        const expectedPending = newestFirst(created.filter((r) => r.status === 'PENDING'));
        expect(pendingOnly.flat()).toEqual(expectedPending);
        expect(pendingOnly.slice(0, -1).every((p) => p.length === 2)).toBe(true);

        expect(await repo.listByTargets(['no-such-target'], { limit: 3 })).toEqual({ items: [] });
      });

      it('getWithTaskToken returns the request and its token from one read, and no token once removed', async () => {
        const request = makeRequest();
        await repo.create(request);
        expect(await repo.getWithTaskToken(request.id)).toEqual({ request });
        const withToken = await repo.update(request.id, {
          expectedVersion: 1,
          expectedStatus: RequestStatus.PENDING,
          set: {},
          append: [],
          taskToken: 'token-for-one-read',
          at: iso(70_000),
        });
        expect(await repo.getWithTaskToken(request.id)).toEqual({ request: withToken, taskToken: 'token-for-one-read' });
        expect(await repo.getWithTaskToken(newRequestId())).toBeUndefined();
      });

      it('a filter that matches little reads a bounded number of pages, then answers with a cursor that loses nothing', async () => {
        const sub = `sparse-${seq}`;
        const target = `sparse-target-${seq}`;
        // Deployed, a call reads at most 5 filtered pages of 100; the same bound on pages of 10
        // shows the behaviour on 62 items instead of 562.
        expect(DEFAULT_QUERY_PAGING).toEqual({ maxQueryPages: 5, filteredPageSize: 100 });
        const small = createDynamoRequestRepository(table.db, table.tableName, { maxQueryPages: 5, filteredPageSize: 10 });
        const created: AccessRequest[] = [];
        // 60 non-matching items with two matching ones buried deep: more than 5 filtered pages of 10.
        for (let i = 0; i < 62; i++) {
          const r = makeRequest({ sub, target, ...(i === 3 || i === 7 ? { status: RequestStatus.REVOKED } : {}) });
          created.push(r);
        }
        await Promise.all(created.map((r) => repo.create(r)));
        const revoked = newestFirst(created.filter((r) => r.status === RequestStatus.REVOKED));

        for (const list of [
          (before?: string) => small.listByRequester(sub, { limit: 5, status: RequestStatus.REVOKED, ...(before ? { before } : {}) }),
          (before?: string) => small.listByTargets([target], { limit: 5, status: RequestStatus.REVOKED, ...(before ? { before } : {}) }),
        ]) {
          const first = await list();
          // The first call stopped after 5 pages of 10 without reaching the buried items.
          expect(first.items).toEqual([]);
          expect(first.last).toBeDefined();
          const found: string[] = [];
          let cursor = first.last;
          for (let calls = 0; cursor && calls < 10; calls++) {
            const next = await list(cursor);
            found.push(...next.items.map((r) => r.id));
            cursor = next.last;
          }
          expect(cursor).toBeUndefined();
          expect(found).toEqual(revoked);
        }
      });
    });

    describe('limit store', () => {
      let limits: LimitStore;
      beforeAll(() => {
        limits = createDynamoLimitStore(table.db, table.tableName);
      });

      it('counts submissions exactly under concurrency: of 14 parallel with a limit of 10, exactly 10 are counted', async () => {
        const results = await Promise.all(Array.from({ length: 14 }, () => limits.countSubmission('rate-user', iso(0), 10, iso(3600))));
        expect(results.filter(Boolean)).toHaveLength(10);
        // Another window, another count.
        expect(await limits.countSubmission('rate-user', iso(3600), 10, iso(7200))).toBe(true);
        const raw = await table.db.send(new GetCommand({ TableName: table.tableName, Key: { pk: `LIMIT#RATE#${iso(0)}#rate-user`, sk: 'LIMIT' } }));
        expect(raw.Item).toEqual({ pk: `LIMIT#RATE#${iso(0)}#rate-user`, sk: 'LIMIT', itemType: 'limit-rate', count: 10, ttl: Date.parse(iso(3600)) / 1000 + 86_400 });
      });

      it('open-request slots: a replace is conditional on the version, so of 8 parallel writers exactly one wins', async () => {
        expect(await limits.openClaims('slot-user', 'sandbox-readonly')).toEqual({ claims: [], version: 0 });
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => limits.replaceOpenClaims('slot-user', 'sandbox-readonly', 0, [{ requestId: `r${i}`, at: iso(1) }])),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const stored = await limits.openClaims('slot-user', 'sandbox-readonly');
        expect(stored.version).toBe(1);
        expect(stored.claims).toHaveLength(1);
        expect(await limits.replaceOpenClaims('slot-user', 'sandbox-readonly', 0, [])).toBe(false);
        expect(await limits.replaceOpenClaims('slot-user', 'sandbox-readonly', 1, [])).toBe(true);
        expect(await limits.openClaims('slot-user', 'sandbox-readonly')).toEqual({ claims: [], version: 2 });
        // Another target (or requester) has its own slots.
        expect((await limits.openClaims('slot-user', 'prod-readonly')).version).toBe(0);
      });

      it('auto-approval claims: one request at a time until its end, a retry of the holder succeeds, a release frees it', async () => {
        expect(await limits.claimAutoApproval('auto-user', 'sandbox-readonly', 'r1', iso(0), iso(100))).toBe(true);
        expect(await limits.claimAutoApproval('auto-user', 'sandbox-readonly', 'r2', iso(50), iso(150))).toBe(false);
        expect(await limits.claimAutoApproval('auto-user', 'sandbox-readonly', 'r1', iso(60), iso(100))).toBe(true);
        expect(await limits.claimAutoApproval('auto-user', 'sandbox-readonly', 'r2', iso(100), iso(200))).toBe(true);
        await limits.releaseAutoApproval('auto-user', 'sandbox-readonly', 'r1', iso(110));
        expect(await limits.claimAutoApproval('auto-user', 'sandbox-readonly', 'r3', iso(110), iso(300))).toBe(false);
        await limits.releaseAutoApproval('auto-user', 'sandbox-readonly', 'r2', iso(110));
        expect(await limits.claimAutoApproval('auto-user', 'sandbox-readonly', 'r3', iso(111), iso(300))).toBe(true);
        const concurrent = await Promise.all(
          Array.from({ length: 6 }, (_, i) => limits.claimAutoApproval('auto-user', 'prod-readonly', `p${i}`, iso(0), iso(100))),
        );
        expect(concurrent.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('approval links', () => {
      const links = () => createDynamoApprovalLinkRepository(table.db, table.tableName);
      const link = (hash: string) => ({
        tokenHash: hash,
        requestId: newRequestId(),
        approver: 'carol@example.com',
        createdAt: iso(70_000),
        expiresAt: iso(70_000 + 4 * 3600),
      });

      it('put then get returns the link; a second put of the same hash is refused', async () => {
        const l = link('a'.repeat(64));
        await links().put(l);
        expect(await links().get(l.tokenHash)).toEqual(l);
        await expect(links().put({ ...l, approver: 'mallory@example.com' })).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
        expect(await links().get(l.tokenHash)).toEqual(l);
        expect(await links().get('f'.repeat(64))).toBeUndefined();

        const raw = await table.db.send(new GetCommand({ TableName: table.tableName, Key: linkKey(l.tokenHash) }));
        expect(raw.Item?.ttl).toBe(Math.floor(Date.parse(l.expiresAt) / 1000) + 7 * 24 * 3600);
      });

      it('markUsed succeeds once; the second (and a racing) call gets false; unknown hashes get false', async () => {
        const l = link('b'.repeat(64));
        await links().put(l);
        expect(await links().markUsed(l.tokenHash, iso(71_000))).toBe(true);
        expect(await links().markUsed(l.tokenHash, iso(71_001))).toBe(false);
        expect(await links().get(l.tokenHash)).toEqual({ ...l, usedAt: iso(71_000) });

        const racing = link('c'.repeat(64));
        await links().put(racing);
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => links().markUsed(racing.tokenHash, iso(72_000 + i))));
        expect(results.filter(Boolean)).toHaveLength(1);

        expect(await links().markUsed('d'.repeat(64), iso(73_000))).toBe(false);
        expect(await links().get('d'.repeat(64))).toBeUndefined();
      });
    });

    describe('event deduper (alarm claims)', () => {
      const key = (id: string) => ({ id: `event:111111111111:${id}` });

      it('claims a key once; while in progress a second claim is refused as in-progress, after complete as completed; TTL is the retention', async () => {
        const deduper = createDynamoEventDeduper(table.db, table.tableName, { retentionDays: 7, inProgressMs: 40_000 });
        const now = new Date(BASE);
        const k = key('7f1c5b8e-1d3a-4c2e-9b1a-0e5f3a2d4c6b');
        expect(await deduper.claim(k, now)).toBe('claimed');
        expect(await deduper.claim(k, new Date(BASE + 1000))).toBe('in-progress');
        expect(await deduper.claim(key('other'), now)).toBe('claimed');
        const raw = await table.db.send(new GetCommand({ TableName: table.tableName, Key: eventKey(k.id) }));
        expect(raw.Item).toMatchObject({ itemType: 'alarm-claim', status: 'INPROGRESS', inProgressUntil: BASE + 40_000, ttl: BASE / 1000 + 7 * 86400 });

        await deduper.complete(k, new Date(BASE + 2000), 'eventbridge');
        expect(await deduper.claim(k, new Date(BASE + 3000))).toBe('completed');
        // Completed is final: not even an expired in-progress time reopens it.
        expect(await deduper.claim(k, new Date(BASE + 3_600_000))).toBe('completed');
        const done = await table.db.send(new GetCommand({ TableName: table.tableName, Key: eventKey(k.id) }));
        expect(done.Item).toMatchObject({ status: 'COMPLETED', source: 'eventbridge' });
        expect(done.Item).not.toHaveProperty('inProgressUntil');

        const racing = await Promise.all(Array.from({ length: 6 }, () => deduper.claim(key('racing-event'), now)));
        expect(racing.filter((r) => r === 'claimed')).toHaveLength(1);
      });

      it('a claim left in progress by a crash expires: the retry claims it again and the alarm is not lost', async () => {
        const deduper = createDynamoEventDeduper(table.db, table.tableName, { retentionDays: 7, inProgressMs: 40_000 });
        const k = key('crashed-between-claim-and-publish');
        expect(await deduper.claim(k, new Date(BASE))).toBe('claimed');
        // The process dies here: no publish, no release.
        expect(await deduper.claim(k, new Date(BASE + 39_000))).toBe('in-progress');
        expect(await deduper.claim(k, new Date(BASE + 41_000))).toBe('claimed');
      });

      it('release drops an in-progress claim (a failed publish is retried at once) but never a completed one', async () => {
        const deduper = createDynamoEventDeduper(table.db, table.tableName, 7);
        const now = new Date(BASE);
        const k = key('released-event');
        expect(await deduper.claim(k, now)).toBe('claimed');
        await deduper.release(k);
        expect(await deduper.claim(k, now)).toBe('claimed');
        await deduper.complete(k, now, 'trail-reconciliation');
        await deduper.release(k); // no effect on a published alarm
        expect(await deduper.claim(k, now)).toBe('completed');
        await deduper.release(key('never-seen-event')); // harmless
      });

      it('correlated keys (console switch records) are one alarm within the window, a new one outside it', async () => {
        const deduper = createDynamoEventDeduper(table.db, table.tableName, 7);
        const at = BASE;
        const k = (atMs: number) => ({ id: 'switch:aws:111111111111:temporaryadminrole:mallory', correlate: { atMs, withinMs: 120_000 } });
        expect(await deduper.claim(k(at), new Date(at))).toBe('claimed');
        await deduper.complete(k(at), new Date(at), 'eventbridge');
        expect(await deduper.claim(k(at + 2000), new Date(at + 5000))).toBe('completed');
        expect(await deduper.claim(k(at - 1000), new Date(at + 5000))).toBe('completed');
        expect(await deduper.claim(k(at + 600_000), new Date(at + 600_000))).toBe('claimed');
      });
    });

    describe('credential store', () => {
      const stored = (requestId: string, expiration: string): StoredCredentials => ({
        requestId,
        sealed: { encryptedKey: 'ZW5jcnlwdGVk', iv: 'aXY=', ciphertext: 'Y2lwaGVy', tag: 'dGFn', keyId: 'local-key-1' },
        expiration,
        issuedAt: iso(80_000),
        chained: true,
      });

      it('put, get, overwrite on refresh, delete; nothing read back but the stored fields', async () => {
        const store = createDynamoCredentialStore(table.db, table.tableName);
        const id = newRequestId();
        expect(await store.get(id)).toBeUndefined();

        const first = stored(id, iso(83_600));
        await store.put(first, iso(94_400));
        expect(await store.get(id)).toEqual(first);
        const raw = await table.db.send(new GetCommand({ TableName: table.tableName, Key: credentialsKey(id) }));
        expect(raw.Item?.ttl).toBe(Math.floor(Date.parse(iso(94_400)) / 1000));

        const refreshed = { ...stored(id, iso(87_200)), issuedAt: iso(83_500), chained: false };
        await store.put(refreshed, iso(94_400));
        expect(await store.get(id)).toEqual(refreshed);

        await store.delete(id);
        expect(await store.get(id)).toBeUndefined();
        await store.delete(id); // deleting twice is harmless
      });

      it('credentials live beside their request without disturbing it', async () => {
        const request = makeRequest();
        await repo.create(request);
        const store = createDynamoCredentialStore(table.db, table.tableName);
        await store.put(stored(request.id, iso(90_000)), iso(95_000));
        expect(await repo.get(request.id)).toEqual(request);
        const page = await repo.listByRequester('alice', { limit: 100 });
        expect(page.items.every((r) => 'status' in r && !('sealed' in r))).toBe(true);
        await store.delete(request.id);
        expect(await repo.get(request.id)).toEqual(request);
      });
    });

    // Runs last: the whole suite's traffic, every operation the adapters use, matched the model.
    it('every command the adapters sent matched the DynamoDB API model', () => {
      expect(sent.violations.map((v) => v.message)).toEqual([]);
      expect(new Set(sent.sent.map((s) => s.operation))).toEqual(new Set(['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query']));
    });
  });
}

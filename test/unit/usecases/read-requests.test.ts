import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../shared/domain/identity';
import { getVisibleRequest, listRequests, type ListQuery } from '../../../shared/usecases/read-requests';
import { CALLERS, aRequest, fakePorts } from '../../helpers/fake-ports';

const id = (n: number) => `01J00000000000000000000${String(n).padStart(3, '0')}`;

describe('getVisibleRequest', () => {
  const request = aRequest({ id: id(1), approverGroups: ['approvers'], approverEmails: ['carol@example.com'] });
  it.each<[string, Caller, string | undefined, boolean]>([
    ['the requester', CALLERS.alice, id(1), true],
    ['an emailed approver', CALLERS.carol, id(1), true],
    ['an approver-group member', CALLERS.dave, id(1), true],
    ['another engineer: 404', CALLERS.bob, id(1), false],
    ['a contractor: 404', CALLERS.mallory, id(1), false],
    ['the requester asking for an id that does not exist: 404 alike', CALLERS.alice, id(2), false],
  ])('%s', async (_name, caller, requested, visible) => {
    const ports = fakePorts({ requests: [request] });
    const result = getVisibleRequest(ports, caller, requested!);
    if (visible) await expect(result).resolves.toMatchObject({ id: id(1) });
    else await expect(result).rejects.toMatchObject({ kind: 'not-found', message: `Request ${requested} not found` });
  });
});

describe('listRequests', () => {
  // alice: 1, 3 (sandbox); bob: 2 (prod); carol: 4 (sandbox), 5 (prod, cancelled); dave: none.
  const stored = [
    aRequest({ id: id(1) }),
    aRequest({ id: id(2), requester: { sub: 'bob', email: 'bob@example.com' }, target: 'prod-readonly' }),
    aRequest({ id: id(3) }),
    aRequest({ id: id(4), requester: { sub: 'carol', email: 'carol@example.com' } }),
    aRequest({ id: id(5), requester: { sub: 'carol', email: 'carol@example.com' }, target: 'prod-readonly', status: 'CANCELLED' }),
  ];

  it.each<[string, Caller, Omit<ListQuery, 'limit'> & { limit?: number }, string[], string | undefined]>([
    ['mine: own requests, newest first', CALLERS.alice, { scope: 'mine' }, [id(3), id(1)], undefined],
    ['mine with a status filter', CALLERS.carol, { scope: 'mine', status: 'CANCELLED' }, [id(5)], undefined],
    ['approvals: every request of targets the caller approves, except their own', CALLERS.carol, { scope: 'approvals' }, [id(3), id(2), id(1)], undefined],
    ['approvals as a group member', CALLERS.erin, { scope: 'approvals' }, [id(5), id(4), id(3), id(2), id(1)], undefined],
    ['approvals for a caller who approves nothing', CALLERS.bob, { scope: 'approvals' }, [], undefined],
    ['approvals page of 2 is filled past the caller\'s own newest', CALLERS.carol, { scope: 'approvals', limit: 2 }, [id(3), id(2)], id(2)],
    ['the next page from the cursor', CALLERS.carol, { scope: 'approvals', limit: 2, before: id(2) }, [id(1)], undefined],
  ])('%s', async (_name, caller, query, wantIds, wantLast) => {
    const ports = fakePorts({ requests: stored });
    const page = await listRequests(ports, caller, { limit: 10, ...query });
    expect(page.items.map((r) => r.id)).toEqual(wantIds);
    expect(page.last).toBe(wantLast);
    expect(ports.recorded.writes).toEqual([]);
  });
});

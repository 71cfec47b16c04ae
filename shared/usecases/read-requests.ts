import { NotFoundError } from '../domain/errors';
import { canView, isApproverOf, isRequester } from '../domain/authorization';
import type { Caller } from '../domain/identity';
import { canRead } from '../domain/revocation';
import type { AccessRequest } from '../domain/request';
import type { RequestStatus } from '../domain/status';
import type { Page } from '../ports/repositories';
import type { Deps } from '../runtime/deps';

/** The ports this use case touches (its composition root provides exactly these). */
export type ReadRequestsDeps = Pick<Deps, 'catalogue' | 'requests'>;

/**
 * One request, or 404 alike for "absent" and "not yours": existence is not revealed. Members
 * of the catalogue's operator groups may read any request (they may also revoke any grant).
 */
export async function getVisibleRequest(deps: ReadRequestsDeps, caller: Caller, id: string): Promise<AccessRequest> {
  const request = await deps.requests.get(id);
  if (!request || !canRead(request, caller, deps.catalogue.operatorGroups)) throw new NotFoundError(`Request ${id} not found`);
  return request;
}

/** Repository pages read to fill one approvals page after dropping the caller's own requests. */
const MAX_LIST_ROUNDS = 3;

export interface ListQuery {
  scope: 'mine' | 'approvals';
  status?: RequestStatus;
  before?: string;
  limit: number;
}

/**
 * `mine`: the caller's own requests. `approvals`: requests for every target the caller approves
 * (by emailed address or approver group), excluding the caller's own.
 */
export async function listRequests(deps: ReadRequestsDeps, caller: Caller, query: ListQuery): Promise<Page> {
  const options = { limit: query.limit, ...(query.status ? { status: query.status } : {}), ...(query.before ? { before: query.before } : {}) };
  if (query.scope === 'mine') return deps.requests.listByRequester(caller.sub, options);
  const targets = deps.catalogue.targets.filter((t) => isApproverOf(t, caller)).map((t) => t.id);
  if (targets.length === 0) return { items: [] };
  // The snapshot on each request is authoritative: a catalogue edit since submission may have
  // changed approvers. The caller's own requests are in `mine`, not here: no one approves their own.
  // Filtering happens after the query, so keep reading until the page is full or the index ends:
  // otherwise the caller's own newest requests would yield short (even empty) pages with a nextToken.
  const items: AccessRequest[] = [];
  let before = query.before;
  // Bounded like the repository's own reads: a short page with a cursor beats an unbounded call.
  for (let round = 1; ; round++) {
    const page = await deps.requests.listByTargets(targets, { ...options, ...(before ? { before } : {}), limit: query.limit - items.length });
    items.push(...page.items.filter((r) => canView(r, caller) && !isRequester(r, caller)));
    if (!page.last) return { items };
    if (items.length >= query.limit || round === MAX_LIST_ROUNDS) return { items, last: page.last };
    before = page.last;
  }
}

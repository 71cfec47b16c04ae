import { LATEST_HISTORY_ENTRIES } from '../shared/domain/history';
import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { requestIdPath } from '../shared/http/schemas/request-id';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { requestsPort } from '../shared/runtime/ports/requests';
import { getVisibleRequestWithLatestHistory, type ReadRequestsDeps } from '../shared/usecases/read-requests';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB only. */
export type Ports = ReadRequestsDeps & HttpDeps;
const wiring: Wiring<Ports> = { settings: base.settings, logger: base.logger, catalogue: base.catalogue, requests: requestsPort };

/**
 * GET /requests/{id}: the request with its latest history entries of every kind (oldest first)
 * and `historyTruncated` when older ones exist (GET /requests/{id}/history has them all). `given`
 * replaces ports (local mode's stand-ins); the rest come from the environment.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath }, async ({ deps, caller, path }) => {
    const { request, more } = await getVisibleRequestWithLatestHistory(deps, caller, path.id, LATEST_HISTORY_ENTRIES);
    return json(200, { request: { ...toView(request), historyTruncated: more } });
  });

export const handler = atColdStart(createHandler);

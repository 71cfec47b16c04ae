import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { encodeNextToken, listRequestsQuery } from '../shared/http/schemas/list-requests';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { requestsPort } from '../shared/runtime/ports/requests';
import { listRequests, type ReadRequestsDeps } from '../shared/usecases/read-requests';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB only. */
export type Ports = ReadRequestsDeps & HttpDeps;
const wiring: Wiring<Ports> = { settings: base.settings, logger: base.logger, catalogue: base.catalogue, requests: requestsPort };

/**
 * GET /requests?scope=mine|approvals&status=&nextToken=&limit=. `given` replaces ports (local
 * mode's stand-ins); the rest come from the environment.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', query: listRequestsQuery }, async ({ deps, caller, query }) => {
    const page = await listRequests(deps, caller, {
      scope: query.scope,
      limit: query.limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.nextToken ? { before: query.nextToken } : {}),
    });
    return json(200, { items: page.items.map(toView), ...(page.last ? { nextToken: encodeNextToken(page.last) } : {}) });
  });

export const handler = atColdStart(createHandler);

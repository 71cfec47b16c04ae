import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { encodeHistoryToken, historyQuery } from '../shared/http/schemas/history';
import { requestIdPath } from '../shared/http/schemas/request-id';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { requestsPort } from '../shared/runtime/ports/requests';
import { readHistory, type ReadRequestsDeps } from '../shared/usecases/read-requests';

/** This function's ports (composition root): DynamoDB only. */
export type Ports = ReadRequestsDeps & HttpDeps;
const wiring: Wiring<Ports> = { settings: base.settings, logger: base.logger, catalogue: base.catalogue, requests: requestsPort };

/**
 * GET /requests/{id}/history?nextToken=&limit=: every history entry of a request, oldest first,
 * to whoever may read the request (404 for everyone else). `given` replaces ports (local mode's
 * stand-ins); the rest come from the environment.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath, query: historyQuery }, async ({ deps, caller, path, query }) => {
    const page = await readHistory(deps, caller, path.id, { limit: query.limit, ...(query.nextToken ? { after: query.nextToken } : {}) });
    return json(200, { items: page.entries, ...(page.last ? { nextToken: encodeHistoryToken(page.last) } : {}) });
  });

export const handler = atColdStart(createHandler);

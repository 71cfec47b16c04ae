import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { requestIdPath } from '../shared/http/schemas';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { requestsPort } from '../shared/runtime/ports/requests';
import { getVisibleRequest, type ReadRequestsDeps } from '../shared/usecases/read-requests';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB only. */
export type Ports = ReadRequestsDeps & HttpDeps;
const wiring: Wiring<Ports> = { settings: base.settings, logger: base.logger, catalogue: base.catalogue, requests: requestsPort };

/** GET /requests/{id}. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath }, async ({ deps, caller, path }) =>
    json(200, { request: toView(await getVisibleRequest(deps, caller, path.id)) }),
  );

export const handler = atColdStart(createHandler);

import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { cancelBody } from '../shared/http/schemas/cancel';
import { requestIdPath } from '../shared/http/schemas/request-id';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { requestsPort } from '../shared/runtime/ports/requests';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { cancelRequest, type CancelRequestDeps } from '../shared/usecases/cancel-request';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB and Step Functions clients only. */
export type Ports = CancelRequestDeps & HttpDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
  workflow: workflowPort,
};

/** POST /requests/{id}/cancel. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath, body: cancelBody }, async ({ deps, caller, path, body }) =>
    json(200, { request: toView(await cancelRequest(deps, caller, path.id, body.reason)) }),
  );

export const handler = atColdStart(createHandler);

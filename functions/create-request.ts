import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { createRequestBody } from '../shared/http/schemas/create-request';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { limitsPort } from '../shared/runtime/ports/limits';
import { requestsPort } from '../shared/runtime/ports/requests';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { notifierPort } from '../shared/runtime/ports/notifier';
import { createRequest, type CreateRequestDeps } from '../shared/usecases/create-request';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB, Step Functions, and SNS (the break-glass alarm). */
export type Ports = CreateRequestDeps & HttpDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  newId: base.newId,
  requests: requestsPort,
  limits: limitsPort,
  workflow: workflowPort,
  notifier: notifierPort,
};

/** POST /requests. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', body: createRequestBody }, async ({ deps, caller, body }) =>
    json(201, { request: toView(await createRequest(deps, caller, body)) }),
  );

export const handler = atColdStart(createHandler);

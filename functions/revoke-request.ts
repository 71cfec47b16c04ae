import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { requestIdPath, revokeBody } from '../shared/http/schemas';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { credentialsPort } from '../shared/runtime/ports/credentials';
import { notifierPort } from '../shared/runtime/ports/notifier';
import { requestsPort } from '../shared/runtime/ports/requests';
import { sessionDeniesPort } from '../shared/runtime/ports/session-denies';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { revokeRequest, type RevokeRequestDeps } from '../shared/usecases/revoke-request';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB, Step Functions, SNS, STS and IAM clients. */
export type Ports = RevokeRequestDeps & HttpDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  credentials: credentialsPort,
  workflow: workflowPort,
  notifier: notifierPort,
  sessionDenies: sessionDeniesPort,
};

/** POST /requests/{id}/revoke. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath, body: revokeBody }, async ({ deps, caller, path, body }) =>
    json(200, { request: toView(await revokeRequest(deps, caller, path.id, body.reason)) }),
  );

export const handler = atColdStart(createHandler);

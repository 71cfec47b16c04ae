import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { requestIdPath } from '../shared/http/schemas/request-id';
import { revokeBody } from '../shared/http/schemas/revoke';
import { grantEndingWiring } from '../shared/runtime/ports/grant-ending';
import { atColdStart, compose, type Wiring } from '../shared/runtime/compose';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { revokeRequest, type RevokeRequestDeps } from '../shared/usecases/revoke-request';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB, Step Functions, SNS, STS and IAM clients. */
export type Ports = RevokeRequestDeps & HttpDeps;
const wiring: Wiring<Ports> = { ...grantEndingWiring, workflow: workflowPort };

/** POST /requests/{id}/revoke. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath, body: revokeBody }, async ({ deps, caller, path, body }) =>
    json(200, { request: toView(await revokeRequest(deps, caller, path.id, body.reason)) }),
  );

export const handler = atColdStart(createHandler);

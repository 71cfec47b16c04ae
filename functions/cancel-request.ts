import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { cancelBody, requestIdPath } from '../shared/http/schemas';
import { cancelRequest } from '../shared/usecases/cancel-request';
import { toView } from '../shared/usecases/request-view';

/** POST /requests/{id}/cancel */
export const handler = apiHandler({ auth: 'jwt', path: requestIdPath, body: cancelBody }, async ({ deps, caller, path, body }) =>
  json(200, { request: toView(await cancelRequest(deps, caller, path.id, body.reason)) }),
);

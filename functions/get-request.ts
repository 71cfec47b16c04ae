import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { requestIdPath } from '../shared/http/schemas';
import { getVisibleRequest } from '../shared/usecases/read-requests';
import { toView } from '../shared/usecases/request-view';

/** GET /requests/{id} */
export const handler = apiHandler({ auth: 'jwt', path: requestIdPath }, async ({ deps, caller, path }) =>
  json(200, { request: toView(await getVisibleRequest(deps, caller, path.id)) }),
);

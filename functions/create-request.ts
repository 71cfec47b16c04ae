import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { createRequestBody } from '../shared/http/schemas';
import { createRequest } from '../shared/usecases/create-request';
import { toView } from '../shared/usecases/request-view';

/** POST /requests */
export const handler = apiHandler({ auth: 'jwt', body: createRequestBody }, async ({ deps, caller, body }) =>
  json(201, { request: toView(await createRequest(deps, caller, body)) }),
);

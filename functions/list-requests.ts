import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { encodeNextToken, listRequestsQuery } from '../shared/http/schemas';
import { listRequests } from '../shared/usecases/read-requests';
import { toView } from '../shared/usecases/request-view';

/** GET /requests?scope=mine|approvals&status=&nextToken=&limit= */
export const handler = apiHandler({ auth: 'jwt', query: listRequestsQuery }, async ({ deps, caller, query }) => {
  const page = await listRequests(deps, caller, {
    scope: query.scope,
    limit: query.limit,
    ...(query.status ? { status: query.status } : {}),
    ...(query.nextToken ? { before: query.nextToken } : {}),
  });
  return json(200, { items: page.items.map(toView), ...(page.last ? { nextToken: encodeNextToken(page.last) } : {}) });
});

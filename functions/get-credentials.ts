import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { credentialsResponse } from '../shared/http/credential-formats';
import { credentialsQuery, requestIdPath } from '../shared/http/schemas';
import { getCredentials } from '../shared/usecases/get-credentials';

/** GET /requests/{id}/credentials?format=json|env|credential_process */
export const handler = apiHandler({ auth: 'jwt', path: requestIdPath, query: credentialsQuery }, async ({ deps, caller, path, query }) =>
  credentialsResponse(await getCredentials(deps, caller, path.id, query.format), query.format),
);

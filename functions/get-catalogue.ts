import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { catalogueFor } from '../shared/usecases/catalogue-view';

/** GET /catalogue */
export const handler = apiHandler({ auth: 'jwt' }, async ({ deps, caller }) => json(200, catalogueFor(deps, caller)));

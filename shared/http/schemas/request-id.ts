import * as z from 'zod/mini';
import '../../zod-english';
import { REQUEST_ID_PATTERN } from '../../domain/ids';

/** `/requests/{id}...`: the request id in the path. */
export const requestIdPath = z.strictObject({
  id: z.string().check(z.regex(REQUEST_ID_PATTERN, 'must be a request id (26 characters, e.g. 01JD3Z6W9Q8X7V5T4R3N2M1K0H)')),
});

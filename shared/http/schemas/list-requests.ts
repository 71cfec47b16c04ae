import * as z from 'zod/mini';
import { ALL_STATUSES, RequestStatus } from '../../domain/status';
import { REQUEST_ID_PATTERN } from '../../domain/ids';
import { encodeOpaqueToken, opaqueToken } from './opaque-token';

/** nextToken: where the next page starts (the last request id of this one). */
const nextToken = z.pipe(
  opaqueToken(z.strictObject({ before: z.string().check(z.regex(REQUEST_ID_PATTERN)) })),
  z.transform((cursor) => cursor.before),
);

export const encodeNextToken = (before: string): string => encodeOpaqueToken({ before });

/** GET /requests?scope=&status=&nextToken=&limit= */
export const listRequestsQuery = z.strictObject({
  scope: z._default(z.enum(['mine', 'approvals'], { error: 'must be mine or approvals' }), 'mine'),
  status: z.optional(z.enum(RequestStatus, { error: `must be one of ${ALL_STATUSES.join(', ')}` })),
  nextToken: z.optional(nextToken),
  limit: z._default(z.coerce.number({ error: 'must be a number' }).check(z.int('must be an integer'), z.gte(1), z.lte(100)), 25),
});

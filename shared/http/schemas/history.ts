import * as z from 'zod/mini';
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, POSITION_PATTERN } from '../../domain/history';
import { encodeOpaqueToken, opaqueToken } from './opaque-token';

/** The history route's nextToken: the position after which the next page starts. */
const historyToken = z.pipe(
  opaqueToken(z.strictObject({ after: z.string().check(z.regex(POSITION_PATTERN)) })),
  z.transform((cursor) => cursor.after),
);

export const encodeHistoryToken = (after: string): string => encodeOpaqueToken({ after });

/** GET /requests/{id}/history?nextToken=&limit= */
export const historyQuery = z.strictObject({
  nextToken: z.optional(historyToken),
  limit: z._default(
    z.coerce.number({ error: 'must be a number' }).check(z.int('must be an integer'), z.gte(1), z.lte(HISTORY_PAGE_MAX)),
    HISTORY_PAGE_DEFAULT,
  ),
});

import * as z from 'zod/mini';
import '../../zod-english';
import { REASON_MAX } from '../../domain/new-request';

/** POST /requests/{id}/extensions. */
export const extensionBody = z.strictObject({
  duration: z.string({ error: 'must be a string such as 15m, 2h, 1h30m or PT2H' }).check(z.maxLength(32)),
  reason: z.string({ error: 'must be a string' }).check(z.maxLength(REASON_MAX * 2)),
});


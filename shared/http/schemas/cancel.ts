import * as z from 'zod/mini';
import { REASON_RULE } from '../../domain/text';
import { optionalPersonText } from './person-text';

/** `POST /requests/{id}/cancel`: when a reason is given, at least 10 visible characters, like a request's reason. */
export const cancelBody = z.strictObject({
  reason: optionalPersonText(REASON_RULE),
});

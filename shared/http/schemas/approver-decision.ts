import * as z from 'zod/mini';
import { COMMENT_RULE } from '../../domain/text';
import { optionalPersonText } from './person-text';

/** POST /requests/{id}/decision: a signed-in approver's vote on the request itself. */
export const approverDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'deny'], { error: 'must be approve or deny' }),
  comment: optionalPersonText(COMMENT_RULE),
});

import * as z from 'zod/mini';
import { COMMENT_RULE } from '../../domain/text';
import { optionalPersonText } from './person-text';

/** POST /approvals/{token}, from the page's form or as JSON; a comment, when given, has one visible character or more. */
export const decisionBody = z.strictObject({
  // acknowledge or flag: a break-glass review link (the use case checks which fits the link).
  decision: z.enum(['approve', 'deny', 'acknowledge', 'flag'], { error: 'must be approve or deny (acknowledge or flag on a review link)' }),
  comment: optionalPersonText(COMMENT_RULE),
});

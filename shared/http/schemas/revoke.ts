import * as z from 'zod/mini';
import { REASON_RULE } from '../../domain/text';
import { optionalPersonText } from './person-text';

/** `POST /requests/{id}/revoke`: a reason (required of approvers and operators, by the domain rule). */
export const revokeBody = z.strictObject({
  reason: optionalPersonText(REASON_RULE),
});

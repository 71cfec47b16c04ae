import { z } from 'zod';
import { REQUEST_ID_PATTERN } from '../domain/ids';

const requestId = z.string().regex(REQUEST_ID_PATTERN);

/** Payloads as the ASL builds them (see payloads.ts for the documented shapes). */
export const notifyApproversSchema = z.object({
  requestId,
  approvalTimeoutSeconds: z.number().int().min(1),
  taskToken: z.string().min(1).max(2048),
});
export const issueCredentialsSchema = z.object({ requestId });
export const notifyRequesterSchema = z.object({ requestId, event: z.literal('granted') });
export const settleRequestSchema = z.discriminatedUnion('outcome', [
  z.object({ requestId, outcome: z.enum(['EXPIRED', 'DENIED', 'TIMED_OUT']) }),
  z.object({ requestId, outcome: z.literal('FAILED'), error: z.string(), cause: z.string() }),
]);

import * as z from 'zod/mini';
import '../../zod-english';
import { REASON_MAX } from '../../domain/new-request';

/** POST /requests. Strict: an unknown field is a typo the caller wants to hear about. */
export const createRequestBody = z.strictObject({
  target: z
    .string({ error: 'must be a string (a target id from GET /catalogue)' })
    .check(z.minLength(1, 'must not be empty'), z.maxLength(64)),
  // Required for a target with an account set (the domain names the allowed accounts).
  account: z.optional(z.string({ error: 'must be a string (a 12-digit account id of the target)' }).check(z.regex(/^\d{12}$/, 'must be a 12-digit account id'))),
  services: z
    .array(z.string({ error: 'must be a string' }).check(z.minLength(1), z.maxLength(64)), {
      error: 'must be an array of service keys',
    })
    .check(z.minLength(1, 'must list at least one service'), z.maxLength(32)),
  duration: z.string({ error: 'must be a string such as 15m, 2h, 1h30m or PT2H' }).check(z.maxLength(32)),
  // Length rules live in the domain (they apply to the trimmed text); here only a hard cap.
  reason: z.string({ error: 'must be a string' }).check(z.maxLength(REASON_MAX * 2)),
  ticket: z.optional(z.string({ error: 'must be a string' }).check(z.maxLength(200))),
  // Checked by the domain against the target's maxScheduleAhead (400 naming the limit).
  startsAt: z.optional(z.string({ error: 'must be an ISO 8601 instant in UTC such as 2030-01-01T22:00:00Z' }).check(z.maxLength(40))),
  breakGlass: z.optional(z.boolean({ error: 'must be true or false' })),
});


/**
 * The broker's rule for a plain email address: zod's email pattern (`z.regexes.email`, which
 * `z.email()` uses), copied so that code without zod applies the very same rule: no quoted local
 * part, no trailing dot, ASCII only (so no bidi or separator characters either).
 * test/unit/email.test.ts asserts the copy equals zod's, so the two cannot drift apart.
 */
export const EMAIL = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;

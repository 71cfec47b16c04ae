import * as z from 'zod/mini';
import * as locales from 'zod/v4/locales';

/**
 * Functions bundle `zod/mini` (about 17 KB, against about 90 KB for classic zod), which ships
 * without messages: every issue would read "Invalid input". Registering the English locale
 * (the one classic zod registers itself) keeps the messages callers and operators see the same.
 * Every module that builds a schema imports this one, so the locale is set before any parse.
 */
z.config(locales.en());

/**
 * Reports a problem from inside `z.transform` (zod/mini's transform context has no `addIssue`):
 * the same issue classic zod's `ctx.addIssue` records. Returns `z.NEVER` for the transform to return.
 */
export function transformIssue(
  ctx: z.core.ParsePayload,
  issue: { message: string; params?: Record<string, unknown> },
): never {
  ctx.issues.push({ code: 'custom', input: ctx.value, ...issue });
  return z.NEVER;
}

import * as z from 'zod/mini';
import { transformIssue } from '../../zod-english';

/**
 * A paging token: opaque base64url JSON the API handed out, read back through `cursor`; a bad
 * one is a 400 naming it ("is not a token returned by this API"), never a 500.
 */
export const opaqueToken = <T>(cursor: z.ZodMiniType<T>) =>
  z.pipe(
    z.string().check(z.maxLength(200)),
    z.transform((token: string, ctx) => {
      try {
        const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
        const parsed = cursor.safeParse(decoded);
        if (parsed.success) return parsed.data;
      } catch {
        // fall through to the issue below
      }
      return transformIssue(ctx, { message: 'is not a token returned by this API' });
    }),
  );

/** The token handing `cursor` back to the caller. */
export const encodeOpaqueToken = (cursor: object): string => Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

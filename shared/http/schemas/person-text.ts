import * as z from 'zod/mini';
import { transformIssue } from '../../zod-english';
import { textProblem, type TextRule } from '../../domain/text';

/**
 * Optional text a person writes that the broker shows to someone else (cancel and revoke
 * reasons, approvers' comments): trimmed, empty means none, and otherwise it must pass the
 * domain's text rule (one line, no control/format/separator characters, enough visible
 * characters). The issue carries the rule's name, so the 400 names field and rule.
 */
export const optionalPersonText = (rule: TextRule) =>
  z.optional(
    z.pipe(
      z.string({ error: 'must be a string' }).check(z.maxLength(rule.maxLength * 2, `must be at most ${rule.maxLength} characters`)),
      z.transform((raw: string, ctx) => {
        const text = raw.trim();
        if (text === '') return undefined;
        const problem = textProblem(text, rule);
        if (!problem) return text;
        return transformIssue(ctx, { message: problem.message, params: { rule: problem.rule } });
      }),
    ),
  );

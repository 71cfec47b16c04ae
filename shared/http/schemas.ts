import * as z from 'zod/mini';
import { transformIssue } from '../zod-english';
import { ALL_STATUSES, RequestStatus } from '../domain/status';
import { REQUEST_ID_PATTERN } from '../domain/ids';
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX, POSITION_PATTERN } from '../domain/history';
import { REASON_MAX } from '../domain/new-request';
import { COMMENT_RULE, REASON_RULE, textProblem, type TextRule } from '../domain/text';

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

/** A cancel or revoke reason: when given, at least 10 visible characters, like a request's reason. */
export const optionalReason = optionalPersonText(REASON_RULE);
/** An approver's comment: when given, at least one visible character ("ok" is a fine comment). */
export const optionalComment = optionalPersonText(COMMENT_RULE);

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

/** POST /requests/{id}/extensions. */
export const extensionBody = z.strictObject({
  duration: z.string({ error: 'must be a string such as 15m, 2h, 1h30m or PT2H' }).check(z.maxLength(32)),
  reason: z.string({ error: 'must be a string' }).check(z.maxLength(REASON_MAX * 2)),
});

export const requestIdPath = z.strictObject({
  id: z.string().check(z.regex(REQUEST_ID_PATTERN, 'must be a request id (26 characters, e.g. 01JD3Z6W9Q8X7V5T4R3N2M1K0H)')),
});

export const cancelBody = z.strictObject({
  reason: optionalReason,
});

/** `POST /requests/{id}/revoke`: a reason (required of approvers and operators, by the domain rule). */
export const revokeBody = z.strictObject({
  reason: optionalReason,
});

const cursorSchema = z.strictObject({ before: z.string().check(z.regex(REQUEST_ID_PATTERN)) });

/** nextToken is an opaque base64url cursor; a bad one is a 400 naming it, never a 500. */
const nextToken = z.pipe(
  z.string().check(z.maxLength(200)),
  z.transform((token: string, ctx) => {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      const parsed = cursorSchema.safeParse(decoded);
      if (parsed.success) return parsed.data.before;
    } catch {
      // fall through to the issue below
    }
    return transformIssue(ctx, { message: 'is not a token returned by this API' });
  }),
);

export const encodeNextToken = (before: string): string =>
  Buffer.from(JSON.stringify({ before }), 'utf8').toString('base64url');

export const listRequestsQuery = z.strictObject({
  scope: z._default(z.enum(['mine', 'approvals'], { error: 'must be mine or approvals' }), 'mine'),
  status: z.optional(z.enum(RequestStatus, { error: `must be one of ${ALL_STATUSES.join(', ')}` })),
  nextToken: z.optional(nextToken),
  limit: z._default(z.coerce.number({ error: 'must be a number' }).check(z.int('must be an integer'), z.gte(1), z.lte(100)), 25),
});

const historyCursorSchema = z.strictObject({ after: z.string().check(z.regex(POSITION_PATTERN)) });

/** The history route's nextToken: an opaque base64url position; a bad one is a 400 naming it. */
const historyToken = z.pipe(
  z.string().check(z.maxLength(200)),
  z.transform((token: string, ctx) => {
    try {
      const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
      const parsed = historyCursorSchema.safeParse(decoded);
      if (parsed.success) return parsed.data.after;
    } catch {
      // fall through to the issue below
    }
    return transformIssue(ctx, { message: 'is not a token returned by this API' });
  }),
);

export const encodeHistoryToken = (after: string): string => Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');

/** GET /requests/{id}/history?nextToken=&limit= */
export const historyQuery = z.strictObject({
  nextToken: z.optional(historyToken),
  limit: z._default(
    z.coerce.number({ error: 'must be a number' }).check(z.int('must be an integer'), z.gte(1), z.lte(HISTORY_PAGE_MAX)),
    HISTORY_PAGE_DEFAULT,
  ),
});

/** The token is validated by the use case (unknown tokens are 404, not 400, so nothing is revealed). */
export const approvalTokenPath = z.strictObject({ token: z.string().check(z.maxLength(200)) });

/** POST /approvals/{token}, from the page's form or as JSON. */
export const decisionBody = z.strictObject({
  // acknowledge or flag: a break-glass review link (the use case checks which fits the link).
  decision: z.enum(['approve', 'deny', 'acknowledge', 'flag'], { error: 'must be approve or deny (acknowledge or flag on a review link)' }),
  comment: optionalComment,
});

/** POST /requests/{id}/decision: a signed-in approver's vote on the request itself. */
export const approverDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'deny'], { error: 'must be approve or deny' }),
  comment: optionalComment,
});

export const credentialsQuery = z.strictObject({
  format: z._default(z.enum(['json', 'env', 'credential_process'], { error: 'must be json, env or credential_process' }), 'json'),
  /** The console page the sign-in URL opens: one of the request's services (default its first). */
  service: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,64}$/, 'must be a service key such as ec2'))),
  /** The console's region (default the target's). */
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be a region name such as eu-west-1'))),
});

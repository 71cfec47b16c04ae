import { ConflictError, ValidationError } from './errors';
import { REQUEST_ID_PATTERN } from './ids';
import { STS_MAX_SESSION_SECONDS } from './issuance';

/**
 * Ending live sessions of a target role: one inline policy on the role denies everything to
 * the sessions the broker ended. The broker names every session it creates after the request
 * id, and IAM sets `aws:userid` = `<role unique id>:<role session name>` on every call made
 * with the session's credentials (console sessions made from them included), so
 *
 *   Deny * on * when StringLike aws:userid in ["*:<request id>", ...]
 *
 * cuts exactly those sessions. `*:` stands for the role's unique id: the policy is attached to
 * the role, so only that role's sessions are ever evaluated against it and `*` can match
 * nothing but the role's own id. Writing the id itself (`AROA` + 17 characters) would cost 20
 * characters per session of a shared 10,240-character budget and an extra iam:GetRole
 * permission, and would buy nothing. Role ids and session names never contain `:`, so
 * `*:<id>` matches a userid only when the session name is exactly `<id>` (no prefix or suffix
 * match); request ids are validated as ULIDs, so no `*` or `?` can reach the pattern.
 *
 * How long an entry is kept is stored in the policy itself: entries are grouped in one
 * statement per expiry bucket, Sid `EndedUntil<yyyymmddhhmm>` (UTC, alphanumeric as IAM
 * requires), meaning "no credential of these sessions is valid after this minute". The role
 * then carries everything needed to prune it, with no second store to keep in step and no
 * window where the store and the policy disagree. Buckets are rounded up, so entries are kept
 * a little longer than needed, never shorter.
 */

/** The inline policy's name on every target role. */
export const SESSION_DENY_POLICY_NAME = 'AccessBrokerEndedSessions';

/** IAM's limit on the aggregate size of ALL inline policies of one role, in characters (whitespace not counted). */
export const ROLE_INLINE_POLICIES_MAX_CHARS = 10_240;

/** Sid prefix of the broker's statements; the rest is the bucket's end as yyyymmddhhmm (UTC). */
export const ENDED_SID_PREFIX = 'EndedUntil';

/** Expiry buckets are this wide: entries ending within one share a statement. */
export const DEFAULT_BUCKET_MINUTES = 15;

/**
 * Added to every keep-until before rounding it up to its bucket: the broker's clock and AWS's
 * may differ a little, and pruning a deny a second before a credential really expires would
 * give it back that second.
 */
export const CLOCK_SKEW_MARGIN_MS = 5 * 60_000;

/** One ended session: the request id (its role session name) and until when the deny must stay. */
export interface EndedSession {
  requestId: string;
  /** No credential (nor console session) of this session is valid after this instant. */
  until: Date;
}

/** The policy's content as the broker understands it. */
export interface SessionDenyState {
  /** One per request id, sorted by request id; `until` is the end of the entry's bucket. */
  sessions: EndedSession[];
  /**
   * Statements the broker did not write (hand-added, or from another tool), kept verbatim and
   * never pruned: dropping an operator's deny would weaken the role behind their back.
   */
  foreign: Record<string, unknown>[];
}

export const EMPTY_SESSION_DENY: SessionDenyState = Object.freeze({ sessions: [], foreign: [] }) as SessionDenyState;

/** The policy's size exceeds what IAM lets the role hold; the sessions could not all be ended. */
export class SessionDenyTooLargeError extends ConflictError {
  readonly roleArn: string;
  readonly totalChars: number;
  readonly budgetChars: number;
  readonly sessionsListed: number;
  constructor(roleArn: string, totalChars: number, budgetChars: number, sessionsListed: number) {
    super(
      `Cannot write ${SESSION_DENY_POLICY_NAME} on ${roleArn}: the role's inline policies would total ` +
        `${totalChars} characters with ${sessionsListed} ended sessions listed, over IAM's ` +
        `${budgetChars}-character budget for all inline policies of a role. The sessions stay live until ` +
        'their credentials expire: shorten other inline policies of the role (or make them managed policies), ' +
        'or lower the role\'s maximum session duration so entries expire sooner',
      'SESSION_DENY_TOO_LARGE',
      [{ field: 'roleArn', rule: 'inline-policy-budget', message: `${totalChars} > ${budgetChars} characters` }],
    );
    this.roleArn = roleArn;
    this.totalChars = totalChars;
    this.budgetChars = budgetChars;
    this.sessionsListed = sessionsListed;
  }
}

/** The policy found on the role is not one the broker can safely rewrite. */
export class SessionDenyUnreadableError extends ConflictError {
  constructor(reason: string) {
    super(`The ${SESSION_DENY_POLICY_NAME} policy on the role cannot be read back: ${reason}. Fix or delete it by hand`, 'SESSION_DENY_UNREADABLE');
  }
}

function invalid(field: string, rule: string, message: string): ValidationError {
  return new ValidationError(message, [{ field, rule, message }], 'SESSION_DENY_INVALID');
}

/**
 * When the deny for a session may go: its last issuance plus that credential's duration
 * (including any console session minted from it), which STS caps at 12 hours.
 */
export function keepDenyUntil(lastIssuedAt: Date, credentialSeconds: number): Date {
  if (Number.isNaN(lastIssuedAt.getTime())) throw invalid('lastIssuedAt', 'date', 'lastIssuedAt must be a valid date');
  if (!Number.isInteger(credentialSeconds) || credentialSeconds < 1 || credentialSeconds > STS_MAX_SESSION_SECONDS) {
    throw invalid(
      'credentialSeconds',
      'range',
      `credentialSeconds must be a whole number from 1 to ${STS_MAX_SESSION_SECONDS}; got ${credentialSeconds}`,
    );
  }
  return new Date(lastIssuedAt.getTime() + credentialSeconds * 1000);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `EndedUntil<yyyymmddhhmm>` for a bucket end (a whole minute, UTC). */
export function bucketSid(until: Date): string {
  const d = until;
  return (
    ENDED_SID_PREFIX +
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes())
  );
}

const SID_PATTERN = new RegExp(`^${ENDED_SID_PREFIX}(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})$`);

function sidUntil(sid: string): Date | undefined {
  const m = SID_PATTERN.exec(sid);
  if (!m) return undefined;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  // Reject 202613... or 20261131...: Date.UTC would roll them over silently.
  return bucketSid(date) === sid ? date : undefined;
}

/** The end of the bucket an entry ending at `until` belongs to: until + margin, rounded up. */
export function bucketEnd(until: Date, bucketMinutes = DEFAULT_BUCKET_MINUTES): Date {
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 1 || bucketMinutes > 720) {
    throw invalid('bucketMinutes', 'range', `bucketMinutes must be a whole number from 1 to 720; got ${bucketMinutes}`);
  }
  const width = bucketMinutes * 60_000;
  return new Date(Math.ceil((until.getTime() + CLOCK_SKEW_MARGIN_MS) / width) * width);
}

/**
 * Adds ended sessions. A session already listed keeps the later of its two ends. Each `until`
 * must be at most 12 hours (plus the margin) after `now`: no credential lives longer, so a
 * later one is a bug upstream and would only waste the role's budget.
 */
export function addEndedSessions(
  state: SessionDenyState,
  entries: readonly EndedSession[],
  now: Date,
  bucketMinutes = DEFAULT_BUCKET_MINUTES,
): SessionDenyState {
  const byId = new Map(state.sessions.map((s) => [s.requestId, s.until]));
  const latest = now.getTime() + STS_MAX_SESSION_SECONDS * 1000;
  for (const entry of entries) {
    if (!REQUEST_ID_PATTERN.test(entry.requestId)) {
      throw invalid('requestId', 'request-id', `requestId must be a 26-character request id (ULID); got ${JSON.stringify(entry.requestId)}`);
    }
    if (Number.isNaN(entry.until.getTime())) throw invalid('until', 'date', `until for ${entry.requestId} must be a valid date`);
    if (entry.until.getTime() > latest) {
      throw invalid(
        'until',
        'max-12h',
        `until for ${entry.requestId} is ${entry.until.toISOString()}, more than ${STS_MAX_SESSION_SECONDS / 3600} hours after ${now.toISOString()}; no credential lives that long`,
      );
    }
    const end = bucketEnd(entry.until, bucketMinutes);
    const known = byId.get(entry.requestId);
    if (!known || known.getTime() < end.getTime()) byId.set(entry.requestId, end);
  }
  return { sessions: sortSessions([...byId].map(([requestId, until]) => ({ requestId, until }))), foreign: state.foreign };
}

/** Drops the entries no credential of which can still be valid at `now`; foreign statements stay. */
export function pruneEndedSessions(state: SessionDenyState, now: Date): SessionDenyState {
  return { sessions: state.sessions.filter((s) => s.until.getTime() > now.getTime()), foreign: state.foreign };
}

/** Whether the policy state denies this request id's session. */
export function isSessionEnded(state: SessionDenyState, requestId: string): boolean {
  return state.sessions.some((s) => s.requestId === requestId);
}

const sortSessions = (sessions: EndedSession[]) =>
  sessions.sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));

/** The userid pattern of one ended session. */
export const endedUserIdPattern = (requestId: string) => `*:${requestId}`;

/** The policy document object: one statement per bucket (by Sid), then foreign statements as found. */
export function sessionDenyDocument(state: SessionDenyState): { Version: '2012-10-17'; Statement: Record<string, unknown>[] } {
  const buckets = new Map<string, string[]>();
  for (const s of state.sessions) {
    const sid = bucketSid(s.until);
    const list = buckets.get(sid) ?? [];
    list.push(endedUserIdPattern(s.requestId));
    buckets.set(sid, list);
  }
  const ours = [...buckets.keys()].sort().map((sid) => ({
    Sid: sid,
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { StringLike: { 'aws:userid': buckets.get(sid)!.sort() } },
  }));
  return { Version: '2012-10-17', Statement: [...ours, ...state.foreign] };
}

/**
 * The policy text to put on the role, compact JSON, the same text for the same state; `null`
 * when nothing is left to deny (the policy should then be deleted).
 */
export function renderSessionDenyPolicy(state: SessionDenyState): string | null {
  if (state.sessions.length === 0 && state.foreign.length === 0) return null;
  return JSON.stringify(sessionDenyDocument(state));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** `*:<ULID>`, or `<role unique id>:<ULID>` as an older version or a hand edit may have written it. */
const USERID_ENTRY = /^(?:\*|AROA[A-Z0-9]{12,124}):([0-9A-HJKMNP-TV-Z]{26})$/;

/**
 * Reads a policy document back (IAM returns it URL-encoded; decode first). Statements without
 * an `EndedUntil...` Sid are foreign: kept verbatim, never pruned, counted in the size. A
 * statement that claims the broker's Sid but is not exactly a Deny `*` on `*` with only
 * `StringLike aws:userid` over `*:<request id>` (or `<role id>:<request id>`) values is refused
 * with SessionDenyUnreadableError: rewriting it would silently change someone's edit, and
 * leaving it beside ours would duplicate a Sid.
 */
export function parseSessionDenyPolicy(text: string): SessionDenyState {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SessionDenyUnreadableError('it is not JSON');
  }
  if (!isRecord(doc) || doc.Statement === undefined) throw new SessionDenyUnreadableError('it has no Statement');
  const sessions = new Map<string, Date>();
  const foreign: Record<string, unknown>[] = [];
  for (const statement of asList(doc.Statement)) {
    if (!isRecord(statement)) throw new SessionDenyUnreadableError('a statement is not an object');
    const sid = statement.Sid;
    if (typeof sid !== 'string' || !sid.startsWith(ENDED_SID_PREFIX)) {
      foreign.push(statement);
      continue;
    }
    const until = sidUntil(sid);
    if (!until) throw new SessionDenyUnreadableError(`statement ${sid} does not name a UTC minute as yyyymmddhhmm`);
    const keys = Object.keys(statement).sort().join(',');
    const condition = statement.Condition;
    const stringLike = isRecord(condition) ? condition.StringLike : undefined;
    const shapeOk =
      keys === 'Action,Condition,Effect,Resource,Sid' &&
      statement.Effect === 'Deny' &&
      asList(statement.Action).length === 1 &&
      asList(statement.Action)[0] === '*' &&
      asList(statement.Resource).length === 1 &&
      asList(statement.Resource)[0] === '*' &&
      isRecord(condition) &&
      Object.keys(condition).join() === 'StringLike' &&
      isRecord(stringLike) &&
      Object.keys(stringLike).join() === 'aws:userid';
    if (!shapeOk) {
      throw new SessionDenyUnreadableError(`statement ${sid} is not a Deny of "*" on "*" conditioned only on StringLike aws:userid`);
    }
    for (const value of asList((stringLike as Record<string, unknown>)['aws:userid'])) {
      const m = typeof value === 'string' ? USERID_ENTRY.exec(value) : null;
      if (!m) throw new SessionDenyUnreadableError(`statement ${sid} lists ${JSON.stringify(value)}, not "*:<request id>"`);
      const requestId = m[1]!;
      const known = sessions.get(requestId);
      if (!known || known.getTime() < until.getTime()) sessions.set(requestId, until);
    }
  }
  return { sessions: sortSessions([...sessions].map(([requestId, until]) => ({ requestId, until }))), foreign };
}

/**
 * Characters IAM counts for a policy: its text without insignificant whitespace (IAM does
 * not count whitespace). Measured on the compact re-serialisation of the parsed JSON.
 */
export function policyChars(text: string): number {
  try {
    return JSON.stringify(JSON.parse(text)).length;
  } catch {
    return text.length;
  }
}

export interface SessionDenyBudgetInput {
  roleArn: string;
  /** The rendered deny policy (null: it will be deleted). */
  policyText: string | null;
  /** Sizes (policyChars) of the role's OTHER inline policies. */
  otherPoliciesChars: number;
  sessionsListed: number;
  budgetChars?: number;
}

/** Total characters of the role's inline policies with this deny; throws SessionDenyTooLargeError over budget. */
export function checkSessionDenyBudget(input: SessionDenyBudgetInput): number {
  const budget = input.budgetChars ?? ROLE_INLINE_POLICIES_MAX_CHARS;
  const total = input.otherPoliciesChars + (input.policyText === null ? 0 : policyChars(input.policyText));
  if (total > budget) throw new SessionDenyTooLargeError(input.roleArn, total, budget, input.sessionsListed);
  return total;
}

/** Bucket widths tried, in order, when the policy does not fit: fewer statements, entries kept longer. */
export const COARSER_BUCKET_MINUTES = [60, 180, 720] as const;

/**
 * Moves every entry to the end of its `minutes`-wide bucket (rounded up, so an entry is only
 * ever kept longer). Fewer buckets means fewer statements: each costs about 120 characters.
 */
export function coarsenBuckets(state: SessionDenyState, minutes: number): SessionDenyState {
  const width = minutes * 60_000;
  return {
    sessions: state.sessions.map((s) => ({ requestId: s.requestId, until: new Date(Math.ceil(s.until.getTime() / width) * width) })),
    foreign: state.foreign,
  };
}

export interface FittedSessionDeny {
  state: SessionDenyState;
  /** The text to put, or null to delete the policy. */
  text: string | null;
  /** All inline policies of the role, in characters, once this is written. */
  totalChars: number;
}

/**
 * The policy to write on the role: as rendered if it fits beside the role's other inline
 * policies, else with buckets coarsened (COARSER_BUCKET_MINUTES) until it does. Throws
 * SessionDenyTooLargeError (role, size, budget, sessions listed) when even one bucket per
 * 12 hours is too large.
 */
export function fitSessionDenyPolicy(input: {
  roleArn: string;
  state: SessionDenyState;
  otherPoliciesChars: number;
  budgetChars?: number;
}): FittedSessionDeny {
  let state = input.state;
  const attempt = (): FittedSessionDeny => {
    const text = renderSessionDenyPolicy(state);
    const totalChars = checkSessionDenyBudget({
      roleArn: input.roleArn,
      policyText: text,
      otherPoliciesChars: input.otherPoliciesChars,
      sessionsListed: state.sessions.length,
      budgetChars: input.budgetChars,
    });
    return { state, text, totalChars };
  };
  for (const minutes of COARSER_BUCKET_MINUTES) {
    try {
      return attempt();
    } catch (error) {
      if (!(error instanceof SessionDenyTooLargeError)) throw error;
      state = coarsenBuckets(state, minutes);
    }
  }
  return attempt();
}

/**
 * How many ended sessions fit on a role whose other inline policies take `otherPoliciesChars`,
 * when they fall into `buckets` distinct 15-minute expiry buckets (1 is the best case; ends
 * spread over 12 h make up to 49), coarsening allowed as when writing. Computed by rendering
 * and fitting, not estimated.
 */
export function sessionDenyCapacity(otherPoliciesChars: number, buckets = 1, budgetChars = ROLE_INLINE_POLICIES_MAX_CHARS): number {
  const base = Date.UTC(2026, 0, 1);
  const idAt = (n: number) => `01J${String(n).padStart(23, '0')}`;
  const stateWith = (count: number): SessionDenyState => ({
    sessions: Array.from({ length: count }, (_, n) => ({
      requestId: idAt(n),
      until: new Date(base + (n % buckets) * DEFAULT_BUCKET_MINUTES * 60_000),
    })),
    foreign: [],
  });
  const fits = (count: number) => {
    try {
      fitSessionDenyPolicy({ roleArn: 'capacity', state: stateWith(count), otherPoliciesChars, budgetChars });
      return true;
    } catch {
      return false;
    }
  };
  let low = 0;
  let high = Math.ceil(budgetChars / 10);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

import type { AlarmKey } from '../domain/alarm-scope';
import type { OpenClaim } from '../domain/limits';
import type { AccessRequest, HistoryEntry } from '../domain/request';
import type { RequestStatus } from '../domain/status';
import type { SealedSecret } from './index';

export interface ListOptions {
  status?: RequestStatus;
  /** Keyset cursor: only requests with an id strictly lower (older) than this. */
  before?: string;
  limit: number;
}

export interface Page {
  items: AccessRequest[];
  /** Id of the last item when more may follow. */
  last?: string;
}

/** Fields a conditional update may change; history is only ever appended. */
export type RequestPatch = Partial<
  Pick<AccessRequest, 'status' | 'approvals' | 'startsAt' | 'expiresAt' | 'executionArn' | 'review' | 'linkRound' | 'extensions'>
>;

export interface RequestUpdate {
  /** The write happens only if the stored version and status still equal these. */
  expectedVersion: number;
  expectedStatus: RequestStatus;
  set: RequestPatch;
  append: HistoryEntry[];
  /** When the change happens (the use case's clock): becomes `updatedAt`. */
  at: string;
  /** Store (string) or remove (null) the workflow's task token; never part of AccessRequest. */
  taskToken?: string | null;
}

/** Raised when a conditional write lost a race: re-read and decide again. */
export class StaleWriteError extends Error {
  constructor(readonly requestId: string) {
    super(`Request ${requestId} changed while it was being updated`);
    this.name = 'StaleWriteError';
  }
}

/** One page of a request's history, oldest first; `last` is the cursor when more entries follow. */
export interface HistoryPage {
  entries: HistoryEntry[];
  last?: string;
}

export interface RequestRepository {
  /** Fails with StaleWriteError if the id exists. */
  create(request: AccessRequest): Promise<void>;
  /**
   * The request with its lifecycle history (every entry except those stored apart, see
   * shared/domain/history.ts): what the rules read. Retrievals and matched alarms are read
   * through `getWithLatestHistory` and `historyPage`.
   */
  get(id: string): Promise<AccessRequest | undefined>;
  /**
   * The request whose `history` is its latest `count` entries of every kind, oldest first, and
   * whether older entries exist.
   */
  getWithLatestHistory(id: string, count: number): Promise<{ request: AccessRequest; more: boolean } | undefined>;
  /** All entries of every kind, oldest first, after the cursor `after`; undefined for an unknown request. */
  historyPage(id: string, options: { after?: string; limit: number }): Promise<HistoryPage | undefined>;
  /** The workflow's task token for the request, if it is waiting on a decision. */
  getTaskToken(id: string): Promise<string | undefined>;
  /** The request and its task token from one consistent read (so they belong to the same version). */
  getWithTaskToken(id: string): Promise<{ request: AccessRequest; taskToken?: string } | undefined>;
  /**
   * Conditional on version and status; returns the stored result. A status change the domain's
   * transition table does not allow from `expectedStatus` is refused with TransitionNotAllowedError
   * (shared/domain/status.ts) before any write; a lost race fails with StaleWriteError.
   */
  update(id: string, update: RequestUpdate): Promise<AccessRequest>;
  /**
   * Appends audit entries without touching status (no version check: history is append-only).
   * Lifecycle entries go on the request item; entries stored apart become one item each.
   * An update's `append` always goes on the request item, in the same conditional write.
   */
  appendHistory(id: string, entries: HistoryEntry[]): Promise<void>;
  listByRequester(sub: string, options: ListOptions): Promise<Page>;
  /**
   * Requests that are not final, oldest first, after the id `after` (the sweep's reading; an
   * index read, eventually consistent). `last` is the cursor when more may follow.
   */
  listOpen(options: { after?: string; limit: number }): Promise<Page>;
  /** Requests for any of these targets, newest first across all of them. */
  listByTargets(targets: string[], options: ListOptions): Promise<Page>;
}

/** A single-use approval link, stored by the SHA-256 of its token. */
export interface ApprovalLink {
  tokenHash: string;
  requestId: string;
  approver: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
  /** What the link decides: the request (default), a break-glass review, or one extension. */
  purpose?: LinkPurpose;
  /** The request's link round it was sent in (reminders replace links: only the current round works). */
  round?: number;
  /** For `extension` links: which extension. */
  extensionId?: string;
}

export type LinkPurpose = 'decision' | 'review' | 'extension';

export interface ApprovalLinkRepository {
  put(link: ApprovalLink): Promise<void>;
  get(tokenHash: string): Promise<ApprovalLink | undefined>;
  /** Conditional: succeeds only for the first caller while unused; false if already used. */
  markUsed(tokenHash: string, at: string): Promise<boolean>;
}

export interface StoredCredentials {
  requestId: string;
  sealed: SealedSecret;
  /** ISO expiry of the sealed STS credentials (not of the window). */
  expiration: string;
  issuedAt: string;
  chained: boolean;
}

export interface CredentialStore {
  /** Kept with a TTL at the end of the window. */
  put(credentials: StoredCredentials, windowEndsAt: string): Promise<void>;
  get(requestId: string): Promise<StoredCredentials | undefined>;
  delete(requestId: string): Promise<void>;
}

/** What claiming an alarm's dedupe key found. */
export type AlarmClaim =
  /** Nobody had it (or an earlier claim expired in progress): publish, then `complete`. */
  | 'claimed'
  /** The alarm was published already: a duplicate. */
  | 'completed'
  /** Another delivery claimed it moments ago and may still publish: retry later, never drop. */
  | 'in-progress';

/**
 * Remembers alarms by their dedupe key (see shared/domain/alarm-scope.ts AlarmKey) so that an
 * at-least-once delivery, and the trail's copy of an event already alarmed on, raise one alarm.
 * A claim is in progress until `complete`; one left in progress by a crashed process expires
 * after `inProgressMs`, so the retry can claim it again and the alarm is not lost (the design of
 * Powertools Idempotency's persistence layer).
 */
export interface EventDeduper {
  claim(key: AlarmKey, now: Date): Promise<AlarmClaim>;
  /** Marks the alarm published; `source` says which path did it. */
  complete(key: AlarmKey, now: Date, source: string): Promise<void>;
  /** Drops an in-progress claim after a failed publish, so the retry alarms at once. */
  release(key: AlarmKey): Promise<void>;
}

/**
 * Counters behind the limits against abuse (shared/domain/limits.ts). Every write is conditional,
 * so concurrent submissions are counted exactly: of N+5 parallel ones, exactly the allowed
 * number get through.
 */
export interface LimitStore {
  /** The open-request slots a requester holds on a target, and the version to write against (0: none yet). */
  openClaims(sub: string, target: string): Promise<{ claims: OpenClaim[]; version: number }>;
  /** Replaces the slots if their version is still `expectedVersion`; false when another submission wrote first. */
  replaceOpenClaims(sub: string, target: string, expectedVersion: number, claims: OpenClaim[]): Promise<boolean>;
  /**
   * Counts one submission in the window starting `windowStart`; false (nothing counted) when
   * `limit` were counted already. The counter expires after `expiresAt`.
   */
  countSubmission(sub: string, windowStart: string, limit: number, expiresAt: string): Promise<boolean>;
  /**
   * Claims the auto-approval of `target` for `requestId` until `until`, unless another request
   * holds it after `now`; true for the request that already holds it (a retry).
   */
  claimAutoApproval(sub: string, target: string, requestId: string, now: string, until: string): Promise<boolean>;
  /** Gives the claim back (its request was not approved after all); a claim of another request is left alone. */
  releaseAutoApproval(sub: string, target: string, requestId: string, now: string): Promise<void>;
}

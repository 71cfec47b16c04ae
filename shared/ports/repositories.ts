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
  Pick<AccessRequest, 'status' | 'approvals' | 'startsAt' | 'expiresAt' | 'executionArn'>
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

export interface RequestRepository {
  /** Fails with StaleWriteError if the id exists. */
  create(request: AccessRequest): Promise<void>;
  get(id: string): Promise<AccessRequest | undefined>;
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
  /** Appends audit entries without touching status (no version check: history is append-only). */
  appendHistory(id: string, entries: HistoryEntry[]): Promise<void>;
  listByRequester(sub: string, options: ListOptions): Promise<Page>;
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
}

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

/** Remembers processed event ids so an at-least-once delivery raises one alarm. */
export interface EventDeduper {
  /** True the first time an id is seen within the retention. */
  firstSighting(eventId: string, now: Date): Promise<boolean>;
  /**
   * Drops the id again, so a retried delivery is processed as new. Used when the work that
   * followed firstSighting failed (the alarm was not published): without it the retry would
   * be dropped as a duplicate and the alarm lost.
   */
  forget(eventId: string): Promise<void>;
}

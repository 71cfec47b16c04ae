import type { EndedSession } from '../domain/session-deny';

/** What one endSessions call did to the role's AccessBrokerEndedSessions policy. */
export interface EndSessionsResult {
  roleArn: string;
  /** Ended sessions listed on the role after the call. */
  listed: number;
  /** Sessions listed before the call that were pruned (no credential of theirs can still be valid). */
  pruned: number;
  /** `written`: put; `deleted`: nothing left to deny; `unchanged`: already as it should be. */
  outcome: 'written' | 'deleted' | 'unchanged';
  /** Characters of all the role's inline policies afterwards (IAM's budget is 10,240). */
  totalChars: number;
  /** Read-merge-write rounds it took (more than 1 when another writer's change was merged in). */
  attempts: number;
}

/**
 * Ends live sessions of target roles by listing them in the role's deny policy, and prunes
 * entries whose credentials have all expired. Idempotent and convergent: calling it again
 * with the same entries changes nothing; two callers racing on one role both end up listed
 * (each re-reads after writing and merges again if its entries are missing). IAM has no
 * conditional write, so a writer that reads before another's write and writes after that
 * writer's check can still drop an entry: callers must serialise writes per role (or call
 * again later, which repairs it).
 */
export interface SessionDenies {
  /** Adds `entries` (and prunes at `now`); `entries` may be empty to prune only. */
  endSessions(roleArn: string, entries: readonly EndedSession[], now: Date): Promise<EndSessionsResult>;
}

/**
 * The four IAM calls on one role's inline policies, as the session-deny logic needs them.
 * Implemented on IAM (shared/adapters/iam) and by the local IAM stand-in (local/iam-standin.ts).
 * Policy documents are plain JSON text (decoded; IAM's URL-encoding is the adapter's business).
 */
export interface RoleInlinePolicies {
  /** Names of the role's inline policies; throws SESSION_DENY_ROLE_NOT_FOUND when the role does not exist. */
  list(): Promise<string[]>;
  /** The policy's document, or undefined when the role has no policy by that name. */
  get(policyName: string): Promise<string | undefined>;
  put(policyName: string, document: string): Promise<void>;
  /** Deletes the policy; a policy already gone is not an error. */
  delete(policyName: string): Promise<void>;
}

/** The inline policies of a role, given its ARN (which also tells the account to act in). */
export type RoleInlinePoliciesFor = (roleArn: string) => Promise<RoleInlinePolicies>;

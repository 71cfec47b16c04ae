import { GoneError } from './errors';
import type { Approval } from './request';
import { voteOf } from './voting';

/** The parts of a stored approval link its usability depends on. */
export interface LinkState {
  expiresAt: string;
  usedAt?: string;
  /** Whom the link was made for: their vote by another path spends it too. */
  approver?: string;
  /** The link round it was sent in (absent = 0). */
  round?: number;
}

/** When links sent now stop working: with the workflow's approval wait. */
export const linkExpiresAt = (now: Date, approvalTimeoutSeconds: number): string =>
  new Date(now.getTime() + approvalTimeoutSeconds * 1000).toISOString();

/**
 * Why a link can no longer be used, or undefined while it can. Expiry is exclusive: at
 * `expiresAt` it is dead. A link is also spent once its approver's mailbox has voted on the
 * request by any path (the authenticated decision route included): `votes` are the request's
 * approvals, which the vote's conditional write keeps to one per mailbox.
 */
export function linkUnusableReason(
  link: LinkState,
  now: Date,
  votes: readonly Approval[] = [],
): 'LINK_USED' | 'LINK_VOTED' | 'LINK_EXPIRED' | undefined {
  if (link.usedAt) return 'LINK_USED';
  if (link.approver !== undefined && voteOf(votes, link.approver)) return 'LINK_VOTED';
  if (Date.parse(link.expiresAt) <= now.getTime()) return 'LINK_EXPIRED';
  return undefined;
}

/**
 * Refuses a used, spent, expired or replaced link with 410 Gone, saying which and when. A
 * reminder replaces every undecided approver's link (the request's `linkRound` moves on), so at
 * most one link per approver works at any time: `currentRound` is that round for decision links
 * (undefined for links that have no rounds).
 */
export function assertLinkUsable(link: LinkState, now: Date, votes: readonly Approval[] = [], currentRound?: number): void {
  if (currentRound !== undefined && (link.round ?? 0) !== currentRound && !link.usedAt) {
    throw new GoneError('This link was replaced by a newer one: use the link in your latest email', 'LINK_REPLACED');
  }
  const reason = linkUnusableReason(link, now, votes);
  if (reason === 'LINK_USED') throw new GoneError(`This link was already used at ${link.usedAt}`, 'LINK_USED');
  if (reason === 'LINK_VOTED') {
    const vote = voteOf(votes, link.approver!)!;
    throw new GoneError(`This link can no longer be used: you already decided (${vote.decision}) on this request at ${vote.at}`, 'LINK_USED');
  }
  if (reason === 'LINK_EXPIRED') throw new GoneError(`This link expired at ${link.expiresAt}`, 'LINK_EXPIRED');
}

import { GoneError } from './errors';

/** The parts of a stored approval link its usability depends on. */
export interface LinkState {
  expiresAt: string;
  usedAt?: string;
  /** The link round it was sent in (absent = 0). */
  round?: number;
}

/** When links sent now stop working: with the workflow's approval wait. */
export const linkExpiresAt = (now: Date, approvalTimeoutSeconds: number): string =>
  new Date(now.getTime() + approvalTimeoutSeconds * 1000).toISOString();

/** Why a link can no longer be used, or undefined while it can. Expiry is exclusive: at `expiresAt` it is dead. */
export function linkUnusableReason(link: LinkState, now: Date): 'LINK_USED' | 'LINK_EXPIRED' | undefined {
  if (link.usedAt) return 'LINK_USED';
  if (Date.parse(link.expiresAt) <= now.getTime()) return 'LINK_EXPIRED';
  return undefined;
}

/**
 * Refuses a used, expired or replaced link with 410 Gone, saying which and when. A reminder
 * replaces every undecided approver's link (the request's `linkRound` moves on), so at most one
 * link per approver works at any time.
 */
export function assertLinkUsable(link: LinkState, now: Date, currentRound?: number): void {
  if (currentRound !== undefined && (link.round ?? 0) !== currentRound && !link.usedAt) {
    throw new GoneError('This link was replaced by a newer one: use the link in your latest email', 'LINK_REPLACED');
  }
  const reason = linkUnusableReason(link, now);
  if (reason === 'LINK_USED') throw new GoneError(`This link was already used at ${link.usedAt}`, 'LINK_USED');
  if (reason === 'LINK_EXPIRED') throw new GoneError(`This link expired at ${link.expiresAt}`, 'LINK_EXPIRED');
}

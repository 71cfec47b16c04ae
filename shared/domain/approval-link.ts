import { GoneError } from './errors';

/** The parts of a stored approval link its usability depends on. */
export interface LinkState {
  expiresAt: string;
  usedAt?: string;
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

/** Refuses a used or expired link with 410 Gone, saying which and when. */
export function assertLinkUsable(link: LinkState, now: Date): void {
  const reason = linkUnusableReason(link, now);
  if (reason === 'LINK_USED') throw new GoneError(`This link was already used at ${link.usedAt}`, 'LINK_USED');
  if (reason === 'LINK_EXPIRED') throw new GoneError(`This link expired at ${link.expiresAt}`, 'LINK_EXPIRED');
}

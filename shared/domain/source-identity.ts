import { normalizeEmail } from './identity';

/** Shortest SourceIdentity STS accepts. */
export const SOURCE_IDENTITY_MIN_LENGTH = 2;

/** Longest SourceIdentity STS accepts. */
export const SOURCE_IDENTITY_MAX_LENGTH = 64;

/**
 * Characters STS accepts in SourceIdentity (and RoleSessionName). `\w` without the `u`
 * flag is ASCII-only, which is what STS means by it.
 */
export const SOURCE_IDENTITY_PATTERN = /^[\w+=,.@-]{2,64}$/;

const DISALLOWED = /[^\w+=,.@-]/g;

/** Stands in for each character STS would refuse, and pads names shorter than the minimum. */
export const SOURCE_IDENTITY_FILLER = '_';

/**
 * The SourceIdentity the issuer sets for a requester: the normalised email with every
 * character STS refuses replaced, cut to 64 characters. SourceIdentity can never be
 * changed once set and survives role chaining, so the issuer and the alarm classifier
 * must derive it the same way: both call this.
 */
export function sanitizeSourceIdentity(email: string): string {
  const cleaned = normalizeEmail(email).replace(DISALLOWED, SOURCE_IDENTITY_FILLER).slice(0, SOURCE_IDENTITY_MAX_LENGTH);
  return cleaned.padEnd(SOURCE_IDENTITY_MIN_LENGTH, SOURCE_IDENTITY_FILLER);
}

export function isValidSourceIdentity(value: string): boolean {
  return SOURCE_IDENTITY_PATTERN.test(value);
}

/**
 * True when a SourceIdentity seen in CloudTrail names this requester: either the email
 * itself (case-insensitively) or the sanitised form the issuer would have set.
 */
export function sourceIdentityMatchesEmail(sourceIdentity: string, email: string): boolean {
  const seen = sourceIdentity.trim().toLowerCase();
  return seen === normalizeEmail(email) || seen === sanitizeSourceIdentity(email);
}

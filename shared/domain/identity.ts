/** Who is calling, as established by the JWT authorizer. */
export interface Caller {
  sub: string;
  email: string;
  groups: string[];
}

/** Emails compare case-insensitively everywhere; store and compare this form. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const sameEmail = (a: string, b: string): boolean => normalizeEmail(a) === normalizeEmail(b);

/**
 * The mailbox behind an address: lower-cased, with any `+tag` dropped (carol+x@ reaches carol@).
 * Used wherever "is this the same person" decides a vote, so an alias cannot approve its owner.
 */
export function mailbox(email: string): string {
  const address = normalizeEmail(email);
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  return `${address.slice(0, at).split('+')[0]}${address.slice(at)}`;
}

export const sameMailbox = (a: string, b: string): boolean => mailbox(a) === mailbox(b);

/** Who is calling, as established by the JWT authorizer. */
export interface Caller {
  sub: string;
  email: string;
  groups: string[];
}

/** Emails compare case-insensitively everywhere; store and compare this form. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/**
 * The mailbox behind an address, the unit of "one person" wherever a vote or a self-approval is
 * decided: lower-cased, any `+tag` dropped from the local part (carol+prod@ reaches carol@), and
 * a trailing dot on the domain dropped (`example.com.` is the fully qualified `example.com`).
 * So an alias can neither approve its owner's request nor vote a second time.
 */
export function mailbox(email: string): string {
  const address = normalizeEmail(email);
  const at = address.lastIndexOf('@');
  if (at <= 0) return address;
  const local = address.slice(0, at).split('+')[0];
  const domain = address.slice(at + 1).replace(/\.+$/, '');
  return `${local}@${domain}`;
}

export const sameMailbox = (a: string, b: string): boolean => mailbox(a) === mailbox(b);

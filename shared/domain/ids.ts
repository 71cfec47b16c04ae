import { randomBytes } from 'node:crypto';

/** Crockford base32, as used by ULIDs: sortable as text, no ambiguous letters. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A request id: 26 characters, 48-bit millisecond time then 80 random bits (ULID layout). */
export const REQUEST_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Time-sortable so "newest first" is a key order, and unguessable so ids reveal nothing. */
export function newRequestId(now: Date = new Date(), random: Buffer = randomBytes(10)): string {
  let time = now.getTime();
  let timePart = '';
  for (let i = 0; i < 10; i++) {
    timePart = ALPHABET[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let randomPart = '';
  for (let i = 0; i < 16; i++) {
    randomPart = ALPHABET[Number(bits & 31n)] + randomPart;
    bits >>= 5n;
  }
  return timePart + randomPart;
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes: 256 bits, well above the 128 the design asks for. */
const TOKEN_BYTES = 32;
/** base64url of 32 bytes. */
export const APPROVAL_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A fresh link token; only its hash is ever stored. */
export const newApprovalToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

export const hashApprovalToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Constant-time comparison of two hex digests, so a lookup's timing reveals nothing about near misses. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

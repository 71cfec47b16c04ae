/**
 * The email rule without zod (shared/domain/email.ts) is zod's, so the caller's email and the
 * catalogue's approver emails are judged alike, and the copy cannot drift from zod's pattern.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { EMAIL } from '../../shared/domain/email';

describe('EMAIL', () => {
  it("is zod's email pattern (z.regexes.email, what z.email() checks)", () => {
    expect(EMAIL.source).toBe(z.regexes.email.source);
    expect(EMAIL.flags).toBe(z.regexes.email.flags);
  });

  it.each([
    ['alice@example.com', true],
    ['o\'brien+ops@sub.example.co', true],
    ['a.b@example.com', true],
    ['"carol"@example.com', false],
    ['carol.@example.com', false],
    ['.carol@example.com', false],
    ['carol@example', false],
    ['carol@exa_mple.com', false],
    ['cärol@example.com', false],
    ['carol@example.com\u202e', false],
    ['', false],
  ])('%j -> %s, as z.email() decides', (address, valid) => {
    expect(EMAIL.test(address)).toBe(valid);
    expect(z.safeParse(z.email(), address).success).toBe(valid);
  });
});

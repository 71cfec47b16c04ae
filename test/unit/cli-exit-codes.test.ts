import { describe, expect, it } from 'vitest';
import { ExitCode, exitCodeForStatus } from '../../cli/exit-codes';
import { formatSeconds } from '../../cli/output';
import { jwtClaims, tokenExpiry } from '../../cli/session';

describe('CLI exit codes (docs/cli.md)', () => {
  it.each([
    [400, ExitCode.USAGE],
    [401, ExitCode.AUTH],
    [403, ExitCode.FORBIDDEN],
    [404, ExitCode.NOT_FOUND],
    [409, ExitCode.CONFLICT],
    [410, ExitCode.CONFLICT],
    [429, ExitCode.ERROR],
    [500, ExitCode.ERROR],
    [502, ExitCode.ERROR],
    [503, ExitCode.ERROR],
  ])('HTTP %i exits %i', (status, code) => expect(exitCodeForStatus(status)).toBe(code));

  it('keeps each number for scripts', () => {
    expect(ExitCode).toEqual({ OK: 0, ERROR: 1, USAGE: 2, AUTH: 3, NOT_FOUND: 4, CONFLICT: 5, FORBIDDEN: 6, NOT_GRANTED: 7 });
  });
});

describe('CLI helpers', () => {
  it.each([
    [900, '15m'],
    [3600, '1h'],
    [5400, '1h30m'],
    [14_400, '4h'],
    [30, '30s'],
    [3630, '1h30s'],
    [0, '0s'],
  ])('formats %i seconds as %s', (seconds, text) => expect(formatSeconds(seconds)).toBe(text));

  it('reads a token\'s expiry without verifying it, and refuses what is no JWT', () => {
    const token = `h.${Buffer.from(JSON.stringify({ sub: 'a', exp: 1_800_000_000 })).toString('base64url')}.s`;
    expect(jwtClaims(token)).toEqual({ sub: 'a', exp: 1_800_000_000 });
    expect(tokenExpiry(token).toISOString()).toBe('2027-01-15T08:00:00.000Z');
    expect(() => jwtClaims('opaque-token')).toThrow('not a JWT');
    expect(() => tokenExpiry(`h.${Buffer.from('{}').toString('base64url')}.s`)).toThrow('no exp');
  });
});

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANAGED_MARKER, quoteWord, writeProfile } from '../../cli/aws-config';
import { CACHE_MARGIN_MS, credentialCache } from '../../cli/credential-cache';
import { ExitCode } from '../../cli/exit-codes';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-files-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeProfile (AWS config file)', () => {
  const entries = { credential_process: '/usr/bin/node /x/cli/access-broker.mjs credentials ID --format process', region: 'us-east-1' };

  it.each([
    ['an absent file', undefined, `[profile p]\n${MANAGED_MARKER}\ncredential_process = ${entries.credential_process}\nregion = us-east-1\n`],
    ['a file with other profiles', '[default]\nregion = eu-west-1\n', `[default]\nregion = eu-west-1\n\n[profile p]\n${MANAGED_MARKER}\ncredential_process = ${entries.credential_process}\nregion = us-east-1\n`],
    [
      'its own earlier section between two others',
      `[default]\nregion = eu-west-1\n\n[profile p]\n${MANAGED_MARKER}\ncredential_process = old\n\n# keep me\n[profile q]\nregion = x\n`,
      `[default]\nregion = eu-west-1\n\n[profile p]\n${MANAGED_MARKER}\ncredential_process = ${entries.credential_process}\nregion = us-east-1\n\n# keep me\n[profile q]\nregion = x\n`,
    ],
  ])('writes into %s, keeping everything else, and is idempotent', (_name, before, after) => {
    const file = join(dir, 'aws', 'config');
    if (before !== undefined) {
      mkdirSync(join(dir, 'aws'));
      writeFileSync(file, before);
    }
    writeProfile(file, 'p', entries);
    expect(readFileSync(file, 'utf8')).toBe(after);
    writeProfile(file, 'p', entries);
    expect(readFileSync(file, 'utf8')).toBe(after);
  });

  it('refuses to overwrite a section it did not write, unless forced', () => {
    const file = join(dir, 'config');
    writeFileSync(file, '[profile prod]\nsso_session = corp\n');
    expect(() => writeProfile(file, 'prod', entries)).toThrow(expect.objectContaining({ exitCode: ExitCode.CONFLICT }));
    writeProfile(file, 'prod', entries, true);
    expect(readFileSync(file, 'utf8')).toContain('credential_process');
    expect(readFileSync(file, 'utf8')).not.toContain('sso_session');
  });

  it.each(['', 'a b', 'x]', 'p\nq'])('refuses the profile name %j', (name) => {
    expect(() => writeProfile(join(dir, 'config'), name, entries)).toThrow(expect.objectContaining({ exitCode: ExitCode.USAGE }));
  });

  it.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/home/a b/cli.mjs', '"/home/a b/cli.mjs"'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['say "hi" $HOME', '"say \\"hi\\" \\$HOME"'],
  ])('quotes %j for credential_process as %s', (word, quoted) => expect(quoteWord(word)).toBe(quoted));
});

describe('credential cache', () => {
  const creds = (expiration: string) => ({ credentials: { Version: 1 as const, AccessKeyId: 'ASIA1', SecretAccessKey: 's', SessionToken: 't', Expiration: expiration }, region: 'us-east-1' });
  const now = new Date('2026-11-29T10:00:00Z');
  const cache = () => credentialCache(join(dir, 'home'));

  it.each([
    ['an hour left', 3_600_000, true],
    ['just over 5 minutes left', CACHE_MARGIN_MS + 1000, true],
    ['exactly 5 minutes left', CACHE_MARGIN_MS, false],
    ['4 minutes left', 240_000, false],
    ['expired', -1000, false],
  ])('with %s is used: %s', (_name, leftMs, used) => {
    cache().put('http://b', 'alice', 'R1', creds(new Date(now.getTime() + leftMs).toISOString()));
    expect(cache().get('http://b', 'alice', 'R1', now) !== undefined).toBe(used);
  });

  it('keeps one entry per broker, person and request, and forgets one on drop', () => {
    const c = creds('2026-11-29T11:00:00Z');
    cache().put('http://b', 'alice', 'R1', c);
    expect(cache().get('http://b', 'alice', 'R1', now)).toEqual(c);
    expect(cache().get('http://b', 'bob', 'R1', now)).toBeUndefined();
    expect(cache().get('http://other', 'alice', 'R1', now)).toBeUndefined();
    cache().drop('http://b', 'alice', 'R1');
    expect(cache().get('http://b', 'alice', 'R1', now)).toBeUndefined();
  });
});

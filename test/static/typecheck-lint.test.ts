/**
 * `npm test` also typechecks and lints, in parallel with the other test files. Both keep caches
 * in test-output/ (gitignored), so after the first run they only look at what changed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/packaged-template';

const CACHE = join(ROOT, 'test-output');

function run(bin: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(join(ROOT, 'node_modules/.bin', bin), args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}`.trim() });
    });
  });
}

describe('static checks', () => {
  it('tsc --noEmit finds no type error (npm run typecheck)', async () => {
    const result = await run('tsc', ['--noEmit', '--incremental', '--tsBuildInfoFile', join(CACHE, 'tsc.tsbuildinfo')]);
    expect(result.output, 'tsc --noEmit').toBe('');
    expect(result.code).toBe(0);
  }, 180_000);

  it('eslint finds no problem (npm run lint)', async () => {
    const result = await run('eslint', ['.', '--cache', '--cache-location', join(CACHE, 'eslintcache')]);
    expect(result.output, 'eslint .').toBe('');
    expect(result.code).toBe(0);
  }, 180_000);
});

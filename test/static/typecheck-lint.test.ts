/**
 * `npm test` also typechecks and lints, in parallel with the other test files. Both keep caches
 * in test-output/ (gitignored), so after the first run they only look at what changed. tsc still
 * parses every declaration file it reads (about 2,400, the SDK clients' mostly: 7 s of CPU) even
 * when nothing changed, so a typecheck that passed records a digest of everything it read; the
 * next run with the same digest is reported as skipped instead of parsing it all again.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
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

/** Folders tsconfig.json includes, and what in them tsc may read (sources, JSON imports). */
const TS_INPUTS = ['cli', 'functions', 'shared', 'infra', 'local', 'test', 'bench', 'scripts'];
const SKIP_DIRS = new Set(['node_modules', 'test-output', 'bench-output', 'build', '.serverless', '.esbuild', '.cache']);
const READ_BY_TSC = /\.(?:[cm]?ts|tsx|json)$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : filesUnder(join(dir, entry.name));
    return READ_BY_TSC.test(entry.name) ? [join(dir, entry.name)] : [];
  });
}

/**
 * A digest of what decides tsc's answer: its configuration, the installed packages (npm's record
 * of node_modules, rewritten by every install), and every source and JSON file it may read.
 */
function typecheckInputsDigest(root = ROOT): string {
  const hash = createHash('sha256');
  const roots = readdirSync(root).filter((f) => /\.ts$/.test(f)).map((f) => join(root, f));
  const files = [join(root, 'tsconfig.json'), join(root, 'package-lock.json'), join(root, 'node_modules/.package-lock.json'), ...roots, ...TS_INPUTS.flatMap((d) => (existsSync(join(root, d)) ? filesUnder(join(root, d)) : []))];
  for (const file of files.sort()) {
    hash.update(relative(root, file)).update('\0');
    hash.update(existsSync(file) ? readFileSync(file) : '(absent)').update('\0');
  }
  return hash.digest('hex');
}

describe('static checks', () => {
  it('tsc --noEmit finds no type error (npm run typecheck)', async (ctx) => {
    const stamp = join(CACHE, 'tsc.passed');
    const digest = typecheckInputsDigest();
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
      ctx.skip('nothing tsc reads has changed since it last passed');
      return;
    }
    const result = await run('tsc', ['--noEmit', '--incremental', '--tsBuildInfoFile', join(CACHE, 'tsc.tsbuildinfo')]);
    expect(result.output, 'tsc --noEmit').toBe('');
    expect(result.code).toBe(0);
    writeFileSync(stamp, digest);
  }, 180_000);

  it('eslint finds no problem (npm run lint)', async () => {
    const result = await run('eslint', ['.', '--cache', '--cache-location', join(CACHE, 'eslintcache')]);
    expect(result.output, 'eslint .').toBe('');
    expect(result.code).toBe(0);
  }, 180_000);
});

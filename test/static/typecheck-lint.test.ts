/**
 * `npm test` also typechecks and lints, in parallel with the other test files. Both keep caches
 * in test-output/ (gitignored), so after the first run they only look at what changed. tsc still
 * parses every declaration file it reads (about 2,400, the SDK clients' mostly: 7 s of CPU) even
 * when nothing changed, and eslint loads its parser and plugins (about 1.6 s), so a check that
 * passed records a digest of everything it reads; the next run with the same digest is reported
 * as skipped instead of doing it all again.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const SKIP_DIRS = new Set(['node_modules', 'test-output', 'bench-output', 'build', '.serverless', '.esbuild', '.cache', '.git']);
const READ_BY_TSC = /\.(?:[cm]?ts|tsx|json)$/;
/** What eslint lints (eslint.config.js): every script and source outside the ignored folders. */
const LINT_IGNORED = new Set(['node_modules', 'build', '.serverless', '.esbuild', 'dist', 'coverage', '.git']);
const READ_BY_ESLINT = /\.(?:[cm]?[jt]s)$/;

function filesUnder(dir: string, pattern: RegExp, skip: Set<string>): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return skip.has(entry.name) ? [] : filesUnder(join(dir, entry.name), pattern, skip);
    return pattern.test(entry.name) ? [join(dir, entry.name)] : [];
  });
}

/** A digest of `files` (names and contents) and the installed packages (npm's record of node_modules, rewritten by every install). */
function inputsDigest(files: string[], root = ROOT): string {
  const hash = createHash('sha256');
  for (const file of [...new Set([join(root, 'package-lock.json'), join(root, 'node_modules/.package-lock.json'), ...files])].sort()) {
    hash.update(relative(root, file)).update('\0');
    hash.update(existsSync(file) ? readFileSync(file) : '(absent)').update('\0');
  }
  return hash.digest('hex');
}

/** What decides tsc's answer: its configuration and every source and JSON file it may read. */
function typecheckInputsDigest(root = ROOT): string {
  const roots = readdirSync(root).filter((f) => /\.ts$/.test(f)).map((f) => join(root, f));
  return inputsDigest([join(root, 'tsconfig.json'), ...roots, ...TS_INPUTS.flatMap((d) => (existsSync(join(root, d)) ? filesUnder(join(root, d), READ_BY_TSC, SKIP_DIRS) : []))], root);
}

/** What decides eslint's answer: its configuration (eslint.config.js, among the files) and every file it lints. */
function lintInputsDigest(root = ROOT): string {
  return inputsDigest(filesUnder(root, READ_BY_ESLINT, LINT_IGNORED), root);
}

/** Runs `check` unless a stamp says it passed on exactly these inputs; records the stamp when it passes. */
async function unlessUnchanged(ctx: { skip(note: string): void }, name: string, digest: string, check: () => Promise<void>): Promise<void> {
  const stamp = join(CACHE, `${name}.passed`);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
    ctx.skip(`nothing ${name} reads has changed since it last passed`);
    return;
  }
  await check();
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(stamp, digest);
}

describe('static checks', () => {
  it('tsc --noEmit finds no type error (npm run typecheck)', async (ctx) => {
    await unlessUnchanged(ctx, 'tsc', typecheckInputsDigest(), async () => {
      const result = await run('tsc', ['--noEmit', '--incremental', '--tsBuildInfoFile', join(CACHE, 'tsc.tsbuildinfo')]);
      expect(result.output, 'tsc --noEmit').toBe('');
      expect(result.code).toBe(0);
    });
  }, 180_000);

  it('eslint finds no problem (npm run lint)', async (ctx) => {
    await unlessUnchanged(ctx, 'eslint', lintInputsDigest(), async () => {
      const result = await run('eslint', ['.', '--cache', '--cache-location', join(CACHE, 'eslintcache')]);
      expect(result.output, 'eslint .').toBe('');
      expect(result.code).toBe(0);
    });
  }, 180_000);
});

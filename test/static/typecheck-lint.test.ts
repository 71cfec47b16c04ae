/**
 * `npm test` also typechecks and lints, in parallel with the other test files. Both keep caches
 * in test-output/ (gitignored), so after the first run they only look at what changed. tsc still
 * parses every declaration file it reads (about 2,400, the SDK clients' mostly: 7 s of CPU) even
 * when nothing changed, and eslint loads its parser and plugins (about 1.6 s), so a check that
 * passed records a digest of everything it reads; the next run with the same digest is reported
 * as skipped instead of doing it all again.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestOfFiles } from '../helpers/digest';
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
/** Skipped at any depth: packages (decided by the lockfiles below) and git's own files. */
const ALWAYS_SKIPPED = new Set(['node_modules', '.git']);
const READ_BY_TSC = /\.(?:[cm]?ts|tsx|json)$/;
const READ_BY_ESLINT = /\.(?:[cm]?[jt]s)$/;
/** The installed packages: npm's record of node_modules is rewritten by every install. */
const PACKAGES = [join(ROOT, 'package-lock.json'), join(ROOT, 'node_modules/.package-lock.json')];

function filesUnder(dir: string, pattern: RegExp, skipRootFolders: ReadonlySet<string> = new Set()): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return ALWAYS_SKIPPED.has(entry.name) || (dir === ROOT && skipRootFolders.has(entry.name)) ? [] : filesUnder(join(dir, entry.name), pattern);
    return pattern.test(entry.name) ? [join(dir, entry.name)] : [];
  });
}

/** What decides tsc's answer: its configuration, the packages and every source and JSON file it may read. */
function typecheckInputsDigest(): string {
  const roots = readdirSync(ROOT).filter((f) => /\.ts$/.test(f)).map((f) => join(ROOT, f));
  const sources = TS_INPUTS.flatMap((d) => (existsSync(join(ROOT, d)) ? filesUnder(join(ROOT, d), READ_BY_TSC) : []));
  return digestOfFiles([join(ROOT, 'tsconfig.json'), ...PACKAGES, ...roots, ...sources], ROOT, 'tsc');
}

/**
 * What decides eslint's answer: the packages and every script and source it lints, outside the
 * folders its configuration leaves alone (eslint-ignores.js; eslint.config.js is among the files).
 */
async function lintInputsDigest(): Promise<string> {
  const { LINT_IGNORED_ROOT_FOLDERS } = (await import(join(ROOT, 'eslint-ignores.js'))) as { LINT_IGNORED_ROOT_FOLDERS: string[] };
  return digestOfFiles([...PACKAGES, ...filesUnder(ROOT, READ_BY_ESLINT, new Set(LINT_IGNORED_ROOT_FOLDERS))], ROOT, 'eslint');
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
    await unlessUnchanged(ctx, 'eslint', await lintInputsDigest(), async () => {
      const result = await run('eslint', ['.', '--cache', '--cache-location', join(CACHE, 'eslintcache')]);
      expect(result.output, 'eslint .').toBe('');
      expect(result.code).toBe(0);
    });
  }, 180_000);
});

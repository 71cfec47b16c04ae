/**
 * Stacks of a minified bundle printed in source positions, as the deployed functions (which run
 * without --enable-source-maps) print them. A real bundle: esbuild builds a fixture the way
 * serverless.yml builds the functions (minified ESM with its map beside it), a node child without
 * source maps throws from it, and both loggers print that error.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { esbuildOptionsFromServerless } from '../../bench/bundles';
import { createConsoleLogger } from '../../shared/log/console-logger';
import { createLogger } from '../../shared/log/logger';
import { sourceMappedStack } from '../../shared/log/source-mapped-stack';

// The throw is at line 6, column 9; the call on line 2, column 10 is its caller's frame.
const FIXTURE = [
  'export function handler(input: string): string {', // 1
  '  return checkInput(input.trim());', // 2
  '}', // 3
  'function checkInput(value: string): string {', // 4
  "  if (value.length > 3) return value.toUpperCase();", // 5
  "  throw new Error('input too short: ' + value);", // 6
  '}', // 7
].join('\n');

/** An approval link's token (shared/log/redact.ts redacts it wherever it appears). */
const TOKEN = 'A'.repeat(43);

let dir: string;
let bundle: string;
/** The stack node printed for the fixture's error, without source maps. */
let stack: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mapped-stack-'));
  // As packaged: the bundle in a folder of its own, so the map names its source `../functions/...`.
  mkdirSync(join(dir, 'functions'));
  writeFileSync(join(dir, 'functions/fixture.ts'), FIXTURE);
  bundle = join(dir, 'package/fixture.mjs');
  // The esbuild options serverless.yml gives every function (minified ESM, map beside it).
  const { outExtension: _, ...options } = esbuildOptionsFromServerless();
  buildSync({ ...options, entryPoints: [join(dir, 'functions/fixture.ts')], outfile: bundle, absWorkingDir: dir, logLevel: 'warning' });
  const script = `import(${JSON.stringify(pathToFileURL(bundle).href)}).then((m) => { try { m.handler(' ab ') } catch (e) { process.stdout.write(e.stack) } })`;
  stack = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bundleUrl = () => pathToFileURL(bundle).href;

describe('sourceMappedStack', () => {
  it('node prints minified positions for the bundle (the premise)', () => {
    expect(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).sources).toEqual(['../functions/fixture.ts']);
    expect(stack).toMatch(/^Error: input too short: ab\n/);
    expect(stack.split('\n')[1]).toMatch(/^ {4}at \S+ \(file:\/\/\S+\/fixture\.mjs:\d+:\d+\)$/);
    expect(stack).not.toContain('fixture.ts');
  });

  it('maps every frame in the bundle to its source position, and keeps the other lines', () => {
    const mapped = sourceMappedStack(stack);
    const lines = mapped.split('\n');
    expect(lines[0]).toBe('Error: input too short: ab');
    expect(lines[1]).toMatch(/^ {4}at \S+ \(functions\/fixture\.ts:6:9\)$/);
    expect(lines[2]).toMatch(/^ {4}at \S+ \(functions\/fixture\.ts:2:10\)$/);
    expect(mapped).not.toContain('fixture.mjs');
    // node's own frames (the caller of the bundle) are as node printed them.
    expect(lines.slice(3)).toEqual(stack.split('\n').slice(3));
  });

  it.each([
    ['a stack with no bundle frame', () => 'Error: x\n    at f (/work/shared/a.ts:3:4)\n    at node:internal/main:1:1'],
    ['a bundle without a map beside it', () => `Error: x\n    at f (${pathToFileURL(join(dir, 'other.mjs')).href}:1:20)`],
    ['a position on a line the bundle does not have', () => `Error: x\n    at f (${bundleUrl()}:999:1)`],
    ['a broken map', () => `Error: x\n    at f (${pathToFileURL(join(dir, 'package/broken.mjs')).href}:1:20)`],
    ['a bundle named in the message, not in a frame', () => `Error: see ${bundleUrl()}:2:40\n    at f (/work/shared/a.ts:3:4)`],
    ['a frame reaching the bundle through ..', () => `Error: x\n    at f (${pathToFileURL(join(dir, 'package')).href}/../package/fixture.mjs:2:40)`],
  ])('leaves %s as it is', (_, make) => {
    writeFileSync(join(dir, 'package/broken.mjs.map'), '{ not json');
    const input = make();
    expect(sourceMappedStack(input)).toBe(input);
  });

  it('maps only bundles under LAMBDA_TASK_ROOT when it is set (a deployed function maps its own package)', () => {
    const at = /file:\/\/\S+?fixture\.mjs:\d+:\d+/.exec(stack.split('\n')[1]!)![0];
    const input = `Error: x\n    at f (${at})`;
    vi.stubEnv('LAMBDA_TASK_ROOT', join(dir, 'elsewhere'));
    expect(sourceMappedStack(input)).toBe(input);
    vi.stubEnv('LAMBDA_TASK_ROOT', join(dir, 'package'));
    expect(sourceMappedStack(input)).toBe('Error: x\n    at f (functions/fixture.ts:6:9)');
    vi.unstubAllEnvs();
  });

  it.each([
    ['an anonymous frame', (at: string) => `    at ${at}`, /^ {4}at functions\/fixture\.ts:6:9$/],
    ['an async frame', (at: string) => `    at async run (${at})`, /^ {4}at async run \(functions\/fixture\.ts:6:9\)$/],
    ['a constructor frame', (at: string) => `    at new Thing (${at})`, /^ {4}at new Thing \(functions\/fixture\.ts:6:9\)$/],
  ])('maps %s', (_, frame, expected) => {
    const at = /file:\/\/\S+?fixture\.mjs:\d+:\d+/.exec(stack.split('\n')[1]!)![0];
    expect(sourceMappedStack(`Error: x\n${frame(at)}`).split('\n')[1]).toMatch(expected);
  });
});

describe('the loggers print stacks in source positions', () => {
  it('and redact them after mapping (a token in the message stays out of the line)', () => {
    const lines: string[] = [];
    const error = Object.assign(new Error(`bad link approvals/${TOKEN}`), { stack: stack.replace('input too short: ab', `bad link approvals/${TOKEN}`) });
    createLogger({ level: 'error', write: (line) => lines.push(line) }).error('task failed', { error });
    createConsoleLogger({ level: 'error', write: (line) => lines.push(line) }).error('unhandled error', { error });
    for (const line of lines) {
      expect(line).toContain('(functions/fixture.ts:6:9)');
      expect(line).toContain('approvals/[redacted]');
      expect(line).not.toContain(TOKEN);
    }
  });

  const thrown = () => Object.assign(new Error('input too short: ab'), { stack });

  it('Powertools logger: the error stack and its location', () => {
    const lines: Record<string, unknown>[] = [];
    createLogger({ level: 'error', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }).error('task failed', { error: thrown() });
    const error = lines[0]!['error'] as { location: string; stack: string; message: string };
    expect(error.message).toBe('input too short: ab');
    expect(error.location).toBe('functions/fixture.ts:6');
    expect(error.stack).toContain('(functions/fixture.ts:6:9)');
    expect(error.stack).not.toContain('fixture.mjs');
  });

  it('Powertools logger: a stack passed as a plain field (the 500 path logs name, message and stack)', () => {
    const lines: Record<string, unknown>[] = [];
    createLogger({ level: 'error', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }).error('unhandled error', { error: { name: 'Error', stack } });
    expect((lines[0]!['error'] as { stack: string }).stack).toContain('(functions/fixture.ts:6:9)');
  });

  it('console logger (getCatalogue): the error stack', () => {
    const lines: Record<string, unknown>[] = [];
    createConsoleLogger({ level: 'error', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }).error('unhandled error', { error: thrown() });
    const error = lines[0]!['error'] as { stack: string };
    expect(error.stack).toContain('(functions/fixture.ts:6:9)');
    expect(error.stack).not.toContain('fixture.mjs');
  });
});

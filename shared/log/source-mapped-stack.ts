/**
 * Stack traces of the deployed bundles, in source positions, without paying for source maps at
 * cold start.
 *
 * Every function ships as one minified bundle with its `.map` beside it. Node's own
 * `--enable-source-maps` would print source positions too, but it reads and indexes the map of
 * every module at import, a cost each cold start pays whether or not anything fails (10 to 20 ms
 * of createRequest's; docs/operations.md, benchmarks). So the
 * functions run without it, and the loggers map the stacks they print: the first logged error
 * with a frame in a bundle reads that bundle's map (once per container); a stack with no such
 * frame (local mode, tests, anything run from TypeScript) is returned as it is.
 *
 * No Node module imported statically: `node:fs` and `node:module` are reached through
 * `process.getBuiltinModule` when the first stack is mapped, so a function that never logs an
 * error loads nothing more for it (getCatalogue's cold start counts each millisecond).
 */
import { redactingReplacer } from './redact';

/**
 * A frame line of a V8 stack whose position is in an ES module bundle:
 * `    at handler (file:///var/task/functions/create-request.mjs:1:2345)` or
 * `    at file:///var/task/functions/create-request.mjs:1:2345`. Bounded lengths keep the match
 * linear on any text (a stack's first lines are the error's message, which callers can shape).
 */
const FRAME = /^([ \t]+at (?:[^\n]{0,300}? \()?)file:\/\/(\/[^\s()?#]{1,400}?\.mjs):(\d{1,9}):(\d{1,9})(\)?)$/gm;

/** Bundles whose maps are kept: a function has one; a few more allow for tests and local tools. */
const MAX_MAPS = 8;

type SourceMap = InstanceType<typeof import('node:module').SourceMap>;
const maps = new Map<string, SourceMap>();

/**
 * Where a frame's bundle may be: under LAMBDA_TASK_ROOT when it is set (a deployed function maps
 * only its own package, whatever a message or a logged field names), and never through `..`.
 */
function mappable(bundle: string): boolean {
  if (bundle.split('/').includes('..')) return false;
  const root = process.env.LAMBDA_TASK_ROOT;
  return !root || bundle.startsWith(`${root.replace(/\/+$/, '')}/`);
}

/**
 * The bundle's map (`<bundle>.map`), read once and kept; undefined when there is none or it
 * cannot be read (not kept: a name in a message must not use up the room), or when MAX_MAPS are
 * kept already.
 */
function mapOf(bundle: string): SourceMap | undefined {
  if (!mappable(bundle)) return undefined;
  const kept = maps.get(bundle);
  if (kept || maps.size >= MAX_MAPS) return kept;
  try {
    const payload: unknown = JSON.parse(process.getBuiltinModule('node:fs').readFileSync(`${bundle}.map`, 'utf8'));
    const map = new (process.getBuiltinModule('node:module').SourceMap)(payload as ConstructorParameters<typeof import('node:module').SourceMap>[0]);
    maps.set(bundle, map);
    return map;
  } catch {
    return undefined;
  }
}

/**
 * A source position as the repository names it: the map's `sources` are relative to the bundle's
 * folder (`../shared/usecases/create-request.ts`), so the leading `../` are dropped.
 */
const sourcePath = (source: string): string => source.replace(/^(\.\.\/)+/, '').replace(/^\.\//, '');

type Entry = Partial<{ generatedLine: number; originalSource: unknown; originalLine: number; originalColumn: number }>;

/** One frame's position in source, or undefined when the bundle has no map or the map no mapping on that line. */
function origin(bundle: string, line: number, column: number): string | undefined {
  const map = mapOf(decodeURIComponent(bundle));
  if (!map) return undefined;
  // findEntry answers the nearest mapping at or before the position, even on an earlier line:
  // only a mapping on the frame's own line is its origin.
  const entry = map.findEntry(line - 1, column - 1) as Entry;
  if (entry.generatedLine !== line - 1 || typeof entry.originalSource !== 'string' || entry.originalLine === undefined || entry.originalColumn === undefined) return undefined;
  return `${sourcePath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}

/**
 * `stack` with every frame position in a bundle that has a map replaced by the source position
 * it came from (`shared/usecases/create-request.ts:56:13`); a position the map does not cover,
 * every other line, and the whole stack if anything goes wrong while mapping, are kept as they
 * are: logging an error must never fail because of its stack.
 */
export function sourceMappedStack(stack: string): string {
  if (!stack.includes('.mjs:')) return stack;
  try {
    return stack.replace(FRAME, (whole, at: string, bundle: string, line: string, column: string, close: string) => {
      const mapped = origin(bundle, Number(line), Number(column));
      return mapped === undefined ? whole : `${at}${mapped}${close}`;
    });
  } catch {
    return stack;
  }
}

/**
 * Both loggers' JSON replacer: a `stack` string in source positions, then every key and string
 * redacted (shared/log/redact.ts), so a mapped stack is redacted like any other text.
 */
export function printedValue(key: string, value: unknown): unknown {
  return redactingReplacer(key, key === 'stack' && typeof value === 'string' ? sourceMappedStack(value) : value);
}

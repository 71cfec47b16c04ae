/**
 * Stack traces of the deployed bundles, in source positions, without paying for source maps at
 * cold start.
 *
 * Every function ships as one minified bundle with its `.map` beside it. Node's own
 * `--enable-source-maps` would print source positions too, but it reads and indexes the map of
 * every module at import, a cost each cold start pays whether or not anything fails (about 10 ms
 * of createRequest's, `npm run bench` section `bundles`, mode `lambdaSourceMaps`). So the
 * functions run without it, and the loggers map the stacks they print: the first logged error
 * with a frame in a bundle reads that bundle's map (once per container); a stack with no such
 * frame (local mode, tests, anything run from TypeScript) is returned as it is.
 *
 * Free of static imports: `node:fs` and `node:module` are reached through
 * `process.getBuiltinModule` when the first stack is mapped, so a function that never logs an
 * error loads nothing more for it (getCatalogue's cold start counts each millisecond).
 */

/** A frame position in an ES module bundle: `file:///var/task/functions/create-request.mjs:1:2345`. */
const BUNDLE_POSITION = /file:\/\/(\/[^\s()]+?\.mjs):(\d+):(\d+)/g;

type SourceMap = InstanceType<typeof import('node:module').SourceMap>;
const maps = new Map<string, SourceMap | null>();

/** The bundle's map (`<bundle>.map`), read once; null when there is none or it cannot be read. */
function mapOf(bundle: string): SourceMap | null {
  if (!maps.has(bundle)) {
    let map: SourceMap | null = null;
    try {
      const payload: unknown = JSON.parse(process.getBuiltinModule('node:fs').readFileSync(`${bundle}.map`, 'utf8'));
      map = new (process.getBuiltinModule('node:module').SourceMap)(payload as ConstructorParameters<typeof import('node:module').SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(bundle, map);
  }
  return maps.get(bundle)!;
}

/**
 * A source position as the repository names it: the map's `sources` are relative to the bundle's
 * folder (`../shared/usecases/create-request.ts`), so the leading `../` are dropped.
 */
const sourcePath = (source: string): string => source.replace(/^(\.\.\/)+/, '').replace(/^\.\//, '');

/**
 * `stack` with every position in a bundle that has a map replaced by the source position it
 * came from (`shared/usecases/create-request.ts:56:13`); a position on a line the map has no
 * mapping for, and every other line, are kept as they are.
 */
export function sourceMappedStack(stack: string): string {
  if (!stack.includes('.mjs:')) return stack;
  return stack.replace(BUNDLE_POSITION, (whole, bundle: string, line: string, column: string) => {
    const map = mapOf(bundle);
    if (!map) return whole;
    // findEntry answers the nearest mapping at or before the position, even on an earlier line:
    // only a mapping on the frame's own line is its origin.
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as Partial<{ generatedLine: number; originalSource: string; originalLine: number; originalColumn: number }>;
    if (entry.generatedLine !== Number(line) - 1 || entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
    return `${sourcePath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** A key of a printed log line whose string value is a stack trace. */
export const isStackKey = (key: string): boolean => key === 'stack';

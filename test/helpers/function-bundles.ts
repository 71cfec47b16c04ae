import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { version as esbuildVersion } from 'esbuild';
import { buildFunctionBundles, type FunctionBundle } from '../../bench/bundles';
import { ROOT } from '../../local/broker';
import { digestOfFiles } from './digest';
import { writeAtomically } from './write-atomically';

const DIR = join(ROOT, 'test-output', 'function-bundles');
const STAMP = join(DIR, 'stamp.json');
/**
 * What decides every build besides the sources it reads: its options (serverless.yml, the build
 * code, tsconfig.json and package.json, which esbuild also reads) and the installed packages.
 */
const FIXED_INPUTS = ['serverless.yml', 'bench/bundles.ts', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];

interface Stamp {
  digest: string;
  bundles: FunctionBundle[];
}

/**
 * A digest of esbuild's version, FIXED_INPUTS, every file the builds read (their metafiles'
 * inputs), and the file names in each of the repository's folders the builds read sources from: a
 * file added beside an input (`x.ts` next to `x/index.ts`) can change what an import resolves to.
 */
function digestOf(bundles: FunctionBundle[]): string {
  const read = new Set<string>();
  for (const b of bundles) for (const input of Object.keys(b.metafile.inputs)) read.add(resolve(ROOT, input));
  const inputs = new Set([...FIXED_INPUTS.map((f) => resolve(ROOT, f)), ...read]);
  // Folders of what the builds resolved, not of FIXED_INPUTS (read by name): the repository's root
  // gains build/, .cache/ and test-output/ during the first `npm test`, which must not count.
  const folders = [...new Set([...read].filter((f) => !f.includes('/node_modules/')).map((f) => dirname(f)))].sort();
  const listings = folders.map((d) => `${relative(ROOT, d)}: ${existsSync(d) ? readdirSync(d).sort().join(' ') : '(absent)'}`);
  return digestOfFiles(inputs, ROOT, [`esbuild ${esbuildVersion}`, ...listings].join('\n'));
}

function readStamp(): Stamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8')) as Stamp;
    const bundles = stamp.bundles.map((b) => ({ ...b, file: resolve(ROOT, b.file) }));
    return bundles.every((b) => existsSync(b.file)) ? { digest: stamp.digest, bundles } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every function bundle as serverless.yml builds it (bench/bundles.ts buildFunctionBundles), for
 * tests that read what is in them. The builds are kept in test-output/function-bundles/ with a
 * digest of everything they read (esbuild lists it in each metafile); while that digest holds,
 * the kept bundles are the ones a build would make, and they are used instead of 21 builds
 * (about 5 s of CPU). Anything changed, or the stamp missing: built again.
 */
export async function functionBundles(): Promise<FunctionBundle[]> {
  const kept = readStamp();
  if (kept && digestOf(kept.bundles) === kept.digest) return kept.bundles;
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const bundles = await buildFunctionBundles(DIR);
  const stamp: Stamp = { digest: digestOf(bundles), bundles: bundles.map((b) => ({ ...b, file: relative(ROOT, b.file) })) };
  writeAtomically(STAMP, JSON.stringify(stamp));
  return bundles;
}

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { version as esbuildVersion } from 'esbuild';
import { buildFunctionBundles, type FunctionBundle } from '../../bench/bundles';
import { ROOT } from '../../local/broker';

const DIR = join(ROOT, 'test-output', 'function-bundles');
const STAMP = join(DIR, 'stamp.json');
/** What decides every build besides the sources it reads: its options and the installed packages. */
const FIXED_INPUTS = ['serverless.yml', 'bench/bundles.ts', 'package-lock.json', 'node_modules/.package-lock.json'];

interface Stamp {
  digest: string;
  bundles: FunctionBundle[];
}

/** A digest of esbuild's version, FIXED_INPUTS and every file the builds read (their metafiles' inputs). */
function digestOf(bundles: FunctionBundle[]): string {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\0`);
  const inputs = new Set(FIXED_INPUTS);
  for (const b of bundles) for (const input of Object.keys(b.metafile.inputs)) inputs.add(input);
  for (const input of [...inputs].sort()) {
    const file = resolve(ROOT, input);
    hash.update(input).update('\0').update(existsSync(file) ? readFileSync(file) : '(absent)').update('\0');
  }
  return hash.digest('hex');
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
  writeFileSync(`${STAMP}.tmp`, JSON.stringify(stamp));
  renameSync(`${STAMP}.tmp`, STAMP);
  return bundles;
}

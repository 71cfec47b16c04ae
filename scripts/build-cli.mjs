// Builds the access-broker CLI (cli/*.ts) into one ES module, build/cli/access-broker.mjs, with esbuild.
// `npm run build:cli`; cli/access-broker.mjs (the package bin) runs it when the build is missing or stale.
import { renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_BUNDLE = join(ROOT, 'build', 'cli', 'access-broker.mjs');

/** Builds the bundle into a temporary file and renames it into place, so a concurrent run never reads half a file. */
export async function buildCli() {
  const { build } = await import('esbuild');
  const tmp = `${CLI_BUNDLE}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(ROOT, 'cli', 'index.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: false,
    legalComments: 'none',
    logLevel: 'warning',
    // commander and other CommonJS dependencies call require() for Node's built-ins.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __abCreateRequire } from 'node:module';\nconst require = __abCreateRequire(import.meta.url);" },
  });
  renameSync(tmp, CLI_BUNDLE);
  return CLI_BUNDLE;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `prepare` (npm ci) passes --if-possible: an install without dev dependencies has no esbuild,
  // and the launcher builds the bundle on first use where esbuild exists.
  const ifPossible = process.argv.includes('--if-possible');
  try {
    const out = await buildCli();
    process.stdout.write(`built ${out}\n`);
  } catch (e) {
    if (!(ifPossible && e?.code === 'ERR_MODULE_NOT_FOUND')) throw e;
    process.stdout.write('access-broker CLI not built: esbuild is not installed (dev dependency)\n');
  }
}

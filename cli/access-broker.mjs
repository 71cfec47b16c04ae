#!/usr/bin/env node
// The access-broker command (package.json "bin"): runs the bundled CLI, build/cli/access-broker.mjs,
// and builds it first with esbuild (scripts/build-cli.mjs) when it is missing or older than a
// source file in cli/. AWS config profiles name this file in their credential_process.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = realpathSync(fileURLToPath(import.meta.url));
const root = dirname(dirname(self));
const bundle = join(root, 'build', 'cli', 'access-broker.mjs');

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

const built = mtime(bundle);
const cliDir = join(root, 'cli');
const sources = [join(root, 'scripts', 'build-cli.mjs'), ...readdirSync(cliDir).filter((f) => f.endsWith('.ts')).map((f) => join(cliDir, f))];
if (built === undefined || sources.some((f) => (mtime(f) ?? 0) > built)) {
  const { buildCli } = await import(pathToFileURL(join(root, 'scripts', 'build-cli.mjs')).href);
  await buildCli();
}
process.env.ACCESS_BROKER_LAUNCHER = self;
await import(pathToFileURL(bundle).href);

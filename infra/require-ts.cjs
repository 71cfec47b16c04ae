/**
 * Lets the packaging code in infra/*.cjs use the broker's own TypeScript modules instead of
 * copies: `requireTs('shared/domain/arn.ts')` bundles the file with esbuild (a dev dependency,
 * present wherever `osls package` runs) into CommonJS in memory and loads it. So the EventBridge
 * patterns, the packaging checks and the deployed functions read ARNs with the same code.
 *
 * Only for small, dependency-free modules (esbuild bundles whatever they import). Each module is
 * built once per process.
 */
'use strict';

const Module = require('node:module');
const { resolve } = require('node:path');

/** The repository root: this file lives in infra/. */
const ROOT = resolve(__dirname, '..');

const loaded = new Map();

/** Loads `relativePath` (from the repository root) as a CommonJS module built by esbuild. */
function requireTs(relativePath) {
  const file = resolve(ROOT, relativePath);
  if (loaded.has(file)) return loaded.get(file);
  const { buildSync } = require('esbuild');
  const result = buildSync({
    entryPoints: [file],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  const mod = new Module(file, module);
  mod.filename = `${file}.cjs`;
  mod.paths = Module._nodeModulePaths(ROOT);
  mod._compile(code, mod.filename);
  loaded.set(file, mod.exports);
  return mod.exports;
}

module.exports = { requireTs };

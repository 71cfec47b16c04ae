import { readCompiledCatalogue } from './compiled';
import { CatalogueError } from './errors';
import { sessionPolicyIssues } from './policy-size';
import { readCatalogueJson } from './read-json';
import type { Catalogue } from './types';

/**
 * readCatalogueJson with the full structural check, then the check that every target's session
 * policy fits STS's limit (shared/catalogue/policy-size.ts): what every function but
 * getCatalogue loads.
 */
export function loadCatalogueJson(path: string): Catalogue {
  const catalogue = readCatalogueJson(path, readCompiledCatalogue);
  const issues = sessionPolicyIssues(catalogue);
  if (issues.length > 0) throw new CatalogueError(path, issues);
  return catalogue;
}

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { CatalogueError } from './errors';
import { unknownActionIssues } from './iam-actions';
import { validateCatalogue } from './schema';
import type { Catalogue } from './types';

export { CatalogueError };

/** YAML text as plain data (duplicate keys refused; errors with line and column). */
export function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  // uniqueKeys: a repeated key would otherwise silently override the first one.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new CatalogueError(
      source,
      doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return `line ${line}, column ${col}: ${error.message}`;
      }),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) {
    throw new CatalogueError(source, ['(top level): the file is empty']);
  }
  return data;
}

/**
 * Validates parsed catalogue data completely: the zod schema, then every action of a custom
 * service against IAM's list of actions. Throws a CatalogueError naming `source`.
 */
export function validateCatalogueData(data: unknown, source: string): Catalogue {
  const result = validateCatalogue(data);
  if (!result.success) throw new CatalogueError(source, result.issues);
  const unknown = unknownActionIssues(result.catalogue.services);
  if (unknown.length > 0) throw new CatalogueError(source, unknown);
  return result.catalogue;
}

/**
 * Parses catalogue text (YAML, or JSON, which is YAML) and validates it. `source` names
 * the text in errors, usually its path.
 */
export function parseCatalogue(text: string, source: string): Catalogue {
  return validateCatalogueData(parseYaml(text, source), source);
}

/** Reads and validates a catalogue file; every failure is a CatalogueError naming the file. */
export function loadCatalogueFile(path: string): Catalogue {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CatalogueError(path, [`cannot read the file: ${reason}`]);
  }
  return parseCatalogue(text, path);
}

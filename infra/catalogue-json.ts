/**
 * `npm run package` step (called by infra/catalogue-deploy.cjs): validates the YAML catalogue
 * with the functions' own zod schema and writes it as JSON, the form the functions ship and read
 * (shared/catalogue/load-json.ts), so no function bundles a YAML parser and a broken catalogue
 * fails the package, not a cold start.
 *
 *   node --import tsx infra/catalogue-json.ts <catalogue.yaml> <out.json>
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CatalogueError } from '../shared/catalogue/errors';
import { parseYaml } from '../shared/catalogue/load';
import { validateCatalogue } from '../shared/catalogue/schema';

/** The catalogue's data as JSON text, after the same validation the functions apply. */
export function catalogueJson(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogueError(file, [`cannot read the file: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const data = parseYaml(text, file);
  const result = validateCatalogue(data);
  if (!result.success) throw new CatalogueError(file, result.issues);
  return `${JSON.stringify(data)}\n`;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
const [source, out] = process.argv.slice(2);
if (isMain) {
  if (!source || !out) throw new Error('usage: node --import tsx infra/catalogue-json.ts <catalogue.yaml> <out.json>');
  try {
    const json = catalogueJson(source);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, json);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

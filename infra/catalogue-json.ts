/**
 * `npm run package` step (called by infra/catalogue-deploy.cjs): validates the YAML catalogue
 * with the broker's zod schema and IAM's list of actions, and writes it compiled as JSON
 * (shared/catalogue/compiled.ts), the form the functions ship and read
 * (shared/catalogue/load-json.ts): no function bundles a YAML parser, zod's catalogue schema or
 * IAM's data, cold start only parses JSON, and a broken catalogue fails the package.
 *
 *   node --import tsx infra/catalogue-json.ts <catalogue.yaml> <out.json>
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileCatalogue } from '../shared/catalogue/compiled';
import { CatalogueError } from '../shared/catalogue/errors';
import { parseYaml, validateCatalogueData } from '../shared/catalogue/load';

/** The catalogue compiled as JSON text, after the full validation (schema and IAM's actions). */
export function catalogueJson(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogueError(file, [`cannot read the file: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const catalogue = validateCatalogueData(parseYaml(text, file), file);
  return `${JSON.stringify(compileCatalogue(catalogue))}\n`;
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

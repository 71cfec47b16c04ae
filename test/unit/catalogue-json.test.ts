/**
 * The catalogue is validated at `npm run package` and shipped as JSON: infra/catalogue-json.ts
 * (run by infra/catalogue-deploy.cjs) refuses a catalogue that breaks a rule, with the rule's
 * message, and the functions' JSON loader accepts what it writes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogueJson } from '../../infra/catalogue-json';
import { CatalogueError } from '../../shared/catalogue/errors';
import { loadCatalogueFile } from '../../shared/catalogue/load';
import { loadCatalogueJson } from '../../shared/catalogue/load-json';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'config/catalogue.example.yaml');
const dir = mkdtempSync(join(tmpdir(), 'access-broker-catalogue-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const deploy = createRequire(import.meta.url)('../../infra/catalogue-deploy.cjs') as { writePackagedCatalogue(file: string): string };

describe('catalogue JSON for the functions', () => {
  it('holds the YAML catalogue, which the JSON loader reads into the same catalogue', () => {
    const file = join(dir, 'catalogue.json');
    writeFileSync(file, catalogueJson(EXAMPLE));
    expect(loadCatalogueJson(file)).toEqual(loadCatalogueFile(EXAMPLE));
  });

  it('refuses a catalogue that breaks a rule, naming the field and the rule', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, readFileSync(EXAMPLE, 'utf8').replace('approvalTimeout: 4h', 'approvalTimeout: 4 parsecs'));
    expect(() => catalogueJson(bad)).toThrow(CatalogueError);
    expect(() => catalogueJson(bad)).toThrow(/defaults\.approvalTimeout: "4 parsecs" is not a duration/);
  });

  it('fails packaging (the serverless variable) on an invalid catalogue', () => {
    const bad = join(dir, 'bad-package.yaml');
    writeFileSync(bad, readFileSync(EXAMPLE, 'utf8').replace('approvalTimeout: 4h', 'approvalTimeout: 4 parsecs'));
    expect(() => deploy.writePackagedCatalogue(bad)).toThrow(/infra\/catalogue-deploy\.cjs: .*bad-package\.yaml.*defaults\.approvalTimeout/s);
  }, 60_000);

  it('a hand-edited JSON that breaks a rule fails the cold start naming the file', () => {
    const file = join(dir, 'edited.json');
    const data = JSON.parse(catalogueJson(EXAMPLE)) as { targets: { id: string }[] };
    data.targets[0]!.id = 'Not An Id';
    writeFileSync(file, JSON.stringify(data));
    expect(() => loadCatalogueJson(file)).toThrow(/edited\.json[\s\S]*targets\[0\]\.id/);
  });
});

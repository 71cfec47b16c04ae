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
import { readCompiledCatalogueShape } from '../../shared/catalogue/listing';
import { loadCatalogueJson } from '../../shared/catalogue/load-json';
import { readCatalogueJson } from '../../shared/catalogue/read-json';

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

  it("getCatalogue's lighter check reads the same catalogue, and refuses a malformed target list naming the file", () => {
    const file = join(dir, 'catalogue-shape.json');
    writeFileSync(file, catalogueJson(EXAMPLE));
    expect(readCatalogueJson(file, readCompiledCatalogueShape)).toEqual(loadCatalogueJson(file));
    const data = JSON.parse(catalogueJson(EXAMPLE)) as { targets: unknown[] };
    data.targets[1] = { ...(data.targets[1] as object), requesterGroups: 'engineers' };
    data.targets.push('not a target');
    writeFileSync(file, JSON.stringify(data));
    expect(() => readCatalogueJson(file, readCompiledCatalogueShape)).toThrow(/catalogue-shape\.json:\n  - targets\[1\]: must be a target with an id, requesterGroups and services\n  - targets\[4\]: must be a target/);
    writeFileSync(file, JSON.stringify({ ...data, targets: { a: 1 } }));
    expect(() => readCatalogueJson(file, readCompiledCatalogueShape)).toThrow(/catalogue-shape\.json:\n  - targets: must be a list/);
  });

  it("getCatalogue's check lists the built-in services from the file, and refuses a service listed twice or a target offering one not listed", () => {
    const file = join(dir, 'catalogue-listing.json');
    writeFileSync(file, catalogueJson(EXAMPLE));
    expect(readCatalogueJson(file, readCompiledCatalogueShape).services.map((s) => s.key)).toEqual(loadCatalogueJson(file).services.map((s) => s.key));
    const data = JSON.parse(catalogueJson(EXAMPLE)) as { services: { key: string }[]; targets: { services: string[] }[] };
    data.services.push({ ...data.services[0]! });
    data.targets[2]!.services.push('nope');
    writeFileSync(file, JSON.stringify(data));
    expect(() => readCatalogueJson(file, readCompiledCatalogueShape)).toThrow(
      new RegExp(`catalogue-listing\\.json:\\n  - services\\[${data.services.length - 1}\\]\\.key: must be a new service key\\n  - targets\\[2\\]\\.services\\[\\d+\\]: unknown service "nope"$`),
    );
  });

  it('a package of another format fails the cold start naming the file, in the lighter check too', () => {
    const file = join(dir, 'stale.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(catalogueJson(EXAMPLE)), compiledCatalogue: 0 }));
    for (const read of [(f: string) => readCatalogueJson(f, readCompiledCatalogueShape), loadCatalogueJson]) {
      expect(() => read(file)).toThrow(/stale\.json[\s\S]*format 0, expected 2/);
    }
    expect(() => readCatalogueJson(join(dir, 'absent.json'), readCompiledCatalogueShape)).toThrow(/absent\.json[\s\S]*cannot read the file as JSON/);
  });

  it("checks the session policy's size only in loadCatalogueJson (the functions that compile policies), naming the target", () => {
    const file = join(dir, 'oversized.json');
    const data = JSON.parse(catalogueJson(EXAMPLE)) as { services: Record<string, unknown>[]; targets: { services: string[] }[] };
    const actions = Array.from({ length: 120 }, (_, i) => `s3:GetObjectVariantNumber${i}`);
    data.services.push({ key: 'huge-read', custom: true, name: 'Huge read', sid: 'HugeRead', actions, consolePath: '/s3/' });
    data.targets[1]!.services.push('huge-read');
    writeFileSync(file, JSON.stringify(data));
    expect(readCatalogueJson(file, readCompiledCatalogueShape).targets[1]!.services).toContain('huge-read');
    expect(() => loadCatalogueJson(file)).toThrow(/oversized\.json[\s\S]*targets\[1\]\.services: the session policy of all its services is \d{4} characters, over 2048/);
    const issues = (() => {
      try {
        loadCatalogueJson(file);
        return [];
      } catch (e) {
        return (e as CatalogueError).issues;
      }
    })();
    expect(issues).toHaveLength(1);
  });
});

/**
 * `npm run audit -- DIR [--json]`: replays a folder of CloudTrail log files (as `aws s3 sync`
 * leaves them: nested folders of .json.gz) and prints, per watched role, every use with its
 * classification against the broker's grants, as tables (default) or JSON (`--json`).
 *
 * Configuration (environment): BROKER_CATALOGUE_FILE (default config/catalogue.example.yaml);
 * BROKER_TABLE_NAME (and BROKER_DYNAMODB_ENDPOINT for a local table) to read the broker's
 * requests, else every use is classified as if no grant existed (said on stderr);
 * BROKER_ISSUER_PRINCIPAL_ARNS and BROKER_ISSUER_ROLE_IDS (comma separated), as deployed.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDocumentClient } from '../shared/adapters/dynamo/client';
import { createDynamoRequestRepository } from '../shared/adapters/dynamo/request-repository';
import { loadCatalogueFile } from '../shared/catalogue/load';
import { auditTrailFolder, formatAuditTable } from '../shared/usecases/audit-trail';

const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const dirs = argv.filter((a) => !a.startsWith('--'));
  if (dirs.length !== 1) {
    process.stderr.write('usage: npm run audit -- DIR [--json]   (DIR: CloudTrail log files, e.g. from aws s3 sync)\n');
    return 2;
  }
  const dir = resolve(dirs[0]!);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`audit: ${dir} is not a folder\n`);
    return 2;
  }
  const env = process.env;
  const table = env.BROKER_TABLE_NAME;
  if (!table) process.stderr.write('audit: BROKER_TABLE_NAME is not set, so no broker grant is known: uses are classified as if none existed\n');
  const requests = table
    ? createDynamoRequestRepository(createDocumentClient(env.BROKER_DYNAMODB_ENDPOINT ? { endpoint: env.BROKER_DYNAMODB_ENDPOINT } : {}), table)
    : undefined;
  const report = await auditTrailFolder(dir, {
    catalogue: loadCatalogueFile(resolve(env.BROKER_CATALOGUE_FILE ?? 'config/catalogue.example.yaml')),
    issuerPrincipalArns: list(env.BROKER_ISSUER_PRINCIPAL_ARNS),
    issuerRoleIds: list(env.BROKER_ISSUER_ROLE_IDS),
    ...(requests ? { requests } : {}),
  });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatAuditTable(report)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`audit failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

/** The `npm run audit` command (scripts/audit.ts runs it in a process of its own). */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDocumentClient } from '../shared/adapters/dynamo/client';
import { createDynamoRequestRepository } from '../shared/adapters/dynamo/request-repository';
import { loadCatalogueFile } from '../shared/catalogue/load';
import { auditTrailFolder, formatAuditTable } from '../shared/usecases/audit-trail';

const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** Where the command reads its settings and writes its report: the process's, or a test's. */
export interface AuditIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Runs `npm run audit -- ARGS`; resolves to the exit code (0, or 2 for a usage error). */
export async function runAudit(argv: string[], io: AuditIo): Promise<number> {
  const json = argv.includes('--json');
  const dirs = argv.filter((a) => !a.startsWith('--'));
  if (dirs.length !== 1) {
    io.stderr.write('usage: npm run audit -- DIR [--json]   (DIR: CloudTrail log files, e.g. from aws s3 sync)\n');
    return 2;
  }
  const dir = resolve(dirs[0]!);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    io.stderr.write(`audit: ${dir} is not a folder\n`);
    return 2;
  }
  const { env } = io;
  const table = env.BROKER_TABLE_NAME;
  if (!table) io.stderr.write('audit: BROKER_TABLE_NAME is not set, so no broker grant is known: uses are classified as if none existed\n');
  const requests = table
    ? createDynamoRequestRepository(createDocumentClient(env.BROKER_DYNAMODB_ENDPOINT ? { endpoint: env.BROKER_DYNAMODB_ENDPOINT } : {}), table)
    : undefined;
  const report = await auditTrailFolder(dir, {
    catalogue: loadCatalogueFile(resolve(env.BROKER_CATALOGUE_FILE ?? 'config/catalogue.example.yaml')),
    issuerPrincipalArns: list(env.BROKER_ISSUER_PRINCIPAL_ARNS),
    issuerRoleIds: list(env.BROKER_ISSUER_ROLE_IDS),
    ...(requests ? { requests } : {}),
  });
  io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatAuditTable(report)}\n`);
  return 0;
}

/**
 * `npm run audit -- DIR`: a folder of CloudTrail log files as `aws s3 sync` leaves them, replayed
 * into every use of each watched role with its classification against the broker's grants.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureRecord, trailLogFileBytes } from '../../events/trail-log';
import { loadCatalogueFile } from '../../shared/catalogue/load';
import type { AccessRequest } from '../../shared/domain/request';
import { auditTrailFolder, formatAuditTable, trailLogFiles, type AuditReport } from '../../shared/usecases/audit-trail';
import { runAudit } from '../../scripts/audit-command';

const ROOT = resolve(import.meta.dirname, '../..');
const BROKER_ROLE = 'arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials';
const REQUEST_ID = '01JD3Z8X7Q4VWM2N5K6R9T0ABC';
const TEMP_ADMIN = 'arn:aws:iam::111111111111:role/TemporaryAdminRole';
const READ_ONLY = 'arn:aws:iam::111111111111:role/BrokerReadOnly';

/** Alice's active request with the key of assume-role-by-broker.json on its issued entry. */
const ALICE = {
  id: REQUEST_ID,
  status: 'ACTIVE',
  requester: { sub: 'alice', email: 'alice@example.com' },
  target: 'sandbox-readonly',
  account: '111111111111',
  roleArn: READ_ONLY,
  startsAt: '2024-11-20T14:03:12.400Z',
  expiresAt: '2024-11-20T16:03:12.400Z',
  history: [{ at: '2024-11-20T14:03:13.000Z', type: 'issued', accessKeyId: 'ASIA6EXAMPLEGRANT001' }],
} as unknown as AccessRequest;

function writeFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  const day = (region: string, d: string) => join(dir, 'AWSLogs', '111111111111', 'CloudTrail', region, '2024', '11', d);
  mkdirSync(day('eu-west-1', '20'), { recursive: true });
  mkdirSync(day('us-east-1', '21'), { recursive: true });
  writeFileSync(
    join(day('eu-west-1', '20'), '111111111111_CloudTrail_eu-west-1_20241120T1405Z_a.json.gz'),
    trailLogFileBytes([fixtureRecord('assume-role-by-broker.json'), fixtureRecord('assume-role-by-issuer-outside-broker.json'), fixtureRecord('assume-role-other-role.json')]),
  );
  writeFileSync(
    join(day('us-east-1', '21'), '111111111111_CloudTrail_us-east-1_20241121T1105Z_b.json.gz'),
    trailLogFileBytes([fixtureRecord('switch-role.json'), fixtureRecord('assume-role-by-human.json'), fixtureRecord('assume-role-failed.json'), { ...fixtureRecord('assume-role-with-saml.json'), eventTime: 'garbled' }]),
  );
  // Noise: a big file with no watched-role use, and a file that is not a log file at all.
  const other = fixtureRecord('assume-role-other-role.json');
  writeFileSync(join(day('us-east-1', '21'), 'noise.json.gz'), trailLogFileBytes(Array.from({ length: 500 }, (_, i) => ({ ...other, eventID: `noise-${i}` }))));
  writeFileSync(join(dir, 'README.txt'), 'not a log file');
  return dir;
}

const codes = (report: AuditReport, role: string) => report.roles[role]!.map((u) => [u.eventName, u.classification, u.severity]);

describe('auditTrailFolder', () => {
  let dir: string;
  beforeAll(() => {
    dir = writeFolder();
  });

  it('finds every log file in nested folders', () => {
    expect(trailLogFiles(dir).map((f) => f.slice(dir.length + 1))).toEqual([
      'AWSLogs/111111111111/CloudTrail/eu-west-1/2024/11/20/111111111111_CloudTrail_eu-west-1_20241120T1405Z_a.json.gz',
      'AWSLogs/111111111111/CloudTrail/us-east-1/2024/11/21/111111111111_CloudTrail_us-east-1_20241121T1105Z_b.json.gz',
      'AWSLogs/111111111111/CloudTrail/us-east-1/2024/11/21/noise.json.gz',
    ]);
  });

  it('lists, per watched role, every use with its classification against the broker grants (codes, oldest first)', async () => {
    const report = await auditTrailFolder(dir, {
      catalogue: loadCatalogueFile(join(ROOT, 'config/catalogue.example.yaml')),
      issuerPrincipalArns: [BROKER_ROLE],
      issuerRoleIds: ['AROA6EXAMPLEBROKER001'],
      requests: { get: async (id) => (id === REQUEST_ID ? ALICE : undefined) },
    });
    expect(report).toMatchObject({ files: 3, records: 507 });
    expect(codes(report, READ_ONLY)).toEqual([
      ['AssumeRole', 'broker-grant', 'INFO'],
      ['AssumeRole', 'identity-mismatch', 'CRITICAL'],
    ]);
    expect(report.roles[READ_ONLY]![0]).toMatchObject({ requestId: REQUEST_ID, sessionName: REQUEST_ID, sourceIdentity: 'alice@example.com' });
    expect(codes(report, TEMP_ADMIN)).toHaveLength(4);
    expect(codes(report, TEMP_ADMIN)).toEqual(
      expect.arrayContaining([
        ['AssumeRole', 'out-of-band', 'CRITICAL'],
        ['AssumeRole', 'no-alarm', null],
        ['SwitchRole', 'console-switch-role', 'CRITICAL'],
        ['AssumeRoleWithSAML', 'unparseable-event', 'CRITICAL'],
      ]),
    );
    const times = report.roles[TEMP_ADMIN]!.map((u) => u.eventTime).filter((t) => t !== 'garbled');
    expect(times).toEqual([...times].sort());
    expect(codes(report, 'arn:aws:iam::222222222222:role/BrokerReadOnly')).toEqual([]);
  });

  it('without the table every grant is unknown: the broker\'s own call shows as out-of-band, never as granted', async () => {
    const report = await auditTrailFolder(dir, { catalogue: loadCatalogueFile(join(ROOT, 'config/catalogue.example.yaml')), issuerPrincipalArns: [BROKER_ROLE], issuerRoleIds: [] });
    expect(codes(report, READ_ONLY).map((c) => c[1])).toEqual(['out-of-band', 'out-of-band']);
  });

  it('prints tables per role and JSON from the command line (npm run audit -- DIR [--json])', async () => {
    const env = { ...process.env, BROKER_ISSUER_PRINCIPAL_ARNS: BROKER_ROLE, BROKER_TABLE_NAME: '' };
    // The command as `npm run audit` runs it: tsx, a process of its own.
    const run = promisify(execFile);
    const json = await run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/audit.ts'), dir, '--json'], { cwd: ROOT, env });
    const report = JSON.parse(json.stdout) as AuditReport;
    expect(report.records).toBe(507);
    expect(codes(report, TEMP_ADMIN).map((c) => c[1])).toContain('console-switch-role');
    expect(json.stderr).toContain('BROKER_TABLE_NAME is not set');
    // The same command in this process (starting tsx costs about 1.3 s of CPU a run).
    const audit = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runAudit(args, { env, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
      return { code, stdout, stderr };
    };
    const [table, usage] = await Promise.all([audit(dir), audit()]);
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(`${formatAuditTable(report)}\n`);
    expect(table.stdout).toContain(`${TEMP_ADMIN}: 4 uses`);
    expect(usage).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('usage: npm run audit -- DIR [--json]') });
    expect(await audit(join(dir, 'no-such-folder'))).toMatchObject({ code: 2, stderr: expect.stringContaining('is not a folder') });
  }, 60_000);
});

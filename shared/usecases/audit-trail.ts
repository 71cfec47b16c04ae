import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isParseFailure, parseCloudTrailRecord } from '../alerts/cloudtrail-event';
import { findingSentences, unreadableSentences } from '../alerts/alarm-wording';
import { scanTrailLogFile, watchedRecordFilter, watchedRecordText } from '../alerts/trail-log';
import { watchedRoleArns } from '../catalogue';
import type { Catalogue } from '../catalogue/types';
import { decideAlarm, watchedRoleOf, type AlarmScope } from '../domain/alarm-scope';
import { FindingCode, classifyRoleUse } from '../domain/alert-classification';
import type { AccessRequest } from '../domain/request';
import { isRequestIdShaped } from '../domain/role-use';
import type { RequestRepository } from '../ports/repositories';

/** One use of a watched role found in the log files, and what the broker makes of it. */
export interface AuditedUse {
  eventTime: string;
  eventId: string;
  eventName: string;
  /** Account whose trail recorded it. */
  account: string;
  caller: string;
  sessionName: string | null;
  sourceIdentity: string | null;
  sourceIp: string;
  /** A classification (broker-grant, out-of-band...), `unparseable-event`, or `no-alarm`. */
  classification: string;
  severity: string | null;
  requestId: string | null;
  /** Why, as the classifier's finding codes (empty for no-alarm). */
  findings: string[];
  /** Why, as sentences (for no-alarm: why no alarm; otherwise the alarm's wording of the findings). */
  reasons: string[];
  file: string;
}

export interface AuditReport {
  files: number;
  records: number;
  /** Watched role (as the catalogue names it) -> its uses, oldest first. */
  roles: Record<string, AuditedUse[]>;
}

export interface AuditDeps {
  catalogue: Catalogue;
  issuerPrincipalArns: string[];
  issuerRoleIds: string[];
  /** The broker's requests (the table), to classify against its grants; absent: no grants known. */
  requests?: Pick<RequestRepository, 'get'>;
}

/** Every CloudTrail log file under `dir` (nested folders, as `aws s3 sync` leaves them): *.json.gz and *.json. */
export function trailLogFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.json(\.gz)?$/.test(name)) found.push(path);
    }
  };
  walk(dir);
  return found;
}

/**
 * Replays a folder of CloudTrail log files: every use of a watched role (pre-filtered as the
 * trail reconciliation does), classified against the broker's grants as an alarm would be. Uses
 * that would raise no alarm (failed calls, the issuer's cross-account copies) are listed as
 * `no-alarm` with the reason; records that cannot be read as `unparseable-event`.
 */
export async function auditTrailFolder(dir: string, deps: AuditDeps): Promise<AuditReport> {
  const watched = watchedRoleArns(deps.catalogue);
  const scope: AlarmScope = { watchedRoleArns: watched, issuerRoleIds: deps.issuerRoleIds };
  const recordFilter = watchedRecordFilter(watched);
  const report: AuditReport = { files: 0, records: 0, roles: Object.fromEntries(watched.map((arn) => [arn, []])) };
  const requests = new Map<string, AccessRequest | undefined>();
  const requestNamed = async (id: string) => {
    if (!requests.has(id)) requests.set(id, await deps.requests?.get(id));
    return requests.get(id);
  };

  for (const path of trailLogFiles(dir)) {
    const file = relative(dir, path);
    const scanned = scanTrailLogFile(readFileSync(path), watchedRecordText, recordFilter);
    report.files++;
    report.records += scanned.count;
    for (const record of scanned.candidates) {
      const parsed = parseCloudTrailRecord(record);
      if (isParseFailure(parsed)) {
        if (parsed.reason === 'unsupported-event') continue;
        const u = parsed.unreadable;
        const role = (u.roleArnText && watchedRoleOf(u.roleArnText, scope)) || 'unreadable role';
        (report.roles[role] ??= []).push({
          eventTime: u.eventTime ?? '',
          eventId: u.eventId ?? '',
          eventName: u.eventName ?? '',
          account: u.account ?? '',
          caller: '',
          sessionName: null,
          sourceIdentity: null,
          sourceIp: '',
          classification: 'unparseable-event',
          severity: 'CRITICAL',
          requestId: null,
          findings: [FindingCode.UNREADABLE_RECORD],
          reasons: unreadableSentences(u.error),
          file,
        });
        continue;
      }
      const role = watchedRoleOf(parsed.roleArn, scope);
      if (role === undefined) continue;
      const decision = decideAlarm(parsed, scope);
      const base = {
        eventTime: parsed.eventTime,
        eventId: parsed.eventId,
        eventName: parsed.eventName,
        account: parsed.account,
        caller: parsed.caller,
        sessionName: parsed.roleSessionName ?? null,
        sourceIdentity: parsed.sourceIdentity ?? null,
        sourceIp: parsed.sourceIp,
        file,
      };
      if (!decision.alarm) {
        report.roles[role]!.push({ ...base, classification: 'no-alarm', severity: null, requestId: null, findings: [], reasons: [decision.reason] });
        continue;
      }
      const request = isRequestIdShaped(parsed.roleSessionName) ? await requestNamed(parsed.roleSessionName) : undefined;
      const c = classifyRoleUse(parsed, request ? { request } : {}, { issuerPrincipalArns: deps.issuerPrincipalArns });
      report.roles[role]!.push({
        ...base,
        classification: c.classification,
        severity: c.severity,
        requestId: c.requestId ?? null,
        findings: c.findings,
        reasons: findingSentences(parsed, c, request),
      });
    }
  }
  for (const uses of Object.values(report.roles)) uses.sort((a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventId.localeCompare(b.eventId));
  return report;
}

/** The report as plain-text tables, one per watched role. */
export function formatAuditTable(report: AuditReport): string {
  const lines = [`${report.files} log files, ${report.records} records.`, ''];
  const columns: [string, (u: AuditedUse) => string][] = [
    ['time (UTC)', (u) => u.eventTime],
    ['event', (u) => u.eventName],
    ['classification', (u) => u.classification],
    ['severity', (u) => u.severity ?? '-'],
    ['caller', (u) => u.caller],
    ['session', (u) => u.sessionName ?? '-'],
    ['source IP', (u) => u.sourceIp],
    ['request', (u) => u.requestId ?? '-'],
    ['event id', (u) => u.eventId],
  ];
  for (const [role, uses] of Object.entries(report.roles)) {
    lines.push(`${role}: ${uses.length} use${uses.length === 1 ? '' : 's'}`);
    if (uses.length > 0) {
      const rows = uses.map((u) => columns.map(([, get]) => get(u)));
      const widths = columns.map(([title], i) => Math.max(title.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
      lines.push(line(columns.map(([title]) => title)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
    }
    lines.push('');
  }
  return lines.join('\n');
}

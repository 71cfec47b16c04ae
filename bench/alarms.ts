import { loadavg } from 'node:os';
import { loadEvent } from '../events/load';
import { generateTrailLog, trailLogFileBytes } from '../events/trail-log';
import { buildAlarmMessage } from '../shared/alerts/alarm-message';
import { isParseFailure, parseRoleUseEvent } from '../shared/alerts/cloudtrail-event';
import { loadCatalogueFile } from '../shared/catalogue/load';
import { decideAlarm } from '../shared/domain/alarm-scope';
import { classifyRoleUse } from '../shared/domain/alert-classification';
import { createLogger } from '../shared/log/logger';
import { alarmScope, handleRoleUseEvent, type AlertDeps } from '../shared/usecases/alert-on-role-use';
import { reconcileTrailLog } from '../shared/usecases/reconcile-trail';
import { createMemoryDeduper } from '../test/helpers/memory-deduper';
import { summarize } from './stats';

/** The alarm path with in-memory ports: what is measured is the broker's own code. */
function memoryDeps(): AlertDeps {
  let published = 0;
  return {
    settings: { issuerPrincipalArns: ['arn:aws:iam::999999999999:role/access-broker-dev-issue-credentials'], issuerRoleIds: ['AROA6EXAMPLEBROKER001'] },
    catalogue: loadCatalogueFile('config/catalogue.example.yaml'),
    clock: { now: () => new Date('2024-11-21T11:30:00Z') },
    logger: createLogger({ level: 'error' }),
    requests: { get: async () => undefined, appendHistory: async () => undefined },
    events: createMemoryDeduper().deduper,
    notifier: { publish: async () => ({ messageId: `m-${++published}` }) },
  };
}

/**
 * Trail reconciliation throughput on one core (one Node thread does the gunzip, the scan and the
 * parse): a gzip log file of 100,000 mixed records (about 1.2 KB each, 1,000 uses of a watched
 * role), read and reconciled from scratch three times; best and median records per second.
 */
export async function benchTrailReconciliation() {
  const log = generateTrailLog(100_000, 1_000);
  const bytes = trailLogFileBytes(log.text);
  const runs: number[] = [];
  let last: Awaited<ReturnType<typeof reconcileTrailLog>> | undefined;
  for (let i = 0; i < 3; i++) {
    const deps = memoryDeps();
    const t0 = performance.now();
    last = await reconcileTrailLog(deps, bytes);
    runs.push(performance.now() - t0);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  const perSecond = (ms: number) => Math.round((log.total / ms) * 1000);
  return {
    records: log.total,
    gzipBytes: bytes.length,
    jsonBytes: log.text.length,
    watched: last?.watched,
    alarmed: last?.alarmed,
    runsMs: runs.map((ms) => Math.round(ms)),
    bestRecordsPerSecond: perSecond(sorted[0]!),
    medianRecordsPerSecond: perSecond(sorted[1]!),
    goalRecordsPerSecond: 50_000,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/**
 * Real-time classification latency per event: the pure part (parse, decide, classify, build the
 * SNS message) and the whole use case with in-memory ports (claim, publish, record), over the
 * CloudTrail fixtures that alarm.
 */
export async function benchRealTimeClassification() {
  const fixtures = [
    'assume-role-by-broker.json',
    'assume-role-by-human.json',
    'assume-role-chained-source-identity.json',
    'assume-role-with-saml.json',
    'switch-role.json',
  ].map((name) => loadEvent<Record<string, any>>(`cloudtrail/${name}`));
  const deps = memoryDeps();
  const scope = alarmScope(deps);
  const broker = { issuerPrincipalArns: deps.settings.issuerPrincipalArns };
  const iterations = 20_000;

  const pure: number[] = [];
  let t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    const use = parseRoleUseEvent(fixtures[i % fixtures.length]);
    if (!isParseFailure(use) && decideAlarm(use, scope).alarm) buildAlarmMessage(use, classifyRoleUse(use, {}, broker));
    pure.push(performance.now() - started);
  }
  const pureWall = performance.now() - t0;

  const whole: number[] = [];
  t0 = performance.now();
  for (let i = 0; i < iterations; i++) {
    const event = structuredClone(fixtures[i % fixtures.length]!);
    event['detail']['eventID'] = `bench-${i}`;
    event['detail']['eventTime'] = new Date(Date.parse('2024-11-21T11:00:00Z') + i * 600_000).toISOString();
    const started = performance.now();
    await handleRoleUseEvent(deps, event);
    whole.push(performance.now() - started);
  }
  const wholeWall = performance.now() - t0;
  return {
    parseClassifyAndBuildMessage: summarize(pure, pureWall),
    useCaseWithInMemoryPorts: summarize(whole, wholeWall),
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}

import '../local/polyfills';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEvent } from '../events/load';
import { ROOT } from '../local/broker';
import { startTestBroker, type TestBroker } from '../test/helpers/broker';
import { diffCounts, runConcurrent, summarize } from './stats';
import { benchMixedAlertBatch } from './alert-batch';
import { benchRealTimeClassification, benchTrailReconciliation } from './alarms';
import { bundleBench } from './bundles';
import { revokeBench } from './revoke';
import { catalogueScaleBench } from './catalogue-scale';
import { sessionDenyBench } from './session-deny';
import { costPer1000Requests } from './cost';
import { lifecycleKindsBench } from './lifecycle';
import { historyVolumeBench } from './history-volume';

/**
 * `npm run bench`: figures, not assertions. Prints one JSON document (also written to
 * bench-output/results.json). Everything runs in local mode on this machine.
 */
const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

function readsAndWrites(ops: Record<string, number>, per: number) {
  const sum = (set: Set<string>) => Object.entries(ops).filter(([k]) => set.has(k)).reduce((n, [, v]) => n + v, 0);
  const round = (n: number) => Math.round((n / per) * 100) / 100;
  return {
    reads: round(sum(READS)),
    writes: round(sum(WRITES)),
    byOperation: Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, round(v)])),
  };
}

const body = (i: number) => ({
  target: 'sandbox-readonly',
  services: ['ec2', 'databases'],
  duration: '15m',
  reason: `benchmark request number ${i}`,
});

/**
 * Requesters for the submission benchmarks, `engineers` members like alice, taken in turn: a
 * requester may hold at most 20 pending requests on a target (the catalogue's ceiling for the
 * open-requests limit), and parallel submissions by one requester on one target contend for the
 * same slots item. 70 requesters in turn keep each under 20 for the 1,330 submissions below and
 * give every one of 50 parallel clients a requester of its own.
 */
const REQUESTERS = 70;
const benchTokens = new Map<number, Promise<string>>();
let submitted = 0;
function nextRequesterToken(t: TestBroker): Promise<string> {
  const n = submitted++ % REQUESTERS;
  let token = benchTokens.get(n);
  if (!token) {
    token = t.broker.token({ sub: `bench-${n}`, email: `bench-${n}@example.com`, groups: ['engineers'] });
    benchTokens.set(n, token);
  }
  return token;
}

async function createRequests(t: TestBroker, total: number, concurrency: number) {
  const ids: string[] = [];
  const { latencies, wallMs } = await runConcurrent(total, concurrency, async (i) => {
    const token = await nextRequesterToken(t);
    const res = await t.call('POST', '/requests', { token, json: body(i) });
    if (res.status !== 201) throw new Error(`POST /requests answered ${res.status}: ${res.text}`);
    ids.push(res.body.request.id);
  });
  return { ids, stats: summarize(latencies, wallMs) };
}

async function waitNotified(t: TestBroker, ids: string[]) {
  for (const id of ids) {
    await t.broker.outbox.waitFor((m) => m.topic === 'approvals' && m.attributes.requestId === id, 60_000);
  }
}

async function benchCreate() {
  const t = await startTestBroker({ timeScale: 1 });
  benchTokens.clear();
  submitted = 0;
  try {
    await createRequests(t, 30, 5); // warm-up: JIT, handler modules, dynalite
    const before = t.broker.dynamo.operations();
    const single = await createRequests(t, 300, 1);
    await waitNotified(t, single.ids);
    const opsSingle = diffCounts(t.broker.dynamo.operations(), before);
    const fifty = await createRequests(t, 1000, 50);
    await waitNotified(t, fifty.ids);
    return {
      clients1: single.stats,
      clients50: fifty.stats,
      dynamoPerRequest: { scope: 'POST /requests through the approvers being emailed (workflow start, token, links, history)', ...readsAndWrites(opsSingle, single.ids.length) },
    };
  } finally {
    await t.broker.close();
  }
}


async function benchLifecycle() {
  // timeScale shrinks the 15-minute window to 0.9 s so whole lifecycles fit in a benchmark.
  const t = await startTestBroker({ timeScale: 0.001 });
  // Count the vault's KMS-equivalent calls: a seal is GenerateDataKey, an open is Decrypt.
  let kmsCalls = 0;
  const vault = t.broker.deps.vault;
  t.broker.deps.vault = {
    seal: (id, text) => ((kmsCalls += 1), vault.seal(id, text)),
    open: (id, sealed) => ((kmsCalls += 1), vault.open(id, sealed)),
  };
  try {
    const approvalToActive: number[] = [];
    const transitions: number[] = [];
    const warmUp = 3;
    const rounds = 30;
    let before = { ops: {} as Record<string, number>, invocations: {} as Record<string, number>, messages: 0, kms: 0 };
    let started = 0;
    for (let i = 0; i < warmUp + rounds; i++) {
      if (i === warmUp) {
        // Whole lifecycles (through expiry) warm the handlers; counting starts from here.
        before = { ops: t.broker.dynamo.operations(), invocations: t.broker.invocations(), messages: t.broker.outbox.messages().length, kms: kmsCalls };
        approvalToActive.length = 0;
        transitions.length = 0;
        started = performance.now();
      }
      const created = await t.call('POST', '/requests', { as: 'alice', json: body(i) });
      const id = created.body.request.id as string;
      const link = await t.linkFor(id, 'carol@example.com');
      await fetch(link); // the approver opens the page first, as a person does
      const t0 = performance.now();
      const decided = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
      if (decided.status !== 200) throw new Error(`approval answered ${decided.status}`);
      await t.broker.outbox.waitFor((m) => m.topic === 'notifications' && m.attributes.requestId === id && m.attributes.event === 'granted', 30_000);
      approvalToActive.push(performance.now() - t0);
      const creds = await t.call('GET', `/requests/${id}/credentials`, { as: 'alice' });
      if (creds.status !== 200) throw new Error(`credentials answered ${creds.status}`);
      const execution = await t.broker.workflow.whenSettled(created.body.request.executionArn);
      transitions.push(execution.stateTransitions);
    }
    const wallMs = performance.now() - started;
    const ops = diffCounts(t.broker.dynamo.operations(), before.ops);
    const invocations = diffCounts(t.broker.invocations(), before.invocations);
    const perRequest = (n: number) => Math.round((n / rounds) * 100) / 100;
    // Functions behind an HTTP route are API Gateway requests; the rest are workflow or event invocations.
    const httpFunctions = new Set(t.broker.routes.map((r) => r.functionName));
    const httpCalls = Object.entries(invocations).filter(([fn]) => httpFunctions.has(fn)).reduce((n, [, v]) => n + v, 0);
    const allCalls = Object.values(invocations).reduce((n, v) => n + v, 0);
    const stateTransitionsPerRequest = transitions.reduce((a, b) => a + b, 0) / transitions.length;
    const dynamo = readsAndWrites(ops, rounds);
    const snsPublishes = perRequest(t.broker.outbox.messages().length - before.messages);
    return {
      approvalToActive: { scope: 'approval POST sent -> request ACTIVE with credentials issued and requester notified', ...summarize(approvalToActive, wallMs) },
      stateTransitionsPerRequest,
      lambdaInvocationsPerRequest: Object.fromEntries(Object.entries(invocations).map(([k, v]) => [k, perRequest(v)])),
      dynamoPerLifecycle: { scope: 'submit, approver opens and approves the link, one credentials retrieval, expiry', ...dynamo },
      cost: costPer1000Requests({
        stateTransitions: stateTransitionsPerRequest,
        dynamoReads: dynamo.reads,
        dynamoWrites: dynamo.writes,
        apiRequests: perRequest(httpCalls),
        lambdaInvocations: perRequest(allCalls),
        snsPublishes,
        // Approval emails go to the two approvers; the requester's notices are emails too.
        emailDeliveries: snsPublishes,
        kmsRequests: perRequest(kmsCalls - before.kms),
      }),
    };
  } finally {
    await t.broker.close();
  }
}

async function benchAlerts() {
  const t = await startTestBroker({ timeScale: 1 });
  try {
    const human = loadEvent<Record<string, any>>('cloudtrail/assume-role-by-human.json');
    const event = (i: number) => ({ ...human, id: `bench-${i}-${Date.now()}`, detail: { ...human.detail, eventID: `bench-event-${i}-${Date.now()}` } });
    const post = (payload: unknown) =>
      fetch(`${t.broker.baseUrl}/_local/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
    for (let i = 0; i < 20; i++) await post(event(-i - 1));
    const single = await runConcurrent(300, 1, async (i) => {
      const res = await post(event(i));
      if (res.status !== 200) throw new Error(`events answered ${res.status}`);
      await res.text();
    });
    const batch = Array.from({ length: 1000 }, (_, i) => event(10_000 + i));
    const t0 = performance.now();
    const res = await post(batch);
    await res.text();
    const batchMs = performance.now() - t0;
    return {
      perEventLatency: { scope: 'one event per POST /_local/events: match, dedupe, classify, publish', ...summarize(single.latencies, single.wallMs) },
      batchOf1000: { wallMs: Math.round(batchMs), eventsPerSecond: Math.round((1000 / batchMs) * 1000) },
    };
  } finally {
    await t.broker.close();
  }
}

const benchBundles = () => bundleBench();

async function main() {
  const only = process.argv[2];
  const sections: Record<string, () => Promise<unknown>> = {
    // First, while nothing else has run: init times are a few milliseconds, and an earlier
    // section's broker still winding down (timers, sockets) would be measured with them.
    bundles: benchBundles,
    createRequest: benchCreate,
    lifecycle: benchLifecycle,
    lifecycleKinds: lifecycleKindsBench,
    alerts: benchAlerts,
    alertBatchMixed: benchMixedAlertBatch,
    trailReconciliation: benchTrailReconciliation,
    realTimeClassification: benchRealTimeClassification,
    sessionDenyCapacity: async () => sessionDenyBench(),
    revoke: revokeBench,
    catalogueScale: () => catalogueScaleBench(),
    historyVolume: () => historyVolumeBench(),
  };
  const results: Record<string, unknown> = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length }, at: new Date().toISOString() };
  for (const [name, run] of Object.entries(sections)) {
    if (only && only !== name) continue;
    process.stderr.write(`bench: ${name}...\n`);
    results[name] = await run();
  }
  const out = JSON.stringify(results, null, 2);
  mkdirSync(join(ROOT, 'bench-output'), { recursive: true });
  writeFileSync(join(ROOT, 'bench-output/results.json'), `${out}\n`);
  process.stdout.write(`${out}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

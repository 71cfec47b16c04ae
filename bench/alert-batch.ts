/**
 * The 1,000-event mixed alert batch (moved out of the test suite, where a timed test does not
 * belong): an ACTIVE request, then one POST /_local/events with 1,000 shuffled events of every
 * kind. The outcome is checked (every valid matching event alarms exactly once) and the time
 * reported.
 */
import { isDeepStrictEqual } from 'node:util';
import { brokerGrantEvent, mixedBatch, settledSummary } from '../test/helpers/alert-batch';
import { PEOPLE, startTestBroker } from '../test/helpers/broker';

const SANDBOX_ROLE = 'arn:aws:iam::111111111111:role/BrokerReadOnly';
const COUNTS = { grants: 100, strangers: 300, switches: 150, unmatched: 200, malformedDelivered: 50, malformedUnmatched: 50, invalid: 50, redeliveries: 100 };

export async function benchMixedAlertBatch() {
  const t = await startTestBroker();
  try {
    const created = await t.call('POST', '/requests', {
      as: 'alice',
      json: { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'benchmark of a mixed alert batch' },
    });
    const requestId = created.body.request.id as string;
    const link = await t.linkFor(requestId, 'carol@example.com');
    await fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
    const active = await t.waitForRequest(requestId, (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'issued'));
    const accessKeyId = active.history.find((h: { type: string }) => h.type === 'issued').accessKeyId as string;
    const grant = { issuer: t.broker.deps.settings.issuerPrincipalArns[0]!, requestId, accessKeyId, requester: PEOPLE.alice.email, roleArn: SANDBOX_ROLE };
    const now = new Date();
    const { batch, summary } = mixedBatch(COUNTS, () => brokerGrantEvent(grant, now));

    const alarmsBefore = t.broker.outbox.messages().filter((m) => m.topic === 'alarms').length;
    const t0 = performance.now();
    const res = await t.call('POST', '/_local/events', { json: batch });
    const wallMs = performance.now() - t0;
    if (res.status !== 200) throw new Error(`the 1,000-event batch answered ${res.status}: ${res.text.slice(0, 500)}`);
    // Redeliveries racing their original fail on its claim in progress (EventBridge would retry them).
    const { summary: settled, racing } = settledSummary(res.body);
    // Posted again, as EventBridge would retry them: duplicates, no alarm.
    const retried = racing.length ? await t.call('POST', '/_local/events', { json: racing.map((i) => batch[i]) }) : undefined;
    if (retried && !isDeepStrictEqual(retried.body.summary.outcomes, { duplicate: racing.length })) {
      throw new Error(`the racing redeliveries, posted again, were not duplicates: ${JSON.stringify(retried.body.summary)}`);
    }
    const alarms = t.broker.outbox.messages().filter((m) => m.topic === 'alarms').length - alarmsBefore;
    if (!isDeepStrictEqual(settled, summary) || alarms !== summary.outcomes.alarmed) {
      throw new Error(`the 1,000-event batch lost or doubled alarms: ${JSON.stringify({ expected: summary, got: res.body.summary, alarms })}`);
    }
    return {
      scope: '1,000 mixed events in one POST /_local/events (grants, strangers, switch-role, unmatched, malformed, redeliveries): match, dedupe, classify, publish',
      wallMs: Math.round(wallMs),
      eventsPerSecond: Math.round((batch.length / wallMs) * 1000),
      summary: res.body.summary,
      redeliveriesRacingTheirOriginal: racing.length,
    };
  } finally {
    await t.broker.close();
  }
}

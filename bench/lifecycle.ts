import { movableClock, startTestBroker, type TestBroker } from '../test/helpers/broker';
import { PRICES } from './cost';

/**
 * State transitions per grant of each lifecycle kind, counted on the real ASL in local mode as
 * Step Functions bills them (one per state entered, one per retry), and what they cost per
 * 1,000 requests at $0.025 per 1,000 transitions. Runs on a movable clock: the windows, the
 * scheduled start and the review deadline pass without waiting. Lambda invocations per grant
 * are counted too (every workflow task and HTTP route).
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const SANDBOX = { target: 'sandbox-readonly', services: ['ec2'], duration: '15m', reason: 'benchmark of the grant lifecycle', ticket: 'BENCH-1' };
const GLASS = { target: 'prod-breakglass', services: ['ec2'], duration: '15m', reason: 'benchmark of break-glass access', ticket: 'BENCH-2', breakGlass: true };
const ONCALL = { sub: 'olivia', email: 'olivia@example.com', groups: ['oncall'] };

const linkIn = (message: string) => /https?:\/\/\S+\/approvals\/[A-Za-z0-9_-]+/.exec(message)?.[0] as string;

interface KindResult {
  scope: string;
  stateTransitions: number;
  lambdaInvocations: number;
  stepFunctionsUsdPer1000Requests: number;
}

export async function lifecycleKindsBench(): Promise<Record<string, KindResult>> {
  const time = movableClock();
  const t = await startTestBroker({ clock: time.clock, timer: time.timer });
  try {
    const oncall = { token: await t.broker.token(ONCALL) };
    const mail = async (id: string, approver: string, kind: string) =>
      linkIn((await t.broker.outbox.waitFor((m) => m.attributes.requestId === id && m.attributes.approver === approver && m.attributes.kind === kind)).message);
    const decide = (link: string, decision: string) => fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision }) });
    const sleepingFor = (ms: number) => time.sleeping((pause) => pause > ms - MINUTE_MS && pause <= ms);

    async function measure(scope: string, run: () => Promise<{ executionArn: string }>): Promise<KindResult> {
      const before = t.broker.invocations();
      const { executionArn } = await run();
      const execution = await t.broker.workflow.whenSettled(executionArn);
      const after = t.broker.invocations();
      const lambdaInvocations = Object.entries(after).reduce((n, [fn, count]) => n + count - (before[fn] ?? 0), 0);
      return {
        scope,
        stateTransitions: execution.stateTransitions,
        lambdaInvocations,
        stepFunctionsUsdPer1000Requests: Math.round(execution.stateTransitions * PRICES.stateTransition * 1000 * 10_000) / 10_000,
      };
    }
    const create = async (body: Record<string, unknown>, as: { as: 'alice' } | { token: string } = { as: 'alice' }) => {
      const res = await t.call('POST', '/requests', { ...as, json: body });
      if (res.status !== 201) throw new Error(`POST /requests answered ${res.status}: ${res.text}`);
      return res.body.request as { id: string; executionArn: string };
    };
    const approved = async (body: Record<string, unknown> = SANDBOX) => {
      const request = await create(body);
      await decide(await mail(request.id, 'carol@example.com', 'approval-request'), 'approve');
      return request;
    };
    const activeHeld = async (id: string) => {
      // carol approves every target here, so she may read each request.
      await t.waitForRequest(id, (r) => r.status === 'ACTIVE', 'carol');
      await sleepingFor(15 * MINUTE_MS);
    };

    return {
      approved: await measure('approved by the first approver, window runs out (reminders on, none due)', async () => {
        const request = await approved();
        await activeHeld(request.id);
        await time.advance(15 * MINUTE_MS);
        return request;
      }),
      extended: await measure('approved, one 30m extension approved during the window, the longer window runs out', async () => {
        const request = await approved();
        await activeHeld(request.id);
        const asked = await t.call('POST', `/requests/${request.id}/extensions`, { as: 'alice', json: { duration: '30m', reason: 'benchmark extension of the window' } });
        if (asked.status !== 201) throw new Error(`extension answered ${asked.status}: ${asked.text}`);
        await decide(await mail(request.id, 'carol@example.com', 'extension-request'), 'approve');
        await sleepingFor(45 * MINUTE_MS);
        await time.advance(45 * MINUTE_MS);
        return request;
      }),
      scheduled: await measure('approved before a start 2 h ahead, waits, window runs out', async () => {
        const startsAt = new Date(time.clock.now().getTime() + 2 * HOUR_MS).toISOString();
        const request = await approved({ ...SANDBOX, startsAt });
        await t.waitForRequest(request.id, (r) => r.status === 'APPROVED');
        await sleepingFor(2 * HOUR_MS);
        await time.advance(2 * HOUR_MS);
        await activeHeld(request.id);
        await time.advance(15 * MINUTE_MS);
        return request;
      }),
      breakGlass: await measure('break-glass, window runs out, review checked when due (24 h)', async () => {
        const request = await create(GLASS, oncall);
        await activeHeld(request.id);
        await time.advance(15 * MINUTE_MS);
        await sleepingFor(24 * HOUR_MS - 15 * MINUTE_MS);
        await time.advance(24 * HOUR_MS);
        return request;
      }),
      remindedThenTimedOut: await measure('nobody decides: two reminders, then TIMED_OUT', async () => {
        const request = await create(SANDBOX);
        await mail(request.id, 'carol@example.com', 'approval-request');
        for (const wait of [HOUR_MS, 0.35 * 4 * HOUR_MS, 0.4 * 4 * HOUR_MS]) {
          await time.sleeping((pause) => pause === wait);
          await time.advance(wait);
        }
        return request;
      }),
    };
  } finally {
    await t.broker.close();
  }
}

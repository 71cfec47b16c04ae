import { SESSION_DENY_POLICY_NAME, policyChars } from '../shared/domain/session-deny';
import { StateName } from '../shared/workflow/state-machine';
import { movableClock, startTestBroker, type TestBroker } from '../test/helpers/broker';
import { diffCounts, summarize } from './stats';

const ROLE = 'arn:aws:iam::111111111111:role/BrokerReadOnly';
const body = (i: number) => ({ target: 'sandbox-readonly', services: ['ec2', 'databases'], duration: '1h', reason: `benchmark revoke number ${i}` });

/** alice asks, carol approves; resolves once the end-of-access hold holds the window open. */
async function activeRequest(t: TestBroker, i: number): Promise<{ id: string; executionArn: string }> {
  const created = await t.call('POST', '/requests', { as: 'alice', json: body(i) });
  if (created.status !== 201) throw new Error(`POST /requests answered ${created.status}: ${created.text}`);
  const { id, executionArn } = created.body.request as { id: string; executionArn: string };
  const link = await t.linkFor(id, 'carol@example.com', 30_000);
  const decided = await t.call('POST', new URL(link).pathname, { json: { decision: 'approve' } });
  if (decided.status !== 200) throw new Error(`approval answered ${decided.status}`);
  await t.waitForRequest(id, (r) => r.status === 'ACTIVE', 'alice', 30_000);
  await t.held(id, 30_000);
  return { id, executionArn };
}

/**
 * `POST /requests/{id}/revoke` on an ACTIVE grant, in local mode: from the POST sent to its
 * 200 answer, by which time the request is REVOKED (conditional write), the ended-sessions deny
 * is written on the target role (read-merge-write-verify on the IAM stand-in), the sealed
 * credentials are deleted, the hold is resumed and the requester and approvers are told. Each
 * revoke is checked: the role's deny covers the session. Also the DynamoDB operations and the
 * role's deny policy size as ended sessions accumulate on one role.
 */
export async function revokeBench() {
  const time = movableClock();
  const t = await startTestBroker({ clock: time.clock, timer: time.timer });
  try {
    const warmUp = 3;
    const rounds = 30;
    const latencies: number[] = [];
    let before: Record<string, number> = {};
    let started = 0;
    for (let i = 0; i < warmUp + rounds; i++) {
      if (i === warmUp) {
        latencies.length = 0;
        before = t.broker.dynamo.operations();
        started = performance.now();
      }
      const { id, executionArn } = await activeRequest(t, i);
      const t0 = performance.now();
      const res = await t.call('POST', `/requests/${id}/revoke`, { as: 'alice', json: {} });
      const ms = performance.now() - t0;
      if (res.status !== 200 || res.body.request.status !== 'REVOKED') throw new Error(`revoke answered ${res.status}: ${res.text}`);
      if (!t.broker.iam.isSessionDenied(ROLE, id)) throw new Error(`revoke of ${id} answered before the deny was written`);
      if (i >= warmUp) latencies.push(ms);
      const execution = await t.broker.workflow.whenSettled(executionArn);
      if (execution.statesEntered.at(-1) !== StateName.ACCESS_REVOKED) throw new Error(`workflow of ${id} ended in ${execution.statesEntered.at(-1)}`);
    }
    const wallMs = performance.now() - started;
    const ops = diffCounts(t.broker.dynamo.operations(), before);
    const perRevoke = Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, Math.round((v / rounds) * 100) / 100]));
    const policy = t.broker.iam.view().roles[ROLE]!.inlinePolicies[SESSION_DENY_POLICY_NAME];
    return {
      revokeToRevokedWithDeny: { scope: 'POST /requests/{id}/revoke -> 200 REVOKED, deny written and verified on the role (local IAM stand-in)', ...summarize(latencies, wallMs) },
      dynamoPerGrantRevoked: { scope: 'approve, issue, hold and revoke one grant (the whole lifecycle of a revoked grant, local mode)', byOperation: perRevoke },
      denyPolicyAfter: { endedSessionsListed: warmUp + rounds, policyChars: policy ? policyChars(JSON.stringify(policy)) : 0 },
    };
  } finally {
    await t.broker.close();
  }
}

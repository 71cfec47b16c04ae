/**
 * Every use case that writes a status, run from every status a request can have: it writes only
 * moves the domain's transition table allows, and from every other status it writes nothing and
 * answers as documented (an error code, or a quiet no-op for a retried workflow step). The fake
 * repository, like the DynamoDB one, would also refuse a move the table does not list.
 */
import { describe, expect, it } from 'vitest';
import { hashApprovalToken, newApprovalToken } from '../../../shared/domain/approval-token';
import { ALL_STATUSES, RequestStatus, TransitionNotAllowedError, canTransition, type RequestStatus as Status } from '../../../shared/domain/status';
import { decideApproval } from '../../../shared/usecases/approvals';
import { cancelRequest } from '../../../shared/usecases/cancel-request';
import { createRequest } from '../../../shared/usecases/create-request';
import { issueCredentials } from '../../../shared/usecases/issue-credentials';
import { notifyApprovers } from '../../../shared/usecases/notify-approvers';
import { revokeRequest } from '../../../shared/usecases/revoke-request';
import { settleRequest } from '../../../shared/usecases/settle-request';
import { WORKFLOW_REQUEST_CLOSED_ERROR } from '../../../shared/workflow/errors';
import { CALLERS, FAKE_NOW, aRequest, fakePorts, type FakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000WRIT';
const NEW_ID = '01J9NEWREQUEST000000000001';

interface Writer {
  name: string;
  /** The status this writer moves a request to. */
  to: Status;
  /** Which request the run writes. */
  id: string;
  /** Arranges a request in `from` and runs the writer; resolves to a summary of the outcome or rejects. */
  run(from: Status): Promise<{ ports: FakePorts; outcome: Promise<unknown> }>;
  /** The documented answer when the move is not taken (an error code or name, or 'no-op'). */
  refusal(from: Status): string;
  /** When the writer writes (defaults to "the table allows it"). */
  writesFrom?: (from: Status) => boolean;
}

async function withRequest(from: Status, extra: Parameters<typeof aRequest>[0] = {}) {
  return fakePorts({ requests: [aRequest({ id: ID, status: from, ...extra })], taskTokens: { [ID]: 'tok' } });
}

async function vote(from: Status, decision: 'approve' | 'deny') {
  const token = newApprovalToken();
  const ports = await withRequest(from);
  await ports.links.put({ tokenHash: hashApprovalToken(token), requestId: ID, approver: 'dave@example.com', createdAt: FAKE_NOW, expiresAt: '2031-01-01T00:00:00.000Z' });
  return { ports, outcome: decideApproval(ports, token, decision) };
}

const WRITERS: Writer[] = [
  {
    name: 'create-request (workflow start failed)',
    to: RequestStatus.FAILED,
    id: NEW_ID,
    async run(from) {
      const ports = fakePorts();
      ports.failures.start = new Error('start failed');
      ports.raceNextUpdate(NEW_ID, (r) => {
        r.status = from;
      });
      return { ports, outcome: createRequest(ports, CALLERS.alice, { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'debugging INC-4411 today' }) };
    },
    refusal: () => 'WORKFLOW_START_FAILED',
  },
  { name: 'decide-approval (approve, quorum)', to: RequestStatus.APPROVED, id: ID, run: (from) => vote(from, 'approve'), refusal: () => 'ALREADY_DECIDED', writesFrom: (s) => s === 'PENDING' },
  { name: 'decide-approval (deny)', to: RequestStatus.DENIED, id: ID, run: (from) => vote(from, 'deny'), refusal: () => 'ALREADY_DECIDED' },
  {
    name: 'notify-approvers (auto-approval)',
    to: RequestStatus.APPROVED,
    id: ID,
    async run(from) {
      const ports = await withRequest(from, { target: 'sandbox-auto', services: ['ec2'], durationSeconds: 900 });
      return { ports, outcome: notifyApprovers(ports, { requestId: ID, taskToken: 'tok-2', approvalTimeoutSeconds: 60 }) };
    },
    refusal: () => 'no-op',
    writesFrom: (s) => s === 'PENDING',
  },
  {
    name: 'cancel-request',
    to: RequestStatus.CANCELLED,
    id: ID,
    async run(from) {
      const ports = await withRequest(from);
      return { ports, outcome: cancelRequest(ports, CALLERS.alice, ID) };
    },
    refusal: () => 'NOT_CANCELLABLE',
  },
  {
    name: 'revoke-request (requester)',
    to: RequestStatus.REVOKED,
    id: ID,
    async run(from) {
      const ports = await withRequest(from);
      return { ports, outcome: revokeRequest(ports, CALLERS.alice, ID) };
    },
    refusal: (from) => (from === 'PENDING' ? 'NOT_REVOCABLE' : 'ALREADY_ENDED'),
  },
  {
    name: 'issue-credentials (open the window)',
    to: RequestStatus.ACTIVE,
    id: ID,
    async run(from) {
      const ports = await withRequest(from, from === 'ACTIVE' ? { startsAt: FAKE_NOW, expiresAt: '2030-01-01T10:00:00.000Z' } : {});
      return { ports, outcome: issueCredentials(ports, ID) };
    },
    refusal: (from) => (from === 'ACTIVE' ? 'no-op' : WORKFLOW_REQUEST_CLOSED_ERROR),
  },
  ...(['EXPIRED', 'DENIED', 'TIMED_OUT', 'FAILED'] as const).map(
    (outcome): Writer => ({
      name: `settle-request (${outcome})`,
      to: outcome,
      id: ID,
      async run(from) {
        const ports = await withRequest(from);
        const payload = outcome === 'FAILED' ? { requestId: ID, outcome, error: 'Error', cause: 'boom' } : { requestId: ID, outcome };
        return { ports, outcome: settleRequest(ports, payload) };
      },
      refusal: () => 'no-op',
    }),
  ),
];

describe.each(WRITERS)('$name', (writer) => {
  it.each(ALL_STATUSES)(`from %s`, async (from) => {
    const writes = (writer.writesFrom ?? ((s: Status) => canTransition(s, writer.to)))(from);
    const { ports, outcome } = await writer.run(from);
    const settled = await outcome.then(
      () => 'no-op',
      (e: { code?: string; name?: string }) => e.code ?? e.name,
    );

    const statusWrites = ports.recorded.writes.filter((w) => w.to !== undefined && w.id === writer.id);
    for (const w of ports.recorded.writes) {
      if (w.to) expect(canTransition(w.from, w.to), `${w.from} -> ${w.to}`).toBe(true);
    }
    if (writes) {
      expect(statusWrites.map((w) => [w.from, w.to])).toEqual([[from, writer.to]]);
      expect(ports.stored(writer.id)?.status).toBe(writer.to);
    } else {
      expect(statusWrites).toEqual([]);
      expect(ports.stored(writer.id)?.status).toBe(from);
      expect(settled).toBe(writer.refusal(from));
    }
  });
});

describe('the fake repository refuses what the table does not allow, like the DynamoDB adapter', () => {
  it.each(ALL_STATUSES.flatMap((from) => ALL_STATUSES.filter((to) => to !== from && !canTransition(from, to)).map((to) => [from, to] as const)))(
    '%s -> %s',
    async (from, to) => {
      const ports = await withRequest(from);
      await expect(ports.requests.update(ID, { expectedVersion: 1, expectedStatus: from, set: { status: to }, append: [], at: FAKE_NOW })).rejects.toBeInstanceOf(
        TransitionNotAllowedError,
      );
      expect(ports.stored(ID)).toMatchObject({ status: from, version: 1 });
    },
  );
});

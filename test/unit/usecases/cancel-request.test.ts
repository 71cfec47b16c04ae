import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared/domain/errors';
import type { Caller } from '../../../shared/domain/identity';
import type { RequestStatus } from '../../../shared/domain/status';
import { cancelRequest } from '../../../shared/usecases/cancel-request';
import { WORKFLOW_CANCELLED_ERROR } from '../../../shared/workflow/errors';
import { CALLERS, FAKE_NOW, aRequest, fakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000CANC';

describe('cancelRequest', () => {
  const cases: {
    name: string;
    status: RequestStatus;
    caller?: Caller;
    taskToken?: string;
    abortFails?: boolean;
    wantErr?: string;
    wantStatus: RequestStatus;
    wantAborted?: boolean;
  }[] = [
    { name: 'pending request with a waiting workflow', status: 'PENDING', taskToken: 'tok-1', wantStatus: 'CANCELLED', wantAborted: true },
    { name: 'approved request not yet issued', status: 'APPROVED', wantStatus: 'CANCELLED' },
    { name: 'the workflow cannot be reached: still cancelled, warning logged', status: 'PENDING', taskToken: 'tok-1', abortFails: true, wantStatus: 'CANCELLED' },
    { name: 'active access cannot be cancelled', status: 'ACTIVE', wantErr: 'NOT_CANCELLABLE', wantStatus: 'ACTIVE' },
    { name: 'already cancelled', status: 'CANCELLED', wantErr: 'NOT_CANCELLABLE', wantStatus: 'CANCELLED' },
    { name: 'denied', status: 'DENIED', wantErr: 'NOT_CANCELLABLE', wantStatus: 'DENIED' },
    { name: 'expired', status: 'EXPIRED', wantErr: 'NOT_CANCELLABLE', wantStatus: 'EXPIRED' },
    { name: 'an approver may see it but not cancel it: 404 as for reads', status: 'PENDING', caller: CALLERS.carol, wantErr: 'NOT_FOUND', wantStatus: 'PENDING' },
    { name: 'a stranger gets 404', status: 'PENDING', caller: CALLERS.mallory, wantErr: 'NOT_FOUND', wantStatus: 'PENDING' },
  ];

  it.each(cases)('$name', async ({ status, caller = CALLERS.alice, taskToken, abortFails, wantErr, wantStatus, wantAborted }) => {
    const ports = fakePorts({ requests: [aRequest({ id: ID, status })], ...(taskToken ? { taskTokens: { [ID]: taskToken } } : {}) });
    if (abortFails) ports.failures.abort = new Error('Step Functions unreachable');

    const result = cancelRequest(ports, caller, ID, 'no longer needed');

    if (wantErr) {
      await expect(result).rejects.toBeInstanceOf(DomainError);
      await expect(result).rejects.toMatchObject({ code: wantErr });
      expect(ports.recorded.writes).toEqual([]);
    } else {
      await expect(result).resolves.toMatchObject({ status: 'CANCELLED' });
      expect(ports.recorded.writes).toEqual([
        {
          id: ID,
          from: status,
          to: 'CANCELLED',
          set: { status: 'CANCELLED' },
          append: [{ at: FAKE_NOW, type: 'cancelled', by: 'alice@example.com', detail: 'no longer needed' }],
          taskToken: null,
        },
      ]);
      expect(ports.storedTaskToken(ID)).toBeUndefined();
    }
    expect(ports.stored(ID)?.status).toBe(wantStatus);
    expect(ports.recorded.aborted).toEqual(
      wantAborted ? [{ taskToken, error: WORKFLOW_CANCELLED_ERROR, cause: 'Cancelled by alice@example.com' }] : [],
    );
    if (abortFails) expect(ports.recorded.logs.map((l) => l.msg)).toContain('could not end the waiting workflow');
  });

  it('a cancel racing an approval that wins first is judged again on the approved request (and still cancels)', async () => {
    const ports = fakePorts({ requests: [aRequest({ id: ID })] });
    ports.raceNextUpdate(ID, (r) => {
      r.status = 'APPROVED';
    });
    await expect(cancelRequest(ports, CALLERS.alice, ID)).resolves.toMatchObject({ status: 'CANCELLED' });
    expect(ports.recorded.writes.map((w) => [w.from, w.to])).toEqual([['APPROVED', 'CANCELLED']]);
  });

  it('a cancel racing the window opening loses: the active request is not cancellable', async () => {
    const ports = fakePorts({ requests: [aRequest({ id: ID, status: 'APPROVED' })] });
    ports.raceNextUpdate(ID, (r) => {
      r.status = 'ACTIVE';
    });
    await expect(cancelRequest(ports, CALLERS.alice, ID)).rejects.toMatchObject({ code: 'NOT_CANCELLABLE' });
    expect(ports.recorded.writes).toEqual([]);
  });
});

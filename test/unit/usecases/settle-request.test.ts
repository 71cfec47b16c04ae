import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/domain/request';
import type { RequestStatus } from '../../../shared/domain/status';
import type { StoredCredentials } from '../../../shared/ports/repositories';
import { settleRequest } from '../../../shared/usecases/settle-request';
import type { SettleRequestPayload } from '../../../shared/workflow/payloads';
import { FAKE_NOW, aRequest, fakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000SETL';
const CREDS: StoredCredentials = {
  requestId: ID,
  sealed: { encryptedKey: 'k', iv: ID, ciphertext: 'e30=', tag: 't', keyId: 'fake-key' },
  expiration: FAKE_NOW,
  issuedAt: FAKE_NOW,
  chained: true,
};
const LAMBDA_CAUSE = JSON.stringify({ errorType: 'AccessDenied', errorMessage: 'User arn:aws:sts::1:assumed-role/broker is not authorized', trace: [] });

describe('settleRequest', () => {
  const cases: {
    name: string;
    status: RequestStatus;
    payload: { outcome: 'EXPIRED' | 'DENIED' | 'TIMED_OUT' } | { outcome: 'FAILED'; error: string; cause: string };
    history?: HistoryEntry[];
    wantStatus: RequestStatus;
    wantWrite: boolean;
    wantTold?: string;
    wantCredentialsDropped: boolean;
  }[] = [
    { name: 'the window closes: ACTIVE -> EXPIRED, credentials dropped, requester told', status: 'ACTIVE', payload: { outcome: 'EXPIRED' }, wantStatus: 'EXPIRED', wantWrite: true, wantTold: 'expired', wantCredentialsDropped: true },
    { name: 'no decision in time: PENDING -> TIMED_OUT', status: 'PENDING', payload: { outcome: 'TIMED_OUT' }, wantStatus: 'TIMED_OUT', wantWrite: true, wantTold: 'timed-out', wantCredentialsDropped: false },
    { name: 'quorum reached as the wait timed out: APPROVED -> TIMED_OUT', status: 'APPROVED', payload: { outcome: 'TIMED_OUT' }, wantStatus: 'TIMED_OUT', wantWrite: true, wantTold: 'timed-out', wantCredentialsDropped: false },
    { name: 'a denial already written by the vote: nothing written, requester told', status: 'DENIED', payload: { outcome: 'DENIED' }, wantStatus: 'DENIED', wantWrite: false, wantTold: 'denied', wantCredentialsDropped: false },
    { name: 'a late timeout never overwrites a denial', status: 'DENIED', payload: { outcome: 'TIMED_OUT' }, wantStatus: 'DENIED', wantWrite: false, wantCredentialsDropped: false },
    { name: 'a failure after a cancel leaves it CANCELLED and says nothing', status: 'CANCELLED', payload: { outcome: 'FAILED', error: 'Error', cause: 'x' }, wantStatus: 'CANCELLED', wantWrite: false, wantCredentialsDropped: false },
    { name: 'EXPIRED cannot follow a PENDING request', status: 'PENDING', payload: { outcome: 'EXPIRED' }, wantStatus: 'PENDING', wantWrite: false, wantCredentialsDropped: false },
    {
      name: 'issuing failed: ACTIVE -> FAILED, credentials dropped, told the error type only',
      status: 'ACTIVE',
      payload: { outcome: 'FAILED', error: 'AccessDenied', cause: LAMBDA_CAUSE },
      wantStatus: 'FAILED',
      wantWrite: true,
      wantTold: 'failed',
      wantCredentialsDropped: true,
    },
    {
      name: 'a retried step after the requester was told: no write, no second message',
      status: 'EXPIRED',
      payload: { outcome: 'EXPIRED' },
      history: [{ at: FAKE_NOW, type: 'requester-notified', detail: 'expired' }],
      wantStatus: 'EXPIRED',
      wantWrite: false,
      wantCredentialsDropped: true,
    },
  ];

  it.each(cases)('$name', async ({ status, payload, history = [], wantStatus, wantWrite, wantTold, wantCredentialsDropped }) => {
    const request = aRequest({ id: ID, status });
    request.history.push(...history);
    const ports = fakePorts({ requests: [request], credentials: [CREDS], taskTokens: { [ID]: 'tok' } });

    const result = await settleRequest(ports, { requestId: ID, ...payload } as SettleRequestPayload);

    expect(result).toEqual({ status: wantStatus, changed: wantWrite });
    expect(ports.stored(ID)?.status).toBe(wantStatus);
    expect(ports.recorded.writes.map((w) => [w.from, w.to, w.taskToken])).toEqual(wantWrite ? [[status, wantStatus, null]] : []);
    expect(ports.recorded.mailed.map((m) => m.attributes.event)).toEqual(wantTold ? [wantTold] : []);
    expect(ports.storedCredentials(ID) === undefined).toBe(wantCredentialsDropped);
  });

  it('a failure is told by type, with the message (which may name roles) in the log only', async () => {
    const ports = fakePorts({ requests: [aRequest({ id: ID, status: 'ACTIVE' })] });
    await settleRequest(ports, { requestId: ID, outcome: 'FAILED', error: 'AccessDenied', cause: LAMBDA_CAUSE });
    const told = 'The workflow failed (AccessDenied). The platform team has the details in the broker\'s logs.';
    expect(ports.stored(ID)?.history.find((h) => h.type === 'failed')?.detail).toBe(told);
    expect(ports.recorded.mailed[0]?.text).toContain(told);
    expect(ports.recorded.mailed[0]?.text).not.toContain('assumed-role');
    expect(ports.recorded.logs).toContainEqual(
      expect.objectContaining({ level: 'error', fields: { requestId: ID, failure: 'AccessDenied: User arn:aws:sts::1:assumed-role/broker is not authorized' } }),
    );
  });
});

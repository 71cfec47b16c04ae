import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../shared/domain/identity';
import type { AccessRequest } from '../../../shared/domain/request';
import type { RequestStatus } from '../../../shared/domain/status';
import type { StoredCredentials } from '../../../shared/ports/repositories';
import { getCredentials } from '../../../shared/usecases/get-credentials';
import { issueCredentials } from '../../../shared/usecases/issue-credentials';
import { WORKFLOW_REQUEST_CLOSED_ERROR } from '../../../shared/workflow/errors';
import { CALLERS, FAKE_NOW, aRequest, fakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000CRED';
const at = (seconds: number) => new Date(Date.parse(FAKE_NOW) + seconds * 1000).toISOString();

/** Sealed credentials as the fake vault seals them, expiring `expiresIn` seconds from now. */
function storedCredentials(expiresIn: number): StoredCredentials {
  const plaintext = JSON.stringify({ accessKeyId: 'ASIAOLD', secretAccessKey: 'old-secret', sessionToken: 'old-session', expiration: at(expiresIn), chained: true });
  return {
    requestId: ID,
    sealed: { encryptedKey: 'fake', iv: ID, ciphertext: Buffer.from(plaintext).toString('base64'), tag: 'fake', keyId: 'fake-key' },
    expiration: at(expiresIn),
    issuedAt: at(-600),
    chained: true,
  };
}

describe('issueCredentials (workflow step: open the window, issue the first credentials)', () => {
  const cases: {
    name: string;
    status: RequestStatus;
    window?: Partial<AccessRequest>;
    credentialsStored?: boolean;
    durationSeconds?: number;
    wantErr?: string;
    wantWrite?: { from: RequestStatus; to: RequestStatus; startsAt: string; expiresAt: string };
    wantIssuedSeconds?: number;
  }[] = [
    {
      name: 'APPROVED opens the window now for the approved duration and issues for all of it (1 h chained)',
      status: 'APPROVED',
      wantWrite: { from: 'APPROVED', to: 'ACTIVE', startsAt: FAKE_NOW, expiresAt: at(3600) },
      wantIssuedSeconds: 3600,
    },
    {
      name: 'a 4-hour window issues the 1-hour chaining cap',
      status: 'APPROVED',
      durationSeconds: 4 * 3600,
      wantWrite: { from: 'APPROVED', to: 'ACTIVE', startsAt: FAKE_NOW, expiresAt: at(4 * 3600) },
      wantIssuedSeconds: 3600,
    },
    {
      name: 'the shortest grant (15 min) is measured from startsAt: exactly 900 s',
      status: 'APPROVED',
      durationSeconds: 900,
      wantWrite: { from: 'APPROVED', to: 'ACTIVE', startsAt: FAKE_NOW, expiresAt: at(900) },
      wantIssuedSeconds: 900,
    },
    { name: 'a retry on an ACTIVE request with credentials changes nothing', status: 'ACTIVE', window: { startsAt: at(-60), expiresAt: at(3540) }, credentialsStored: true },
    {
      name: 'a retry on an ACTIVE request without credentials issues for what is left',
      status: 'ACTIVE',
      window: { startsAt: at(-60), expiresAt: at(3540) },
      wantIssuedSeconds: 3540,
    },
    { name: 'cancelled meanwhile: the workflow ends quietly', status: 'CANCELLED', wantErr: WORKFLOW_REQUEST_CLOSED_ERROR },
    { name: 'still PENDING: refused', status: 'PENDING', wantErr: WORKFLOW_REQUEST_CLOSED_ERROR },
    { name: 'timed out: refused', status: 'TIMED_OUT', wantErr: WORKFLOW_REQUEST_CLOSED_ERROR },
  ];

  it.each(cases)('$name', async ({ status, window = {}, credentialsStored, durationSeconds = 3600, wantErr, wantWrite, wantIssuedSeconds }) => {
    const ports = fakePorts({
      requests: [aRequest({ id: ID, status, durationSeconds, ...window })],
      ...(credentialsStored ? { credentials: [storedCredentials(3000)] } : {}),
    });

    const result = issueCredentials(ports, ID);

    if (wantErr) {
      await expect(result).rejects.toMatchObject({ name: wantErr });
    } else {
      const grant = await result;
      expect(grant).toEqual({ startsAt: ports.stored(ID)!.startsAt, expiresAt: ports.stored(ID)!.expiresAt });
      expect(ports.stored(ID)!.status).toBe('ACTIVE');
    }
    expect(ports.recorded.writes.map((w) => ({ from: w.from, to: w.to, startsAt: w.set.startsAt, expiresAt: w.set.expiresAt }))).toEqual(
      wantWrite ? [wantWrite] : [],
    );
    expect(ports.recorded.issued.map((i) => i.durationSeconds)).toEqual(wantIssuedSeconds ? [wantIssuedSeconds] : []);
    if (wantIssuedSeconds) {
      expect(ports.storedCredentials(ID)?.windowEndsAt).toBe(ports.stored(ID)?.expiresAt);
      expect(ports.stored(ID)?.history.at(-1)).toMatchObject({ type: 'issued', accessKeyId: 'ASIAFAKE000000000001' });
    }
  });
});

describe('getCredentials', () => {
  const active = (overrides: Partial<AccessRequest> = {}) => aRequest({ id: ID, status: 'ACTIVE', startsAt: at(-600), expiresAt: at(3000), ...overrides });

  const cases: {
    name: string;
    request: AccessRequest;
    caller?: Caller;
    stored?: StoredCredentials;
    wantErr?: string;
    wantAccessKey?: string;
    wantIssued?: number;
    wantNotice?: boolean;
  }[] = [
    { name: 'stored credentials far from expiry are returned as they are', request: active(), stored: storedCredentials(1800), wantAccessKey: 'ASIAOLD', wantIssued: 0 },
    { name: 'exactly 5 minutes left is not yet a refresh', request: active(), stored: storedCredentials(300), wantAccessKey: 'ASIAOLD', wantIssued: 0 },
    { name: 'under 5 minutes left: refreshed', request: active(), stored: storedCredentials(299), wantAccessKey: 'ASIAFAKE000000000001', wantIssued: 1 },
    { name: 'none stored yet: issued now', request: active(), wantAccessKey: 'ASIAFAKE000000000001', wantIssued: 1 },
    {
      name: 'near expiry with under 15 minutes of window left: the old ones with a notice',
      request: active({ expiresAt: at(600) }),
      stored: storedCredentials(120),
      wantAccessKey: 'ASIAOLD',
      wantIssued: 0,
      wantNotice: true,
    },
    { name: 'not the requester: 404', request: active(), caller: CALLERS.carol, wantErr: 'NOT_FOUND' },
    { name: 'APPROVED, window not yet open', request: aRequest({ id: ID, status: 'APPROVED' }), wantErr: 'NOT_ACTIVE' },
    { name: 'EXPIRED', request: active({ status: 'EXPIRED' }), wantErr: 'NOT_ACTIVE' },
    { name: 'ACTIVE but the window end has passed', request: active({ expiresAt: at(0) }), wantErr: 'WINDOW_CLOSED' },
    { name: 'break-glass whose workflow has not started (it may never): none yet', request: active({ breakGlass: true }), wantErr: 'NOT_READY' },
  ];

  it.each(cases)('$name', async ({ request, caller = CALLERS.alice, stored, wantErr, wantAccessKey, wantIssued = 0, wantNotice }) => {
    const ports = fakePorts({ requests: [request], ...(stored ? { credentials: [stored] } : {}) });

    const result = getCredentials(ports, caller, ID, 'json');

    if (wantErr) {
      await expect(result).rejects.toMatchObject({ code: wantErr });
      expect(ports.recorded.historyAppends).toEqual([]);
      expect(ports.recorded.signIns).toEqual([]);
    } else {
      const view = await result;
      expect(view).toMatchObject({
        requestId: ID,
        accessKeyId: wantAccessKey,
        windowExpiresAt: request.expiresAt,
        region: 'eu-west-1',
        consoleUrlExpiresAt: at(900),
      });
      expect('notice' in view).toBe(!!wantNotice);
      expect(ports.recorded.signIns.map((s) => s.destination)).toEqual(['https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1']);
      // Every retrieval is audited; the history names the format, never a secret.
      expect(ports.stored(ID)?.history.at(-1)).toEqual({ at: FAKE_NOW, type: 'credentials-retrieved', by: 'alice@example.com', detail: 'format=json' });
    }
    expect(ports.recorded.issued).toHaveLength(wantIssued);
    // Reading credentials never writes a status.
    expect(ports.recorded.writes).toEqual([]);
  });
});

describe('getCredentials: where the console URL lands', () => {
  const active = () => aRequest({ id: ID, status: 'ACTIVE', startsAt: at(-600), expiresAt: at(3000), services: ['ec2', 'cloudwatch'] });

  it.each([
    { name: 'default: the first service, the target region', console: {}, want: 'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1' },
    { name: 'another granted service', console: { service: 'cloudwatch' }, want: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1' },
    { name: 'another region', console: { service: 'ec2', region: 'us-west-2' }, want: 'https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2' },
  ])('$name', async ({ console, want }) => {
    const ports = fakePorts({ requests: [active()] });
    await getCredentials(ports, CALLERS.alice, ID, 'json', console);
    expect(ports.recorded.signIns.map((s) => s.destination)).toEqual([want]);
  });

  it('refuses a service the request does not grant, naming the granted ones, and mints nothing', async () => {
    const ports = fakePorts({ requests: [active()] });
    await expect(getCredentials(ports, CALLERS.alice, ID, 'json', { service: 'iam' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'service', rule: 'enum', message: "must be one of the request's services: ec2, cloudwatch" }],
    });
    expect(ports.recorded.signIns).toEqual([]);
    expect(ports.recorded.issued).toEqual([]);
    expect(ports.recorded.historyAppends).toEqual([]);
  });
});

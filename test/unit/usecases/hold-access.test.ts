import { describe, expect, it } from 'vitest';
import { holdAccess } from '../../../shared/usecases/hold-access';
import { WORKFLOW_REQUEST_CLOSED_ERROR, WORKFLOW_WINDOW_MOVED_ERROR } from '../../../shared/workflow/errors';
import { FAKE_NOW, aRequest, fakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000HXLD';
const END = '2030-01-01T10:00:00.000Z';
const active = (extra = {}) => aRequest({ id: ID, status: 'ACTIVE', startsAt: FAKE_NOW, expiresAt: END, ...extra });

describe('holdAccess: measure', () => {
  it.each<[string, string, number]>([
    ['an hour left', FAKE_NOW, 3_600],
    ['half a second left rounds up to 1 s (the hold never ends the window early)', '2030-01-01T09:59:59.500Z', 1],
    ['exactly at the end: 0 (expire at once)', END, 0],
    ['past the end: 0', '2030-01-01T10:05:00.000Z', 0],
  ])('%s', async (_name, now, secondsLeft) => {
    const ports = fakePorts({ requests: [active()], now });
    await expect(holdAccess(ports, { requestId: ID, step: 'measure' })).resolves.toEqual({ secondsLeft, expiresAt: END });
  });

  it('reads expiresAt from the request (where an extension moves it)', async () => {
    const ports = fakePorts({ requests: [active({ expiresAt: '2030-01-01T11:30:00.000Z' })] });
    await expect(holdAccess(ports, { requestId: ID, step: 'measure' })).resolves.toEqual({ secondsLeft: 9_000, expiresAt: '2030-01-01T11:30:00.000Z' });
  });

  it.each(['REVOKED', 'EXPIRED', 'FAILED'] as const)('a %s request: Broker.RequestClosed', async (status) => {
    const ports = fakePorts({ requests: [active({ status })] });
    await expect(holdAccess(ports, { requestId: ID, step: 'measure' })).rejects.toMatchObject({ name: WORKFLOW_REQUEST_CLOSED_ERROR });
  });
});

describe('holdAccess: hold', () => {
  const hold = { requestId: ID, step: 'hold' as const, secondsLeft: 3_600, expiresAt: END, taskToken: 'hold-token-2' };

  it('stores the token on the ACTIVE request, replacing the older one, and changes nothing else', async () => {
    const ports = fakePorts({ requests: [active()], taskTokens: { [ID]: 'hold-token-1' } });
    await expect(holdAccess(ports, hold)).resolves.toEqual({ held: true });
    expect(ports.storedTaskToken(ID)).toBe('hold-token-2');
    expect(ports.recorded.writes).toEqual([{ id: ID, from: 'ACTIVE', set: {}, append: [], taskToken: 'hold-token-2' }]);
  });

  it('a request revoked before the hold: Broker.RequestClosed, no token stored', async () => {
    const ports = fakePorts({ requests: [active({ status: 'REVOKED' })] });
    await expect(holdAccess(ports, hold)).rejects.toMatchObject({ name: WORKFLOW_REQUEST_CLOSED_ERROR });
    expect(ports.storedTaskToken(ID)).toBeUndefined();
  });

  it('a window extended between measure and hold: Broker.WindowMoved, no token stored', async () => {
    const ports = fakePorts({ requests: [active({ expiresAt: '2030-01-01T11:00:00.000Z' })] });
    await expect(holdAccess(ports, hold)).rejects.toMatchObject({ name: WORKFLOW_WINDOW_MOVED_ERROR });
    expect(ports.storedTaskToken(ID)).toBeUndefined();
  });

  it('a revoke racing the token write wins: the hold is judged again on REVOKED', async () => {
    const ports = fakePorts({ requests: [active()] });
    ports.raceNextUpdate(ID, (r) => {
      r.status = 'REVOKED';
    });
    await expect(holdAccess(ports, hold)).rejects.toMatchObject({ name: WORKFLOW_REQUEST_CLOSED_ERROR });
    expect(ports.storedTaskToken(ID)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared/domain/errors';
import type { Caller } from '../../../shared/domain/identity';
import type { NewRequestInput } from '../../../shared/domain/new-request';
import { createRequest } from '../../../shared/usecases/create-request';
import { CALLERS, FAKE_NOW, fakePorts } from '../../helpers/fake-ports';

const VALID: NewRequestInput = { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'debugging INC-4411 in the sandbox', ticket: 'INC-4411' };
const NEW_ID = '01J9NEWREQUEST000000000001';

describe('createRequest', () => {
  const cases: {
    name: string;
    caller?: Caller;
    input?: Partial<NewRequestInput>;
    startFails?: boolean;
    wantErr?: { code: string; field?: string };
    wantStatus?: string;
    wantWrites: { from: string; to?: string; set: object }[];
    wantStarted: number;
  }[] = [
    {
      name: 'a valid request is stored PENDING, its workflow started and its execution recorded',
      wantStatus: 'PENDING',
      wantWrites: [{ from: 'PENDING', set: { executionArn: `arn:aws:states:eu-west-1:999999999999:execution:broker-approval:${NEW_ID}` } }],
      wantStarted: 1,
    },
    {
      name: 'an unknown target is refused naming the field, nothing stored',
      input: { target: 'nope' },
      wantErr: { code: 'VALIDATION_FAILED', field: 'target' },
      wantWrites: [],
      wantStarted: 0,
    },
    {
      name: 'a caller outside the requester groups gets the unknown-target answer (no entitlement leak)',
      caller: CALLERS.mallory,
      wantErr: { code: 'VALIDATION_FAILED', field: 'target' },
      wantWrites: [],
      wantStarted: 0,
    },
    {
      name: 'a duration over the target maximum is refused',
      input: { duration: '5h' },
      wantErr: { code: 'VALIDATION_FAILED', field: 'duration' },
      wantWrites: [],
      wantStarted: 0,
    },
    {
      name: 'a requester who is also an approver loses their vote; two others still meet the quorum of two',
      caller: CALLERS.carol,
      input: { target: 'prod-readonly' },
      wantStatus: 'PENDING',
      wantWrites: [{ from: 'PENDING', set: { executionArn: `arn:aws:states:eu-west-1:999999999999:execution:broker-approval:${NEW_ID}` } }],
      wantStarted: 1,
    },
    {
      name: 'the workflow cannot start: the request is marked FAILED and the caller gets 503',
      startFails: true,
      wantErr: { code: 'WORKFLOW_START_FAILED' },
      wantStatus: 'FAILED',
      wantWrites: [{ from: 'PENDING', to: 'FAILED', set: { status: 'FAILED' } }],
      wantStarted: 0,
    },
  ];

  it.each(cases)('$name', async ({ caller = CALLERS.alice, input = {}, startFails, wantErr, wantStatus, wantWrites, wantStarted }) => {
    const ports = fakePorts();
    if (startFails) ports.failures.start = new Error('ExecutionLimitExceeded');

    const result = createRequest(ports, caller, { ...VALID, ...input });

    if (wantErr) {
      await expect(result).rejects.toBeInstanceOf(DomainError);
      const error = (await result.catch((e: unknown) => e)) as DomainError;
      expect(error.code).toBe(wantErr.code);
      if (wantErr.field) expect(error.details.map((d) => d.field)).toContain(wantErr.field);
    } else {
      await expect(result).resolves.toMatchObject({ id: NEW_ID, status: wantStatus, version: 2 });
    }
    expect(ports.stored(NEW_ID)?.status).toBe(wantStatus);
    expect(ports.recorded.writes.map(({ from, to, set }) => ({ from, ...(to ? { to } : {}), set }))).toEqual(wantWrites);
    expect(ports.recorded.started).toHaveLength(wantStarted);
  });

  it('limits: over the open-request slots 409 LIMIT_OPEN_REQUESTS, over the submission rate 429 LIMIT_SUBMISSION_RATE; nothing stored, nothing started', async () => {
    const ports = fakePorts();
    ports.catalogue.submissionRate = { count: 3, periodSeconds: 3600 };
    ports.catalogue.targets.find((t) => t.id === VALID.target)!.openRequests = { active: 1, pending: 2 };
    const ids = ['01J0000000000000000000LIM1', '01J0000000000000000000LIM2', '01J0000000000000000000LIM3', '01J0000000000000000000LIM4'];
    const withId = (id: string) => ({ ...ports, newId: () => id });
    await createRequest(withId(ids[0]!), CALLERS.alice, VALID);
    await createRequest(withId(ids[1]!), CALLERS.alice, VALID);
    const open = (await createRequest(withId(ids[2]!), CALLERS.alice, VALID).catch((e: unknown) => e)) as DomainError;
    expect(open).toMatchObject({ code: 'LIMIT_OPEN_REQUESTS', kind: 'conflict' });
    const rate = (await createRequest(withId(ids[3]!), CALLERS.alice, VALID).catch((e: unknown) => e)) as DomainError;
    expect(rate).toMatchObject({ code: 'LIMIT_SUBMISSION_RATE', kind: 'rate-limited' });
    expect(ids.map((id) => ports.stored(id)?.status)).toEqual(['PENDING', 'PENDING', undefined, undefined]);
    expect(ports.recorded.started).toHaveLength(2);
  });

  it('a quorum only aliases of one mailbox could meet is refused at submission', async () => {
    const ports = fakePorts();
    const prod = ports.catalogue.targets.find((t) => t.id === 'prod-readonly')!;
    prod.approverEmails = ['dave@example.com', 'dave+prod@example.com', 'carol@example.com'];
    const error = (await createRequest(ports, CALLERS.carol, { ...VALID, target: 'prod-readonly' }).catch((e: unknown) => e)) as DomainError;
    expect(error.details).toContainEqual(expect.objectContaining({ field: 'target', rule: 'quorum-possible' }));
    expect(ports.stored(NEW_ID)).toBeUndefined();
  });

  it('the workflow is started with the target approval timeout, and history records submission then start', async () => {
    const ports = fakePorts();
    await createRequest(ports, CALLERS.alice, VALID);
    // Reminders are on by default: the approval timeout cut at 25 % and 60 %.
    expect(ports.recorded.started).toEqual([{ requestId: NEW_ID, approvalTimeoutSeconds: 3600, approvalWaits: { first: 900, second: 1260, third: 1440 } }]);
    expect(ports.stored(NEW_ID)?.history).toEqual([
      { at: FAKE_NOW, type: 'submitted', by: 'alice@example.com' },
      { at: FAKE_NOW, type: 'workflow-started' },
    ]);
  });

  it('a start failure after a racing cancel leaves the request CANCELLED (no FAILED written over it)', async () => {
    const ports = fakePorts();
    const cancelled = ports.requests.update;
    ports.workflow.start = async () => {
      const current = (await ports.requests.get(NEW_ID))!;
      await cancelled(NEW_ID, { expectedVersion: current.version, expectedStatus: 'PENDING', set: { status: 'CANCELLED' }, append: [], at: FAKE_NOW });
      throw new Error('start failed');
    };
    await expect(createRequest(ports, CALLERS.alice, VALID)).rejects.toMatchObject({ code: 'WORKFLOW_START_FAILED' });
    expect(ports.stored(NEW_ID)?.status).toBe('CANCELLED');
    expect(ports.recorded.writes.map((w) => w.to)).toEqual(['CANCELLED']);
  });
});

describe('createRequest: break-glass', () => {
  const breakGlassPorts = () => {
    const ports = fakePorts();
    const sandbox = ports.catalogue.targets.find((t) => t.id === VALID.target)!;
    sandbox.breakGlass = { maxDurationSeconds: 3600, requireTicket: true, reviewWithinSeconds: 24 * 3600, requesterGroups: ['engineers'] };
    return ports;
  };

  it('raises the CRITICAL break-glass-used alarm before the ACTIVE request exists', async () => {
    const ports = breakGlassPorts();
    let storedWhenAlarmed: unknown = 'not alarmed';
    const publish = ports.notifier.publish.bind(ports.notifier);
    ports.notifier.publish = async (message) => {
      storedWhenAlarmed = ports.stored(NEW_ID);
      return publish(message);
    };
    await expect(createRequest(ports, CALLERS.alice, { ...VALID, breakGlass: true })).resolves.toMatchObject({ id: NEW_ID, status: 'ACTIVE' });
    expect(storedWhenAlarmed).toBeUndefined();
    expect(ports.recorded.published.map((m) => [m.topic, m.attributes.classification, m.attributes.severity])).toEqual([['alarms', 'break-glass-used', 'CRITICAL']]);
  });

  it('fails closed: when the alarm cannot be raised, 503 ALARM_FAILED and nothing is stored or started', async () => {
    const ports = breakGlassPorts();
    ports.failures.publish = new Error('SNS unavailable');
    await expect(createRequest(ports, CALLERS.alice, { ...VALID, breakGlass: true })).rejects.toMatchObject({ code: 'ALARM_FAILED' });
    expect(ports.stored(NEW_ID)).toBeUndefined();
    expect(ports.recorded.started).toHaveLength(0);
  });
});

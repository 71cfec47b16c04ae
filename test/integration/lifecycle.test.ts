/**
 * The grant lifecycle end to end, through the local HTTP server and the real ASL: scheduled
 * starts, break-glass access with its alarms and review, reminders to approvers, and extensions
 * of an active grant. Time is a movable clock whose timer ends the workflow's pauses (the start,
 * the approval waits, the window, the review deadline) only when a test advances it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, movableClock, type Person, type TestBroker } from '../helpers/broker';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** The example catalogue's approval timeout. */
const APPROVAL_TIMEOUT_MS = 4 * HOUR_MS;

const SANDBOX = { target: 'sandbox-readonly', services: ['ec2'], duration: '15m', reason: 'Change window CHG-2001 tonight', ticket: 'CHG-2001' };
const PROD = { target: 'prod-readonly', services: ['ec2'], duration: '15m', reason: 'Checking replica lag for INC-4412', ticket: 'INC-4412' };
const GLASS = { target: 'prod-breakglass', services: ['ec2', 'databases'], duration: '30m', reason: 'Production database down, INC-9001', ticket: 'INC-9001' };
const OLIVIA = { sub: 'olivia', email: 'olivia@example.com', groups: ['oncall'] };

const pathOf = (link: string) => new URL(link).pathname;
const linkIn = (message: string) => /https?:\/\/\S+\/approvals\/[A-Za-z0-9_-]+/.exec(message)?.[0] as string;
const types = (request: { history: { type: string }[] }) => request.history.map((h) => h.type);

function helpers(getT: () => TestBroker) {
  const t = () => getT();
  const create = async (as: Person | { token: string }, body: Record<string, unknown>, status = 201) => {
    const res = await t().call('POST', '/requests', { ...(typeof as === 'string' ? { as } : as), json: body });
    expect(res.status, res.text).toBe(status);
    return res;
  };
  const get = async (id: string, as: Person = 'alice') => {
    const res = await t().call('GET', `/requests/${id}`, { as });
    expect(res.status, res.text).toBe(200);
    return res.body.request;
  };
  /** Every approvals-topic message for `id` (and `approver`), oldest first. */
  const mails = (id: string, approver?: string) =>
    t().broker.outbox.messages().filter((m) => m.topic === 'approvals' && m.attributes.requestId === id && (!approver || m.attributes.approver === approver));
  const alarms = (id: string) => t().broker.outbox.messages().filter((m) => m.topic === 'alarms' && m.attributes.requestId === id);
  const decide = (link: string, decision: string, comment?: string) =>
    t().call('POST', pathOf(link), { json: { decision, ...(comment ? { comment } : {}) } });
  const notified = (id: string, as: Person = 'alice') => t().waitForRequest(id, (r) => types(r).includes('notified'), as);
  const credentials = (id: string, as: Person | { token: string } = 'alice') =>
    t().call('GET', `/requests/${id}/credentials`, typeof as === 'string' ? { as } : as);
  return { create, get, mails, alarms, decide, notified, credentials };
}

describe('scheduled start', () => {
  let t: TestBroker;
  const time = movableClock();
  const h = helpers(() => t);
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });
  const inMs = (ms: number) => new Date(time.clock.now().getTime() + ms).toISOString();

  it('refuses a start too far ahead or in the past, naming the field and the limit', async () => {
    const far = await h.create('alice', { ...SANDBOX, startsAt: inMs(7 * 24 * HOUR_MS + HOUR_MS) }, 400);
    expect(far.body.error.details).toEqual([
      expect.objectContaining({ field: 'startsAt', rule: 'max-schedule-ahead', message: expect.stringContaining('at most 168h ahead (maxScheduleAhead') }),
    ]);
    const past = await h.create('alice', { ...SANDBOX, startsAt: inMs(-MINUTE_MS) }, 400);
    expect(past.body.error.details).toEqual([expect.objectContaining({ field: 'startsAt', rule: 'future' })]);
    const local = await h.create('alice', { ...SANDBOX, startsAt: '2030-01-01T22:00:00+02:00' }, 400);
    expect(local.body.error.details).toEqual([expect.objectContaining({ field: 'startsAt', rule: 'iso8601-utc' })]);
  });

  it('approved before its start: no credentials until startsAt (409 naming it), ACTIVE at startsAt for startsAt + duration', async () => {
    const startsAt = inMs(3 * HOUR_MS + 10 * MINUTE_MS);
    const { body } = await h.create('alice', { ...SANDBOX, startsAt });
    const id = body.request.id;
    expect(body.request).toMatchObject({ status: 'PENDING', startsAt, expiresAt: null });
    await h.notified(id);

    // The email and the page show the schedule in UTC and relative to now.
    const [mail] = h.mails(id, 'carol@example.com');
    const utc = `${startsAt.slice(0, 16).replace('T', ' ')} UTC (in 3 h 10 min)`;
    expect(mail!.message).toContain(`Starts:    ${utc}`);
    const link = linkIn(mail!.message);
    const page = await t.call('GET', pathOf(link));
    expect(page.text).toContain(`<dt>Starts</dt><dd>${utc}</dd>`);

    expect((await h.decide(link, 'approve')).status).toBe(200);
    expect((await h.get(id)).status).toBe('APPROVED');
    const early = await h.credentials(id);
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'NOT_STARTED', message: expect.stringContaining(`scheduled to start at ${startsAt}`) });

    // The workflow waits until startsAt, then issues.
    await time.sleeping((ms) => ms > 3 * HOUR_MS);
    await time.advance(3 * HOUR_MS + 10 * MINUTE_MS - MINUTE_MS);
    expect((await h.get(id)).status).toBe('APPROVED');
    await time.advance(MINUTE_MS);
    const active = await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    expect(active.startsAt).toBe(startsAt);
    expect(Date.parse(active.expiresAt) - Date.parse(startsAt)).toBe(15 * MINUTE_MS);
    expect((await h.credentials(id)).status).toBe(200);
  });

  it('a scheduled grant can be cancelled until it is ACTIVE; nothing is issued at its start', async () => {
    const startsAt = inMs(2 * HOUR_MS);
    const { body } = await h.create('alice', { ...SANDBOX, startsAt });
    const id = body.request.id;
    await h.notified(id);
    await h.decide(linkIn(h.mails(id, 'carol@example.com')[0]!.message), 'approve');
    const cancelled = await t.call('POST', `/requests/${id}/cancel`, { as: 'alice', json: { reason: 'The change window moved to next week' } });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.request.status).toBe('CANCELLED');

    await time.advance(2 * HOUR_MS);
    const done = await t.broker.workflow.whenSettled(body.request.executionArn);
    expect(done.statesEntered.slice(-2)).toEqual(['Issue credentials', 'Request already closed']);
    expect((await h.get(id)).status).toBe('CANCELLED');
    expect(types(await h.get(id))).not.toContain('issued');
  });
});

describe('break-glass', () => {
  let t: TestBroker;
  let olivia: { token: string };
  const time = movableClock();
  const h = helpers(() => t);
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
    olivia = { token: await t.broker.token(OLIVIA) };
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('refuses a target without break-glass (403) and a break-glass request without a ticket (400)', async () => {
    const refused = await h.create('alice', { ...PROD, breakGlass: true }, 403);
    expect(refused.body.error.code).toBe('BREAK_GLASS_NOT_ALLOWED');
    const { ticket: _ticket, ...noTicket } = GLASS;
    const missing = await h.create(olivia, { ...noTicket, breakGlass: true }, 400);
    expect(missing.body.error.details).toEqual([expect.objectContaining({ field: 'ticket', rule: 'required' })]);
    const tooLong = await h.create(olivia, { ...GLASS, duration: '2h', breakGlass: true }, 400);
    expect(tooLong.body.error.details).toEqual([expect.objectContaining({ field: 'duration', rule: 'maximum' })]);
  });

  it('a permitted requester is ACTIVE at once: CRITICAL alarm, a notice to every approver, review pending; reviewed by link', async () => {
    const { body } = await h.create(olivia, { ...GLASS, breakGlass: true });
    const request = body.request;
    expect(request).toMatchObject({ status: 'ACTIVE', breakGlass: true, review: { status: 'pending', reviews: [] } });
    expect(Date.parse(request.review.dueAt) - Date.parse(request.startsAt)).toBe(24 * HOUR_MS);

    // The alarm went out before the answer: who, target, reason, ticket, window, with the contract's attributes.
    const [alarm] = h.alarms(request.id);
    expect(alarm!.attributes).toEqual({
      severity: 'CRITICAL',
      classification: 'break-glass-used',
      roleArn: 'arn:aws:iam::222222222222:role/BreakGlassAdmin',
      requestId: request.id,
      source: 'broker',
    });
    expect(alarm!.subject).toBe('[CRITICAL] Break-glass access to prod-breakglass by olivia@example.com');
    const text = JSON.parse(alarm!.message).email as string;
    for (const fact of ['olivia@example.com', 'prod-breakglass', 'INC-9001', '> Production database down, INC-9001', request.id]) expect(text).toContain(fact);
    expect(text).toMatch(/Window \(UTC\):\s+\S+ \S+ UTC to \S+ \S+ UTC/);

    // Every approver is told, with a review link of their own; the credentials work at once.
    await t.waitForRequest(request.id, (r) => types(r).includes('notified'), 'carol');
    const notices = h.mails(request.id);
    expect(notices.map((m) => [m.attributes.approver, m.attributes.kind]).sort()).toEqual([
      ['carol@example.com', 'break-glass-review'],
      ['erin@example.com', 'break-glass-review'],
    ]);
    expect((await h.credentials(request.id, olivia)).status).toBe(200);
    // The workflow has issued (or found the credentials issued) and holds the window.
    await time.sleeping((ms) => ms > 29 * MINUTE_MS && ms <= 30 * MINUTE_MS);
    await t.held(request.id);

    // The review page changes nothing; the POST records the review.
    const carolLink = linkIn(notices.find((m) => m.attributes.approver === 'carol@example.com')!.message);
    const before = await h.get(request.id, 'carol');
    const page = await t.call('GET', pathOf(carolLink));
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<button[^>]*value="acknowledge"[^>]*>Acknowledge<\/button>/);
    expect(page.text).toMatch(/<button[^>]*value="flag"[^>]*>Flag<\/button>/);
    expect(await h.get(request.id, 'carol')).toEqual(before);
    expect((await h.decide(carolLink, 'approve')).status).toBe(400);
    const reviewed = await h.decide(carolLink, 'flag', 'No incident ticket on call');
    expect(reviewed.status, reviewed.text).toBe(200);
    expect(reviewed.body.request.review).toMatchObject({
      status: 'flagged',
      reviews: [{ by: 'carol@example.com', outcome: 'flag', comment: 'No incident ticket on call', at: expect.any(String) }],
    });
    expect((await t.call('GET', pathOf(carolLink))).status).toBe(410);

    // Reviewed in time: no second alarm when the review falls due.
    await time.advance(24 * HOUR_MS);
    await t.broker.workflow.whenSettled(request.executionArn);
    expect(h.alarms(request.id).map((a) => a.attributes.classification)).toEqual(['break-glass-used']);
  });

  it('nobody reviews within reviewWithin: a second CRITICAL alarm, break-glass-unreviewed, once', async () => {
    const { body } = await h.create(olivia, { ...GLASS, duration: '15m', breakGlass: true });
    const id = body.request.id;
    await t.waitForRequest(id, (r) => types(r).includes('notified'), 'carol');
    await time.sleeping((ms) => ms >= 14 * MINUTE_MS && ms <= 15 * MINUTE_MS);
    await time.advance(15 * MINUTE_MS);
    await t.waitForRequest(id, (r) => r.status === 'EXPIRED', 'carol');
    await time.advance(24 * HOUR_MS - 15 * MINUTE_MS - MINUTE_MS);
    expect(h.alarms(id)).toHaveLength(1);
    await time.advance(MINUTE_MS);
    const done = await t.broker.workflow.whenSettled(body.request.executionArn);
    expect(done.statesEntered.slice(-3)).toEqual(['Wait until the review is due', 'Check break-glass review', 'Break-glass review checked']);
    const alarms = h.alarms(id);
    expect(alarms.map((a) => [a.attributes.severity, a.attributes.classification])).toEqual([
      ['CRITICAL', 'break-glass-used'],
      ['CRITICAL', 'break-glass-unreviewed'],
    ]);
    expect(alarms[1]!.subject).toBe('[CRITICAL] Unreviewed break-glass access to prod-breakglass by olivia@example.com');
    const after = await h.get(id, 'carol');
    expect(after.review).toMatchObject({ status: 'pending', escalatedAt: expect.any(String) });
    expect(types(after)).toContain('review-overdue');
  });
});

describe('reminders', () => {
  let t: TestBroker;
  const time = movableClock();
  const h = helpers(() => t);
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });
  /** Waits until `count` approval emails for `id` are in the outbox. */
  const mailCount = async (id: string, count: number) => {
    const deadline = Date.now() + 10_000;
    while (h.mails(id).length < count) {
      if (Date.now() > deadline) throw new Error(`only ${h.mails(id).length} of ${count} emails for ${id}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('reminds the undecided at 25 % and 60 % of the approval timeout, replacing their links, never after their decision', async () => {
    const { body } = await h.create('alice', PROD);
    const id = body.request.id;
    await h.notified(id);
    const first = { carol: linkIn(h.mails(id, 'carol@example.com')[0]!.message), erin: linkIn(h.mails(id, 'erin@example.com')[0]!.message) };

    // 25 %: both are reminded with new links; the old ones stop working (one valid link each).
    await time.advance(APPROVAL_TIMEOUT_MS * 0.25 - MINUTE_MS);
    expect(h.mails(id)).toHaveLength(2);
    await time.advance(MINUTE_MS);
    await mailCount(id, 4);
    const reminded = h.mails(id).slice(2);
    expect(reminded.map((m) => [m.attributes.approver, m.attributes.kind]).sort()).toEqual([
      ['carol@example.com', 'approval-reminder'],
      ['erin@example.com', 'approval-reminder'],
    ]);
    expect(reminded[0]!.subject).toMatch(/^Reminder: Approve AWS access/);
    const gone = await t.call('GET', pathOf(first.carol));
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('replaced by a newer one');
    const carolNew = linkIn(reminded.find((m) => m.attributes.approver === 'carol@example.com')!.message);
    expect((await t.call('GET', pathOf(carolNew))).status).toBe(200);
    expect((await h.decide(carolNew, 'approve')).status).toBe(200);

    // 60 %: only erin, who has not decided, is reminded again.
    await time.advance(APPROVAL_TIMEOUT_MS * 0.35);
    await mailCount(id, 5);
    const second = h.mails(id).slice(4);
    expect(second.map((m) => m.attributes.approver)).toEqual(['erin@example.com']);
    expect((await t.call('GET', pathOf(linkIn(reminded.find((m) => m.attributes.approver === 'erin@example.com')!.message)))).status).toBe(410);
    expect((await t.call('GET', pathOf(first.erin))).status).toBe(410);

    // Never more than two: the wait runs out into TIMED_OUT with no third reminder.
    await time.advance(APPROVAL_TIMEOUT_MS * 0.4);
    await t.waitForRequest(id, (r) => r.status === 'TIMED_OUT');
    expect(h.mails(id)).toHaveLength(5);
  });

  it('sends no reminder once the request is decided', async () => {
    const { body } = await h.create('alice', SANDBOX);
    const id = body.request.id;
    await h.notified(id);
    await h.decide(linkIn(h.mails(id, 'carol@example.com')[0]!.message), 'approve');
    await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    await time.advance(APPROVAL_TIMEOUT_MS);
    expect(h.mails(id)).toHaveLength(2);
    expect(types(await h.get(id))).not.toContain('reminded');
  });
});

describe('extensions', () => {
  let t: TestBroker;
  const time = movableClock();
  const h = helpers(() => t);
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  /** An ACTIVE 15-minute sandbox grant of alice's, holding its window. */
  async function activeGrant(): Promise<{ id: string; executionArn: string; expiresAt: string }> {
    const { body } = await h.create('alice', SANDBOX);
    const id = body.request.id;
    await h.notified(id);
    await h.decide(linkIn(h.mails(id, 'carol@example.com')[0]!.message), 'approve');
    const active = await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    await time.sleeping((ms) => ms >= 14 * MINUTE_MS && ms <= 15 * MINUTE_MS);
    return { id, executionArn: body.request.executionArn, expiresAt: active.expiresAt };
  }
  const extend = (id: string, duration: string, as: Person = 'alice') =>
    t.call('POST', `/requests/${id}/extensions`, { as, json: { duration, reason: 'The migration needs another half hour' } });
  const extensionMails = (id: string) => h.mails(id).filter((m) => m.attributes.kind === 'extension-request');

  it('approved: the window moves, credentials work past the old end, and it expires at the new end', async () => {
    const grant = await activeGrant();
    const asked = await extend(grant.id, '30m');
    expect(asked.status, asked.text).toBe(201);
    const to = new Date(Date.parse(grant.expiresAt) + 30 * MINUTE_MS).toISOString();
    expect(asked.body.extension).toMatchObject({ status: 'PENDING', from: grant.expiresAt, to, durationSeconds: 1800 });
    expect(asked.body.request.expiresAt).toBe(grant.expiresAt);
    expect((await extend(grant.id, '15m')).status).toBe(409);

    const mails = extensionMails(grant.id);
    expect(mails.map((m) => m.attributes.approver).sort()).toEqual(['carol@example.com', 'dave@example.com']);
    expect(mails[0]!.message).toContain(`extend request ${grant.id}, from ${grant.expiresAt} to ${to}`);
    const link = linkIn(mails.find((m) => m.attributes.approver === 'carol@example.com')!.message);
    const page = await t.call('GET', pathOf(link));
    expect(page.text).toContain(`<dt>Extension</dt><dd>of request ${grant.id}, from ${grant.expiresAt} to ${to}</dd>`);
    expect((await h.decide(link, 'approve', 'ok')).status).toBe(200);

    const extended = await h.get(grant.id);
    expect(extended.expiresAt).toBe(to);
    expect(extended.extensions).toEqual([expect.objectContaining({ status: 'APPLIED', approvals: [expect.objectContaining({ by: 'carol@example.com', decision: 'approve' })] })]);
    expect(types(extended)).toEqual(expect.arrayContaining(['extension-requested', 'extension-decided', 'extension-applied']));

    // The hold follows the new end.
    await time.sleeping((ms) => ms > 40 * MINUTE_MS);
    await time.advance(20 * MINUTE_MS);
    expect((await h.get(grant.id)).status).toBe('ACTIVE');
    expect((await h.credentials(grant.id)).status).toBe(200);
    await time.advance(25 * MINUTE_MS);
    await t.waitForRequest(grant.id, (r) => r.status === 'EXPIRED');
  });

  it('denied: the window stays as it was', async () => {
    const grant = await activeGrant();
    expect((await extend(grant.id, '30m')).status).toBe(201);
    const link = linkIn(extensionMails(grant.id).find((m) => m.attributes.approver === 'dave@example.com')!.message);
    expect((await h.decide(link, 'deny', 'Not tonight')).status).toBe(200);
    const after = await h.get(grant.id);
    expect(after.expiresAt).toBe(grant.expiresAt);
    expect(after.extensions).toEqual([expect.objectContaining({ status: 'DENIED' })]);
    await time.advance(15 * MINUTE_MS);
    await t.waitForRequest(grant.id, (r) => r.status === 'EXPIRED');
  });

  it('over the limit: 400 naming maxExtendedDuration; not the requester: 404; not ACTIVE: 409', async () => {
    const grant = await activeGrant();
    const over = await extend(grant.id, '8h');
    expect(over.status).toBe(400);
    expect(over.body.error.details).toEqual([
      expect.objectContaining({ field: 'duration', rule: 'max-extended-duration', message: expect.stringContaining('at most 8h in all (maxExtendedDuration)') }),
    ]);
    expect((await extend(grant.id, '30m', 'bob')).status).toBe(404);
    await time.advance(15 * MINUTE_MS);
    await t.waitForRequest(grant.id, (r) => r.status === 'EXPIRED');
    const late = await extend(grant.id, '30m');
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('NOT_ACTIVE');
  });

  it('still pending at expiry: the grant expires on time and the extension ends TIMED_OUT', async () => {
    const grant = await activeGrant();
    expect((await extend(grant.id, '30m')).status).toBe(201);
    await time.advance(15 * MINUTE_MS);
    const ended = await t.waitForRequest(grant.id, (r) => r.status === 'EXPIRED');
    expect(ended.expiresAt).toBe(grant.expiresAt);
    expect(ended.extensions).toEqual([expect.objectContaining({ status: 'TIMED_OUT' })]);
    const link = linkIn(extensionMails(grant.id)[0]!.message);
    expect((await t.call('GET', pathOf(link))).status).toBe(410);
  });
});

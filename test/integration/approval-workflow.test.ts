/**
 * Issue 3 end to end, through the local HTTP server: request -> emailed link -> confirmation
 * page (changes nothing) -> POST decision -> the real ASL in aws-local-stepfunctions carries the
 * request to its end (ACTIVE -> EXPIRED, DENIED, TIMED_OUT, CANCELLED).
 *
 * Time: each broker runs on a movable clock whose timer ends the workflow's pauses (the access
 * window, the approval timeout) only when a test advances it; nothing waits in real time. Each
 * describe starts its own broker (its own ports, given to each function's createHandler) and closes it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApprovalToken, hashApprovalToken } from '../../shared/domain/approval-token';
import { StateName } from '../../shared/workflow/state-machine';
import { startTestBroker, type Person, type TestBroker, movableClock } from '../helpers/broker';

const SANDBOX = { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '15m', reason: 'Investigating INC-4411 latency', ticket: 'INC-4411' };
const PROD = { target: 'prod-readonly', services: ['ec2', 'databases'], duration: '15m', reason: 'Checking replica lag for INC-4412', ticket: 'INC-4412' };

const MINUTE_MS = 60_000;
/** The sandbox's approval timeout. */
const APPROVAL_TIMEOUT_MS = 4 * 3_600_000;
/** The window SANDBOX and PROD ask for. */
const WINDOW_MS = 15 * MINUTE_MS;

/** States of one request that is approved and then runs its window out. */
const APPROVE_TO_EXPIRE_STATES = [
  StateName.REMINDERS_CHOICE,
  StateName.PREPARE_APPROVAL_WAIT_WITH_REMINDERS,
  StateName.WAIT_FOR_DECISION,
  StateName.APPROVED_CHOICE,
  StateName.SCHEDULED_CHOICE,
  StateName.ISSUE_CREDENTIALS,
  StateName.NOTIFY_REQUESTER,
  StateName.MEASURE_WINDOW,
  StateName.WINDOW_OPEN_CHOICE,
  StateName.HOLD_ACCESS,
  StateName.EXPIRE_ACCESS,
  StateName.REVIEW_CHOICE,
  StateName.ACCESS_EXPIRED,
];
/** Step Functions state transitions per approved-then-expired request (no retries): bench reports this. */
const TRANSITIONS_APPROVE_TO_EXPIRE = 13;

const pathOf = (link: string) => new URL(link).pathname;
const tokenOf = (link: string) => pathOf(link).split('/').pop() as string;
const types = (request: { history: { type: string }[] }) => request.history.map((h) => h.type);
const count = (request: { history: { type: string }[] }, type: string) => types(request).filter((t) => t === type).length;

function helpers(getT: () => TestBroker) {
  const create = async (as: Person, body: Record<string, unknown>) => {
    const res = await getT().call('POST', '/requests', { as, json: body });
    expect(res.status, res.text).toBe(201);
    expect(res.body.request.status).toBe('PENDING');
    return res.body.request as { id: string; executionArn: string };
  };
  /** POST the decision as the page's form does (application/x-www-form-urlencoded). */
  const decideByForm = (link: string, decision: 'approve' | 'deny', comment = '') =>
    getT().call('POST', pathOf(link), {
      body: new URLSearchParams({ comment, decision }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  const decideByJson = (link: string, decision: 'approve' | 'deny', comment?: string) =>
    getT().call('POST', pathOf(link), { json: { decision, ...(comment ? { comment } : {}) } });
  /** Waits until notify-approvers has sent every link (it appends `notified` after the last). */
  const notified = (id: string, as: Person = 'alice') =>
    getT().waitForRequest(id, (r) => r.history.some((h: { type: string }) => h.type === 'notified'), as);
  const approvalMails = (id: string) => getT().broker.outbox.messages().filter((m) => m.topic === 'approvals' && m.attributes.requestId === id);
  const requesterMails = (id: string) => getT().broker.outbox.messages().filter((m) => m.topic === 'notifications' && m.attributes.requestId === id);
  const requesterMail = (id: string, event: string) =>
    getT().broker.outbox.waitFor((m) => m.topic === 'notifications' && m.attributes.requestId === id && m.attributes.event === event, 15_000);
  const get = async (id: string, as: Person = 'alice') => {
    const res = await getT().call('GET', `/requests/${id}`, { as });
    expect(res.status).toBe(200);
    return res.body.request;
  };
  return { create, decideByForm, decideByJson, notified, approvalMails, requesterMails, requesterMail, get };
}

describe('approval workflow through the local HTTP server', () => {
  let t: TestBroker;
  const h = helpers(() => t);
  const time = movableClock();
  /** Waits for `id` to be ACTIVE, then lets its 15-minute window pass. */
  const runWindowOut = async (id: string) => {
    await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    await t.held(id);
    await time.advance(WINDOW_MS);
  };
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('request -> one link per voting approver -> GET changes nothing -> form POST approve -> APPROVED -> ACTIVE -> EXPIRED', async () => {
    const created = await h.create('alice', SANDBOX);
    const id = created.id;

    // One email per voting approver, each with its own link, routed by the approver attribute.
    const carolLink = await t.linkFor(id, 'carol@example.com');
    const daveLink = await t.linkFor(id, 'dave@example.com');
    const before = await h.notified(id);
    const mails = h.approvalMails(id);
    expect(mails.map((m) => m.attributes.approver).sort()).toEqual(['carol@example.com', 'dave@example.com']);
    expect(carolLink).not.toBe(daveLink);
    for (const mail of mails) {
      expect(mail.subject.length).toBeLessThan(100);
      expect(mail.message).toContain(id);
      expect(mail.message).toContain('alice@example.com');
      expect(mail.message).toContain('INC-4411');
      // The Step Functions task token never leaves the server.
      expect(mail.message).not.toMatch(/local-[A-Za-z0-9_-]{40,}/);
    }

    // GET: 200 HTML confirmation page with the summary and the security headers.
    const page = await t.call('GET', pathOf(carolLink));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('script-src');
    const nonce = /style-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(page.text).toContain(`<style nonce="${nonce}">`);
    expect(page.text).toContain(id);
    expect(page.text).toContain('alice@example.com');
    expect(page.text).toContain('sandbox-readonly');
    expect(page.text).toContain('111111111111');
    expect(page.text).toContain('Investigating INC-4411 latency');
    expect(page.text).toMatch(/<button[^>]*name="decision"[^>]*value="approve"[^>]*>Approve<\/button>/);
    expect(page.text).toMatch(/<button[^>]*name="decision"[^>]*value="deny"[^>]*>Deny<\/button>/);
    expect(page.text).not.toContain('<script');

    // ...and changed nothing: the request (history included) and the link are as before.
    expect(await h.get(id)).toEqual(before);
    expect((await t.broker.deps.links.get(hashApprovalToken(tokenOf(carolLink))))?.usedAt).toBeUndefined();
    expect((await t.call('GET', pathOf(carolLink))).status).toBe(200);
    expect(await h.get(id)).toEqual(before);

    // POST approve as the form does: the result page, with the request APPROVED at that instant.
    const decided = await h.decideByForm(carolLink, 'approve');
    expect(decided.status).toBe(200);
    expect(decided.headers.get('content-type')).toMatch(/^text\/html/);
    expect(decided.headers.get('cache-control')).toBe('no-store');
    expect(decided.text).toContain('<h1>Approval recorded</h1>');
    expect(decided.text).toContain('You approved this request');
    expect(decided.text).toContain('<dt>Status</dt><dd>APPROVED</dd>');

    const active = await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    expect(active.approvals).toEqual([{ by: 'carol@example.com', decision: 'approve', at: expect.any(String) }]);
    expect(Date.parse(active.expiresAt) - Date.parse(active.startsAt)).toBe(15 * 60 * 1000);

    // The window passes when the clock reaches its end.
    await t.held(id);
    await time.advance(WINDOW_MS - MINUTE_MS);
    expect((await h.get(id)).status).toBe('ACTIVE');
    await time.advance(MINUTE_MS);
    const expired = await t.waitForRequest(id, (r) => r.status === 'EXPIRED' && count(r, 'requester-notified') === 2);
    const after = types(expired).slice(types(expired).indexOf('approved-by'));
    expect(after).toEqual(['approved-by', 'approved', 'issued', 'requester-notified', 'expired', 'requester-notified']);
    expect(types(expired).slice(0, types(expired).indexOf('approved-by')).sort()).toEqual(['notified', 'submitted', 'workflow-started']);
    expect(expired.history.find((e: { type: string }) => e.type === 'approved-by').by).toBe('carol@example.com');
    expect(expired.history.filter((e: { type: string }) => e.type === 'requester-notified').map((e: { detail: string }) => e.detail)).toEqual([
      'granted',
      'expired',
    ]);

    // The requester was told twice, on the notifications topic, routed by the requester attribute.
    const told = h.requesterMails(id);
    expect(told.map((m) => m.attributes.event)).toEqual(['granted', 'expired']);
    for (const m of told) expect(m.attributes.requester).toBe('alice@example.com');
    expect(told[0]!.message).toContain(`/requests/${id}/credentials`);

    // The execution: exactly these states, once each, and a fixed number of transitions.
    const execution = await t.broker.workflow.whenSettled(expired.executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual(APPROVE_TO_EXPIRE_STATES);
    expect(execution.retries).toBe(0);
    expect(execution.stateTransitions).toBe(TRANSITIONS_APPROVE_TO_EXPIRE);

    // Afterwards the links are dead: carol's was used (410), dave's request is decided (409).
    expect((await t.call('POST', pathOf(carolLink), { json: { decision: 'approve' } })).status).toBe(410);
    const daveLate = await h.decideByJson(daveLink, 'approve');
    expect(daveLate.status).toBe(409);
    expect(daveLate.body.error.code).toBe('ALREADY_DECIDED');
    expect((await t.call('GET', pathOf(daveLink))).status).toBe(409);
  });

  it('a request by carol (an approver of the sandbox) sends a link to dave only', async () => {
    const { id } = await h.create('carol', SANDBOX);
    await t.linkFor(id, 'dave@example.com');
    const request = await h.notified(id, 'carol');
    expect(h.approvalMails(id).map((m) => m.attributes.approver)).toEqual(['dave@example.com']);
    expect(request.history.find((e: { type: string }) => e.type === 'notified').detail).toContain('dave@example.com');
    expect(request.history.find((e: { type: string }) => e.type === 'notified').detail).not.toContain('carol@example.com');
    // Cancel it so it does not wait out the timeout in the background.
    expect((await t.call('POST', `/requests/${id}/cancel`, { as: 'carol', json: {} })).status).toBe(200);
  });

  it('deny: DENIED, nothing issued, requester told; the other link is then refused', async () => {
    const { id } = await h.create('alice', SANDBOX);
    const carolLink = await t.linkFor(id, 'carol@example.com');
    const daveLink = await t.linkFor(id, 'dave@example.com');
    await h.notified(id);

    const res = await h.decideByForm(carolLink, 'deny', 'Use the runbook dashboard instead');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Request denied</h1>');
    expect(res.text).toContain('<dt>Status</dt><dd>DENIED</dd>');

    const mail = await h.requesterMail(id, 'denied');
    expect(mail.attributes.requester).toBe('alice@example.com');
    expect(mail.message).toContain('Use the runbook dashboard instead');
    const denied = await t.waitForRequest(id, (r) => r.status === 'DENIED' && r.history.some((e: { type: string }) => e.type === 'requester-notified'));
    expect(denied.approvals).toEqual([{ by: 'carol@example.com', decision: 'deny', at: expect.any(String), comment: 'Use the runbook dashboard instead' }]);
    expect(count(denied, 'denied-by')).toBe(1);
    expect(count(denied, 'issued')).toBe(0);
    expect(denied.startsAt).toBeNull();

    const execution = await t.broker.workflow.whenSettled(denied.executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered).toEqual([
      StateName.REMINDERS_CHOICE,
      StateName.PREPARE_APPROVAL_WAIT_WITH_REMINDERS,
      StateName.WAIT_FOR_DECISION,
      StateName.APPROVED_CHOICE,
      StateName.RECORD_DENIAL,
      StateName.REQUEST_DENIED,
    ]);
    expect(h.requesterMails(id).map((m) => m.attributes.event)).toEqual(['denied']);

    const late = await h.decideByForm(daveLink, 'approve');
    expect(late.status).toBe(409);
    expect(late.text).toContain('already DENIED');
    expect((await h.get(id)).status).toBe('DENIED');
  });

  it('cancel while pending: CANCELLED, the execution ends in "Cancelled", the links answer 409', async () => {
    const { id, executionArn } = await h.create('alice', SANDBOX);
    const carolLink = await t.linkFor(id, 'carol@example.com');
    const daveLink = await t.linkFor(id, 'dave@example.com');
    await h.notified(id);

    const res = await t.call('POST', `/requests/${id}/cancel`, { as: 'alice', json: { reason: 'Fixed it without access' } });
    expect(res.status).toBe(200);
    expect(res.body.request.status).toBe('CANCELLED');

    const execution = await t.broker.workflow.whenSettled(executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.statesEntered.at(-1)).toBe(StateName.CANCELLED);
    expect(execution.statesEntered).not.toContain(StateName.ISSUE_CREDENTIALS);

    // Links died with the status: 409 (the request is closed), for GET and for POST, HTML or JSON.
    for (const link of [carolLink, daveLink]) {
      const page = await t.call('GET', pathOf(link));
      expect(page.status).toBe(409);
      expect(page.text).toContain('already CANCELLED');
      expect(page.text).not.toContain('value="approve"');
      const form = await h.decideByForm(link, 'approve');
      expect(form.status).toBe(409);
      const json = await h.decideByJson(link, 'approve');
      expect(json.status).toBe(409);
      expect(json.body.error.code).toBe('ALREADY_DECIDED');
    }
    const after = await h.get(id);
    expect(after.status).toBe('CANCELLED');
    expect(after.approvals).toEqual([]);
    expect(count(after, 'cancelled')).toBe(1);
    // A second cancel is refused: the request is no longer PENDING/APPROVED.
    const again = await t.call('POST', `/requests/${id}/cancel`, { as: 'alice', json: {} });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('NOT_CANCELLABLE');
  });

  it('self-approval: a link bound to the requester is refused with 403 and changes nothing', async () => {
    const { id } = await h.create('alice', SANDBOX);
    await h.notified(id);
    const now = new Date();
    const forge = async (approver: string) => {
      const token = newApprovalToken();
      await t.broker.deps.links.put({
        tokenHash: hashApprovalToken(token),
        requestId: id,
        approver,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      });
      return `${t.broker.baseUrl}/approvals/${token}`;
    };
    const own = await forge('alice@example.com');
    const form = await h.decideByForm(own, 'approve');
    expect(form.status).toBe(403);
    expect(form.text).toContain('You cannot decide on your own request');
    // Emails compare case-insensitively.
    const shouting = await forge('ALICE@Example.COM');
    const json = await h.decideByJson(shouting, 'approve');
    expect(json.status).toBe(403);
    expect(json.body.error.code).toBe('SELF_APPROVAL');

    const request = await h.get(id);
    expect(request.status).toBe('PENDING');
    expect(request.approvals).toEqual([]);
    expect(count(request, 'approved-by')).toBe(0);
    // The refused links were not consumed either.
    expect((await t.broker.deps.links.get(hashApprovalToken(tokenOf(own))))?.usedAt).toBeUndefined();
    expect((await t.call('POST', `/requests/${id}/cancel`, { as: 'alice', json: {} })).status).toBe(200);
  });

  it('replayed link: the second POST is 410 (form and JSON), and a GET of a used link too', async () => {
    const { id } = await h.create('alice', SANDBOX);
    const link = await t.linkFor(id, 'carol@example.com');
    await h.notified(id);
    expect((await h.decideByForm(link, 'approve')).status).toBe(200);

    const replay = await h.decideByForm(link, 'approve');
    expect(replay.status).toBe(410);
    expect(replay.text).toContain('<h1>Link no longer valid</h1>');
    const replayJson = await h.decideByJson(link, 'deny');
    expect(replayJson.status).toBe(410);
    expect(replayJson.body.error.code).toBe('LINK_USED');
    expect((await t.call('GET', pathOf(link))).status).toBe(410);

    await runWindowOut(id);
    const expired = await t.waitForRequest(id, (r) => r.status === 'EXPIRED');
    expect(expired.approvals).toHaveLength(1);
    expect(count(expired, 'approved-by')).toBe(1);
  });

  it('forged or unknown tokens: 404 for a well-formed random token and for malformed ones', async () => {
    const wellFormed = newApprovalToken();
    const malformed = ['not-a-token', `${newApprovalToken()}x`, newApprovalToken().slice(1), 'A'.repeat(200), 'abc.def', `${newApprovalToken().slice(0, 42)}=`];
    for (const token of [wellFormed, ...malformed]) {
      const page = await t.call('GET', `/approvals/${token}`);
      expect(page.status, token).toBe(404);
      expect(page.text).toContain('<h1>Link not found</h1>');
      expect(page.headers.get('cache-control')).toBe('no-store');
      const json = await t.call('POST', `/approvals/${token}`, { json: { decision: 'approve' } });
      expect(json.status, token).toBe(404);
      expect(json.body.error.code).toBe('LINK_UNKNOWN');
      expect((await h.decideByForm(`${t.broker.baseUrl}/approvals/${token}`, 'approve')).status).toBe(404);
    }
  });

  it('two-of-two quorum on prod-readonly: the first approval keeps it PENDING (1 of 2), the second approves', async () => {
    const { id } = await h.create('alice', PROD);
    const carolLink = await t.linkFor(id, 'carol@example.com');
    const erinLink = await t.linkFor(id, 'erin@example.com');
    await h.notified(id);
    expect(h.approvalMails(id).map((m) => m.attributes.approver).sort()).toEqual(['carol@example.com', 'erin@example.com']);

    const first = await h.decideByForm(carolLink, 'approve', 'Looks fine');
    expect(first.status).toBe(200);
    expect(first.text).toContain('Your approval is recorded (1 of 2); waiting for the other approvers.');
    const pending = await h.get(id);
    expect(pending.status).toBe('PENDING');
    expect(pending.approvals).toEqual([{ by: 'carol@example.com', decision: 'approve', at: expect.any(String), comment: 'Looks fine' }]);
    expect(count(pending, 'approved')).toBe(0);
    // Erin's confirmation page now shows one of two approvals.
    const erinPage = await t.call('GET', pathOf(erinLink));
    expect(erinPage.status).toBe(200);
    expect(erinPage.text).toContain('<dt>Approvals</dt><dd>1 of 2</dd>');

    const second = await h.decideByJson(erinLink, 'approve');
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ decided: true, timedOut: false, request: { id, status: 'APPROVED' } });

    await runWindowOut(id);
    const expired = await t.waitForRequest(id, (r) => r.status === 'EXPIRED');
    expect(expired.approvals.map((a: { by: string }) => a.by)).toEqual(['carol@example.com', 'erin@example.com']);
    expect(count(expired, 'approved-by')).toBe(2);
    expect(count(expired, 'approved')).toBe(1);
    expect(expired.history.find((e: { type: string }) => e.type === 'approved').detail).toBe('2 of 2 approvals');
    expect(count(expired, 'issued')).toBe(1);
  });

  it('a denial after one approval on prod-readonly: DENIED, requester told', async () => {
    const { id } = await h.create('alice', PROD);
    const carolLink = await t.linkFor(id, 'carol@example.com');
    const erinLink = await t.linkFor(id, 'erin@example.com');
    await h.notified(id);
    expect((await h.decideByJson(carolLink, 'approve')).body).toMatchObject({ decided: false, request: { status: 'PENDING' } });

    const no = await h.decideByJson(erinLink, 'deny', 'Not during the freeze');
    expect(no.status).toBe(200);
    expect(no.body).toMatchObject({ decided: true, timedOut: false, request: { status: 'DENIED' } });

    const mail = await h.requesterMail(id, 'denied');
    expect(mail.attributes.requester).toBe('alice@example.com');
    const denied = await h.get(id);
    expect(denied.status).toBe('DENIED');
    expect(denied.approvals.map((a: { by: string; decision: string }) => `${a.by}:${a.decision}`)).toEqual([
      'carol@example.com:approve',
      'erin@example.com:deny',
    ]);
    const execution = await t.broker.workflow.whenSettled(denied.executionArn);
    expect(execution.statesEntered.at(-1)).toBe(StateName.REQUEST_DENIED);
    expect(execution.statesEntered).not.toContain(StateName.ISSUE_CREDENTIALS);
  });

  it('two concurrent approvals by carol and dave: exactly one decision (repeated)', async () => {
    const raced: { id: string; executionArn: string }[] = [];
    for (let round = 0; round < 5; round++) {
      const created = await h.create('alice', SANDBOX);
      const carolLink = await t.linkFor(created.id, 'carol@example.com');
      const daveLink = await t.linkFor(created.id, 'dave@example.com');
      await h.notified(created.id);

      const results = await Promise.all([h.decideByJson(carolLink, 'approve'), h.decideByJson(daveLink, 'approve')]);
      expect(results.map((r) => r.status).sort(), results.map((r) => r.text).join('\n')).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.code).toBe('ALREADY_DECIDED');
      expect(results.find((r) => r.status === 200)!.body).toMatchObject({ decided: true, request: { status: 'APPROVED' } });
      raced.push(created);
    }
    // Every raced request then runs exactly one approved path: one issue, one grant, one expiry.
    for (const { id } of raced) await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    for (const { id } of raced) await t.held(id);
    await time.advance(WINDOW_MS);
    await Promise.all(
      raced.map(async ({ id, executionArn }) => {
        const execution = await t.broker.workflow.whenSettled(executionArn);
        expect(execution.statesEntered).toEqual(APPROVE_TO_EXPIRE_STATES);
        const expired = await t.waitForRequest(id, (r) => r.status === 'EXPIRED' && count(r, 'requester-notified') === 2);
        expect(expired.approvals).toHaveLength(1);
        expect(count(expired, 'approved-by')).toBe(1);
        expect(count(expired, 'approved')).toBe(1);
        expect(count(expired, 'issued')).toBe(1);
        expect(h.requesterMails(id).map((m) => m.attributes.event)).toEqual(['granted', 'expired']);
      }),
    );
  });

  it('JSON POST: approve with a comment answers JSON with the request view', async () => {
    const { id } = await h.create('alice', SANDBOX);
    const link = await t.linkFor(id, 'dave@example.com');
    await h.notified(id);
    const res = await h.decideByJson(link, 'approve', '  ok for one hour  ');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.decided).toBe(true);
    expect(res.body.timedOut).toBe(false);
    expect(res.body.request.status).toBe('APPROVED');
    expect(res.body.request.approvals).toEqual([{ by: 'dave@example.com', decision: 'approve', at: expect.any(String), comment: 'ok for one hour' }]);
    expect(res.body.request).not.toHaveProperty('version');
    // Bad bodies are 400 naming the field, and consume nothing.
    await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    const bad = await t.call('POST', pathOf(await t.linkFor(id, 'carol@example.com')), { json: { decision: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('decision');
    await t.held(id);
    await time.advance(WINDOW_MS);
    await t.waitForRequest(id, (r) => r.status === 'EXPIRED');
  });
});

describe('approval timeouts (the 4 h wait passed on the movable clock)', () => {
  let t: TestBroker;
  const h = helpers(() => t);
  const time = movableClock();
  beforeAll(async () => {
    // Reminders off: one wait of the whole approval timeout (reminders have their own tests, lifecycle.test.ts).
    const dir = mkdtempSync(join(tmpdir(), 'broker-no-reminders-'));
    const catalogueFile = join(dir, 'catalogue.yaml');
    writeFileSync(catalogueFile, readFileSync('config/catalogue.example.yaml', 'utf8').replace('reminders: true', 'reminders: false'));
    t = await startTestBroker({ clock: time.clock, timer: time.timer, catalogueFile });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('no decision: TIMED_OUT, requester told; a late click answers 409 "already TIMED_OUT", never 500', async () => {
    const { id, executionArn } = await h.create('alice', SANDBOX);
    const carolLink = await t.linkFor(id, 'carol@example.com');
    await h.notified(id);
    await time.advance(APPROVAL_TIMEOUT_MS - MINUTE_MS);
    expect((await h.get(id)).status).toBe('PENDING');
    await time.advance(MINUTE_MS);

    const mail = await h.requesterMail(id, 'timed-out');
    expect(mail.attributes.requester).toBe('alice@example.com');
    const execution = await t.broker.workflow.whenSettled(executionArn);
    expect(execution.statesEntered).toEqual([
      StateName.REMINDERS_CHOICE,
      StateName.PREPARE_APPROVAL_WAIT,
      StateName.WAIT_FOR_DECISION,
      StateName.REMIND_CHOICE,
      StateName.RECORD_TIMEOUT,
      StateName.APPROVAL_TIMED_OUT,
    ]);
    const timedOut = await h.get(id);
    expect(timedOut.status).toBe('TIMED_OUT');
    expect(count(timedOut, 'timed-out')).toBe(1);
    expect(h.requesterMails(id).map((m) => m.attributes.event)).toEqual(['timed-out']);

    // A click in the link's last minute: the workflow's timeout starts before notify-approvers
    // writes the links, so in AWS a link outlives the wait by a moment.
    time.offsetMs -= MINUTE_MS;
    const late = await h.decideByForm(carolLink, 'approve');
    expect(late.status).toBe(409);
    expect(late.text).toContain('already TIMED_OUT');
    const lateJson = await h.decideByJson(carolLink, 'approve');
    expect(lateJson.status).toBe(409);
    expect(lateJson.body.error.code).toBe('ALREADY_DECIDED');
    expect((await h.get(id)).status).toBe('TIMED_OUT');
    time.offsetMs += MINUTE_MS;
  });

  it('a vote whose SendTaskSuccess reaches Step Functions after the wait timed out: 200 page "Request timed out", not 500', async () => {
    const { id, executionArn } = await h.create('alice', SANDBOX);
    const carolLink = await t.linkFor(id, 'carol@example.com');
    await h.notified(id);

    // Hold SendTaskSuccess until the wait has timed out and the execution ended, as a slow
    // network would; the real call then fails with TaskTimedOut.
    const workflow = t.broker.deps.workflow;
    const original = workflow.sendDecision;
    let held = 0;
    let reached!: () => void;
    const atSendDecision = new Promise<void>((resolve) => (reached = resolve));
    workflow.sendDecision = async (token, output) => {
      held += 1;
      reached();
      await t.broker.workflow.whenSettled(executionArn);
      return original.call(workflow, token, output);
    };
    try {
      const decided = h.decideByForm(carolLink, 'approve');
      await atSendDecision;
      await time.advance(APPROVAL_TIMEOUT_MS);
      const res = await decided;
      expect(held).toBe(1);
      expect(res.status).toBe(200);
      expect(res.text).toContain('<h1>Request timed out</h1>');
      expect(res.text).toContain('The approval window had already closed');
      expect(res.text).toContain('<dt>Status</dt><dd>TIMED_OUT</dd>');
    } finally {
      workflow.sendDecision = original;
    }
    const request = await h.get(id);
    expect(request.status).toBe('TIMED_OUT');
    expect(count(request, 'issued')).toBe(0);
    const execution = await t.broker.workflow.describe(executionArn)!;
    expect(execution.statesEntered.at(-1)).toBe(StateName.APPROVAL_TIMED_OUT);
    expect(execution.statesEntered).not.toContain(StateName.ISSUE_CREDENTIALS);
  });
});

describe('expired approval links', () => {
  let t: TestBroker;
  const h = helpers(() => t);
  const time = movableClock();
  beforeAll(async () => {
    // The clock jumps (offsetMs) without advancing the timer, so the approval timeout never fires here.
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('a link past its expiry (the approval timeout) answers 410 to GET and POST and decides nothing', async () => {
    const { id } = await h.create('alice', SANDBOX);
    const link = await t.linkFor(id, 'carol@example.com');
    await h.notified(id);
    expect((await t.call('GET', pathOf(link))).status).toBe(200);

    time.offsetMs = 4 * 3_600_000 + 1_000;
    const page = await t.call('GET', pathOf(link));
    expect(page.status).toBe(410);
    expect(page.text).toContain('This link expired at');
    const post = await h.decideByJson(link, 'approve');
    expect(post.status).toBe(410);
    expect(post.body.error.code).toBe('LINK_EXPIRED');
    expect((await h.decideByForm(link, 'approve')).status).toBe(410);

    const request = await h.get(id);
    expect(request.status).toBe('PENDING');
    expect(request.approvals).toEqual([]);
    time.offsetMs = 0;
    expect((await t.call('POST', `/requests/${id}/cancel`, { as: 'alice', json: {} })).status).toBe(200);
  });
});

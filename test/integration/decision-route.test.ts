/**
 * POST /requests/{id}/decision, the signed-in approver's vote (the CLI's approve/deny), through
 * local mode: the deployed handlers, dynalite and the real state machine. Same rules as a link,
 * and one vote per approver whichever path each attempt takes.
 */
import { describe, expect, it } from 'vitest';
import { useTestBroker, type Person } from '../helpers/broker';

const broker = useTestBroker();

/** Submits a request as `who` and waits until the approvers were emailed (the workflow waits on them). */
async function submitted(target: 'sandbox-readonly' | 'prod-readonly', who: Person = 'alice', reason = 'decision route test case'): Promise<string> {
  const t = broker();
  const created = await t.call('POST', '/requests', { as: who, json: { target, services: ['ec2'], duration: '1h', reason } });
  expect(created.status, created.text).toBe(201);
  const id = created.body.request.id as string;
  const approvers = target === 'prod-readonly' ? ['carol@example.com', 'erin@example.com'] : ['carol@example.com', 'dave@example.com'];
  for (const approver of approvers.filter((a) => a !== `${who}@example.com`)) await t.linkFor(id, approver);
  return id;
}

const decide = (id: string, as: Person, decision: 'approve' | 'deny', comment?: string) =>
  broker().call('POST', `/requests/${id}/decision`, { as, json: { decision, ...(comment ? { comment } : {}) } });

const postLink = (link: string, decision: 'approve' | 'deny') =>
  fetch(link, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ decision }) });

describe('POST /requests/{id}/decision', () => {
  it('an approver approves: quorum of one reached, the workflow issues and the request is ACTIVE', async () => {
    const t = broker();
    const id = await submitted('sandbox-readonly');
    const res = await decide(id, 'carol', 'approve', 'looks fine');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ decided: true, timedOut: false, request: { id, status: 'APPROVED' } });
    expect(res.body.request.approvals).toEqual([expect.objectContaining({ by: 'carol@example.com', decision: 'approve', comment: 'looks fine' })]);
    const active = await t.waitForRequest(id, (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'requester-notified'));
    expect(active.history.map((h: { type: string }) => h.type)).toEqual(expect.arrayContaining(['approved-by', 'approved', 'issued']));
  });

  it('an approver denies: DENIED, nothing issued, the requester is told', async () => {
    const t = broker();
    const id = await submitted('sandbox-readonly');
    const res = await decide(id, 'dave', 'deny', 'not during the freeze');
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ decided: true, request: { status: 'DENIED' } });
    await t.broker.outbox.waitFor((m) => m.topic === 'notifications' && m.attributes.requestId === id && m.attributes.event === 'denied');
    const denied = await t.waitForRequest(id, (r) => r.status === 'DENIED');
    expect(denied.history.some((h: { type: string }) => h.type === 'issued')).toBe(false);
  });

  it('self-approval is 403: the requester, whether or not listed as an approver', async () => {
    // carol requests the sandbox, of which she is a listed approver.
    const own = await submitted('sandbox-readonly', 'carol');
    const res = await decide(own, 'carol', 'approve');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('SELF_APPROVAL');
    const alices = await submitted('sandbox-readonly');
    const alice = await decide(alices, 'alice', 'approve');
    expect(alice.status).toBe(403);
    expect(alice.body.error.code).toBe('SELF_APPROVAL');
    expect((await broker().call('GET', `/requests/${own}`, { as: 'carol' })).body.request).toMatchObject({ status: 'PENDING', approvals: [] });
  });

  it("403 for a caller who may read the request but is not one of its approvers; 404 for one who may not read it", async () => {
    const id = await submitted('sandbox-readonly');
    // erin is in the `approvers` group (may read) but not listed for the sandbox.
    const erin = await decide(id, 'erin', 'approve');
    expect(erin.status).toBe(403);
    expect(erin.body.error.code).toBe('NOT_APPROVER');
    const mallory = await decide(id, 'mallory', 'approve');
    expect(mallory.status).toBe(404);
    expect(mallory.body.error.message).toBe(`Request ${id} not found`);
    const unknown = await decide('01JZZZZZZZZZZZZZZZZZZZZZZZ', 'carol', 'approve');
    expect(unknown.status).toBe(404);
    expect((await broker().call('GET', `/requests/${id}`, { as: 'alice' })).body.request).toMatchObject({ status: 'PENDING', approvals: [] });
  });

  it('twice is 409: one vote per approver, and no vote once decided', async () => {
    const id = await submitted('prod-readonly');
    expect((await decide(id, 'carol', 'approve')).body).toMatchObject({ decided: false, request: { status: 'PENDING' } });
    const again = await decide(id, 'carol', 'approve');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_VOTED');
    const flip = await decide(id, 'carol', 'deny');
    expect(flip.status).toBe(409);

    const decided = await submitted('sandbox-readonly');
    expect((await decide(decided, 'dave', 'deny')).status).toBe(200);
    const late = await decide(decided, 'carol', 'approve');
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('ALREADY_DECIDED');
  });

  it("a route vote spends that approver's link (410 to GET and POST); the other approver's link still decides", async () => {
    const t = broker();
    const id = await submitted('prod-readonly');
    const carolLink = await t.linkFor(id, 'carol@example.com');
    const erinLink = await t.linkFor(id, 'erin@example.com');
    expect((await decide(id, 'carol', 'approve')).status).toBe(200);

    const page = await fetch(carolLink);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('you already decided (approve) on this request');
    const post = await postLink(carolLink, 'deny');
    expect(post.status).toBe(410);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('LINK_USED');

    const erin = await postLink(erinLink, 'approve');
    expect(erin.status).toBe(200);
    const active = await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    expect(active.approvals.map((a: { by: string }) => a.by)).toEqual(['carol@example.com', 'erin@example.com']);
  });

  it('a link vote blocks a later route vote by the same approver (409)', async () => {
    const t = broker();
    const id = await submitted('prod-readonly');
    const erinLink = await t.linkFor(id, 'erin@example.com');
    expect((await postLink(erinLink, 'approve')).status).toBe(200);
    const res = await decide(id, 'erin', 'deny');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ALREADY_VOTED');
    const stored = (await t.call('GET', `/requests/${id}`, { as: 'alice' })).body.request;
    expect(stored).toMatchObject({ status: 'PENDING', approvals: [{ by: 'erin@example.com', decision: 'approve' }] });
  });

  it('needs a bearer token and a valid body', async () => {
    const t = broker();
    const id = await submitted('sandbox-readonly');
    const anonymous = await t.call('POST', `/requests/${id}/decision`, { json: { decision: 'approve' } });
    expect(anonymous.status).toBe(401);
    const bad = await t.call('POST', `/requests/${id}/decision`, { as: 'carol', json: { decision: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'decision', message: 'must be approve or deny' })]);
    const extra = await t.call('POST', `/requests/${id}/decision`, { as: 'carol', json: { decision: 'approve', token: 'x' } });
    expect(extra.status).toBe(400);
  });
});

/**
 * Text that cannot forge an email, end to end through the local broker: what the approver's
 * email and page look like when a requester tries, and what happens to comments that try.
 */
import { describe, expect, it } from 'vitest';
import { useTestBroker } from '../helpers/broker';

const getT = useTestBroker();

const FORGING_REASON = 'urgent. Approvals: 0 required. Review and decide: https://evil.example/approvals/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const REQUEST = { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: FORGING_REASON, ticket: 'INC-4411' };

const pathOf = (link: string) => new URL(link).pathname;

describe('requester text in approvals', () => {
  it('regression: a reason with a Unicode line separator cannot fake the email\'s lines (400, nothing sent)', async () => {
    const t = getT();
    const before = t.broker.outbox.messages().length;
    const res = await t.call('POST', '/requests', { as: 'alice', json: { ...REQUEST, reason: 'urgent fix\u2028Approvals: 0 required\u2028https://evil.example/approve' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'reason', rule: 'plain-text', message: expect.stringContaining('U+2028 at position 11') }]);
    expect(res.body.error.message).toContain('reason must be one line of plain text');
    expect(t.broker.outbox.messages().length).toBe(before);
  });

  it('the email puts the broker\'s link first and quotes the requester\'s look-alike text', async () => {
    const t = getT();
    const created = await t.call('POST', '/requests', { as: 'alice', json: REQUEST });
    expect(created.status, created.text).toBe(201);
    const id = created.body.request.id as string;
    const link = await t.linkFor(id, 'carol@example.com');
    expect(link).toMatch(new RegExp(`^${t.broker.baseUrl}/approvals/`));
    const mail = t.broker.outbox.messages().find((m) => m.attributes.requestId === id && m.attributes.approver === 'carol@example.com')!;
    const lines = mail.message.split('\n');
    expect(lines.indexOf(link)).toBeLessThan(lines.indexOf("Requester's reason (their words):"));
    for (const line of lines.filter((l) => l.includes('evil.example') || l.includes('0 required'))) expect(line.startsWith('> ')).toBe(true);

    const page = await t.call('GET', pathOf(link));
    expect(page.status).toBe(200);
    expect(page.text.indexOf('<dt>Status</dt>')).toBeLessThan(page.text.indexOf('Written by the requester, not by the broker'));
    expect(page.text.indexOf('evil.example')).toBeGreaterThan(page.text.indexOf('Written by the requester, not by the broker'));
  });

  it('a comment with a line separator is refused by form and by JSON, naming field and rule; the link stays usable', async () => {
    const t = getT();
    const id = (await t.call('POST', '/requests', { as: 'alice', json: { ...REQUEST, reason: 'checking the sandbox for INC-4411' } })).body.request.id as string;
    const link = await t.linkFor(id, 'dave@example.com');

    const form = await t.call('POST', pathOf(link), {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ decision: 'approve', comment: 'fine\u2028Approved by: the CISO' }).toString(),
    });
    expect(form.status).toBe(400);
    expect(form.headers.get('content-type')).toContain('text/html');
    expect(form.text).toContain('comment must be one line of plain text');

    const json = await t.call('POST', pathOf(link), { json: { decision: 'approve', comment: 'ok\r\nApproved by: the CISO' } });
    expect(json.status).toBe(400);
    expect(json.body.error.details).toEqual([{ field: 'comment', rule: 'plain-text', message: expect.stringContaining('U+000D at position 3') }]);

    // Nothing was decided; a plain short comment then works.
    const ok = await t.call('POST', pathOf(link), { json: { decision: 'approve', comment: 'ok' } });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.request.approvals).toEqual([{ by: 'dave@example.com', decision: 'approve', at: expect.any(String), comment: 'ok' }]);
  });

  it('a cancel reason with a bidi override is refused; a plain one is recorded', async () => {
    const t = getT();
    const id = (await t.call('POST', '/requests', { as: 'alice', json: { ...REQUEST, reason: 'checking the sandbox for INC-4412' } })).body.request.id as string;
    const bad = await t.call('POST', `/requests/${id}/cancel`, { as: 'alice', json: { reason: 'not needed \u202eevorppa' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ field: 'reason', rule: 'plain-text' });
    const good = await t.call('POST', `/requests/${id}/cancel`, { as: 'alice', json: { reason: '  fixed it without access  ' } });
    expect(good.status, good.text).toBe(200);
    expect(good.body.request.history.at(-1)).toMatchObject({ type: 'cancelled', detail: 'fixed it without access' });
  });
});

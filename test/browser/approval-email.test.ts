/**
 * The approval mail's HTML part, as local mode's outbox holds it (what SES would send), opened
 * in Chromium as a mail client would render it: it renders, the link is visible written out in
 * full, nothing is loaded from anywhere (no remote images, styles, fonts: opening the mail tells
 * nobody it was read), and it has no script, even when the requester wrote markup in the reason.
 */
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, sharedChromium } from '../helpers/chromium';
import { startTestBroker, type TestBroker } from '../helpers/broker';

// The project's tsconfig has no DOM lib; these are only used inside page.evaluate callbacks.
declare const document: {
  scripts: { length: number };
  querySelectorAll(selector: string): ArrayLike<{ attributes: ArrayLike<{ name: string }>; getAttribute(name: string): string | null }>;
  body: { innerText: string };
};

/** Markup a requester may type (the text rules refuse control characters, not angle brackets). */
const REASON = 'INC-4411 <img src="https://tracker.example/pixel.png"> <script>alert(1)</script> restart "payments" & check';

describe('approval mail HTML in Chromium', () => {
  let t: TestBroker;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestBroker(), sharedChromium()]);
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  it('renders, shows the link in full, loads nothing and runs nothing', async () => {
    const created = await t.call('POST', '/requests', {
      as: 'alice',
      json: { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '2h', reason: REASON, ticket: 'INC-4411' },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.request.id as string;
    const link = await t.linkFor(id, 'carol@example.com');
    const mail = t.broker.outbox.messages().find((m) => m.topic === 'approvals' && m.attributes.requestId === id && m.attributes.approver === 'carol@example.com')!;
    expect(mail.to).toBe('carol@example.com');
    expect(mail.html).toBeDefined();

    const context = await browser.newContext({ viewport: { width: 800, height: 900 }, javaScriptEnabled: true });
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      const requested: string[] = [];
      // Every request the page makes is recorded and refused: a mail must need none.
      await context.route('**/*', (route) => {
        requested.push(route.request().url());
        return route.abort();
      });
      page.on('request', (r: Request) => {
        if (!requested.includes(r.url())) requested.push(r.url());
      });
      await page.setContent(mail.html!, { waitUntil: 'load' });

      expect(await page.title()).toBe('Approve AWS access for alice@example.com');
      const text = await page.evaluate(() => document.body.innerText);
      // The link written out in full, and as the target of the one anchor.
      expect(text).toContain(link);
      const anchors = await page.evaluate(() => Array.from(document.querySelectorAll('a')).map((a) => a.getAttribute('href')));
      expect(anchors).toEqual([link]);
      expect(await page.getByText(link, { exact: true }).isVisible()).toBe(true);
      // The requester's markup is text, quoted under the requester's heading.
      expect(text).toContain('Below: written by the requester, not by the broker');
      expect(text).toContain('<img src="https://tracker.example/pixel.png">');
      expect(text).toContain('<script>alert(1)</script>');
      // Nothing loaded, nothing scripted.
      expect(requested).toEqual([]);
      expect(await page.evaluate(() => document.scripts.length)).toBe(0);
      const handlers = await page.evaluate(() =>
        Array.from(document.querySelectorAll('*')).flatMap((el) => Array.from(el.attributes).map((a) => a.name).filter((n) => n.startsWith('on'))),
      );
      expect(handlers).toEqual([]);
      expect(await page.evaluate(() => document.querySelectorAll('img, link, iframe, object, embed, video, audio, source, style[src]').length)).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

/**
 * The approver's side in a real browser (Debian's chromium, driven by playwright-core), one
 * local broker and one Chromium for all of it:
 * - the approval page: opened from the emailed link on the local mail page, confirmed, and the
 *   request becomes ACTIVE (a screenshot goes to test-output/approval-page.png); at a 375 px
 *   mobile viewport both buttons fit and Deny denies.
 * - the permissions it shows: exactly what a click grants, the session policy's actions per
 *   service, collapsed under a summary that counts them (team-readonly in 444444444444 with ec2
 *   and the custom service s3-data-read, whose resources are resolved for that account).
 * - the approval mail's HTML part, as local mode's outbox holds it (what SES would send), opened
 *   as a mail client would render it: the link visible in full, nothing loaded from anywhere (no
 *   remote images, styles, fonts: opening the mail tells nobody it was read), and no script,
 *   even when the requester wrote markup in the reason.
 *
 * Needs /usr/bin/chromium (`apt-get update && apt-get install -y chromium`); without it the
 * suite fails with that instruction rather than skipping.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { collectPageErrors, sharedChromium } from '../helpers/chromium';
import { startTestBroker, type TestBroker } from '../helpers/broker';

const OUTPUT_DIR = join(ROOT, 'test-output');
const SCREENSHOT = join(OUTPUT_DIR, 'approval-page.png');
const PAGE_REQUEST = { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '2h', reason: 'Investigating INC-4411 latency', ticket: 'INC-4411' };
const PERMISSIONS_REQUEST = { target: 'team-readonly', account: '444444444444', services: ['ec2', 's3-data-read'], duration: '1h', reason: 'Checking the nightly export of team data' };
/** Markup a requester may type (the text rules refuse control characters, not angle brackets). */
const REASON = 'INC-4411 <img src="https://tracker.example/pixel.png"> <script>alert(1)</script> restart "payments" & check';
// The project's tsconfig has no DOM lib; these are only used inside page.evaluate callbacks.
declare const document: {
  documentElement: { scrollWidth: number };
  scripts: { length: number };
  querySelectorAll(selector: string): ArrayLike<{ attributes: ArrayLike<{ name: string }>; getAttribute(name: string): string | null }>;
  body: { innerText: string };
};
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let t: TestBroker;
let browser: Browser;
/**
 * One desktop-sized page for the tests that need no other settings: each opens its link in it,
 * so Chromium starts one renderer for them rather than a context and renderer per test. Each test
 * collects the page's errors from its own start (an earlier test's listener stays, unread).
 */
let desktop: BrowserContext | undefined;
async function desktopPage(): Promise<Page> {
  desktop ??= await browser.newContext({ viewport: { width: 1280, height: 900 } });
  return desktop.pages()[0] ?? desktop.newPage();
}

beforeAll(async () => {
  // Real durations (no timeScale): nothing times out or expires while the browser works.
  [t, browser] = await Promise.all([startTestBroker(), sharedChromium()]);
  mkdirSync(OUTPUT_DIR, { recursive: true });
});
afterAll(async () => {
  await desktop?.close().catch(() => undefined);
  await t?.broker.close();
});

describe('approval page in Chromium', () => {
  const contexts: BrowserContext[] = [];
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
  });

  async function newRequest(): Promise<string> {
    const res = await t.call('POST', '/requests', { as: 'alice', json: PAGE_REQUEST });
    expect(res.status, res.text).toBe(201);
    return res.body.request.id;
  }

  it('opens the emailed link from the local mail page, approves, and the request becomes ACTIVE', async () => {
    const id = await newRequest();
    const carolLink = await t.linkFor(id, 'carol@example.com');

    const page = await desktopPage();
    const errors = collectPageErrors(page);

    const mail = await page.goto(`${t.broker.baseUrl}/_local/mail`);
    expect(mail?.status()).toBe(200);
    const carolMail = page
      .locator('article')
      .filter({ hasText: 'approver=carol@example.com' })
      .filter({ hasText: `Request:   ${id}` });
    expect(await carolMail.count()).toBe(1);
    const link = carolMail.getByRole('link', { name: /\/approvals\// });
    expect(await link.getAttribute('href')).toBe(carolLink);
    await Promise.all([page.waitForURL(carolLink), link.click()]);

    // The confirmation page: heading, summary with the request id, accessible controls.
    expect(await page.title()).toBe('Review access request · Access Broker');
    await page.getByRole('heading', { level: 1, name: 'Review access request' }).waitFor();
    expect(await page.locator('dt:text-is("Request") + dd').textContent()).toBe(id);
    expect(await page.locator('dt:text-is("Requester") + dd').textContent()).toBe('alice@example.com');
    expect(await page.locator('dt:text-is("Status") + dd').textContent()).toBe('PENDING');
    const approve = page.getByRole('button', { name: 'Approve', exact: true });
    const deny = page.getByRole('button', { name: 'Deny', exact: true });
    expect(await approve.isVisible()).toBe(true);
    expect(await approve.isEnabled()).toBe(true);
    expect(await deny.isVisible()).toBe(true);
    expect(await deny.isEnabled()).toBe(true);
    const comment = page.getByRole('textbox', { name: 'Comment (optional)' });
    expect(await comment.isVisible()).toBe(true);
    // The nonce'd stylesheet applied (a CSP that blocked it would leave the default grey button).
    expect(await approve.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(26, 127, 55)');
    // Opening the page decided nothing.
    expect((await t.call('GET', `/requests/${id}`, { as: 'alice' })).body.request.status).toBe('PENDING');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(5_000);
    expect(readFileSync(SCREENSHOT).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);

    await comment.fill('Approved from the browser test');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === carolLink),
      approve.click(),
    ]);
    expect(response.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Approval recorded' }).waitFor();
    expect(await page.getByRole('status').textContent()).toBe('You approved this request. Access is being granted now.');

    const active = await t.waitForRequest(id, (r) => r.status === 'ACTIVE');
    expect(active.approvals).toEqual([
      { by: 'carol@example.com', decision: 'approve', at: expect.any(String), comment: 'Approved from the browser test' },
    ]);

    // No console errors (a CSP violation would be one) on the mail, confirmation or result page.
    expect(errors).toEqual([]);

    // Opening the link again: it is spent.
    const reopened = await page.goto(carolLink);
    expect(reopened?.status()).toBe(410);
    await page.getByRole('heading', { level: 1, name: 'Link no longer valid' }).waitFor();
  });

  it('works at a 375 px wide mobile viewport: both buttons visible without sideways scrolling; Deny denies', async () => {
    const id = await newRequest();
    const daveLink = await t.linkFor(id, 'dave@example.com');

    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    const res = await page.goto(daveLink);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");

    await page.getByRole('heading', { level: 1, name: 'Review access request' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    for (const name of ['Approve', 'Deny']) {
      const button = page.getByRole('button', { name, exact: true });
      await button.scrollIntoViewIfNeeded();
      expect(await button.isVisible(), name).toBe(true);
      const box = (await button.boundingBox())!;
      expect(box.x, name).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, name).toBeLessThanOrEqual(375);
      // A comfortable touch target.
      expect(box.height, name).toBeGreaterThanOrEqual(44);
    }

    await page.getByRole('button', { name: 'Deny', exact: true }).tap();
    await page.getByRole('heading', { level: 1, name: 'Request denied' }).waitFor();
    expect((await t.waitForRequest(id, (r) => r.status === 'DENIED')).approvals[0]).toMatchObject({ by: 'dave@example.com', decision: 'deny' });
    expect(errors).toEqual([]);
  });
});

describe('approval page permissions in Chromium', () => {
  it('lists the actions per service, collapsed until the approver opens them', async () => {
    const created = await t.call('POST', '/requests', { as: 'alice', json: PERMISSIONS_REQUEST });
    expect(created.status, created.text).toBe(201);
    const link = await t.linkFor(created.body.request.id, 'carol@example.com');

    const page = await desktopPage();
    const errors = collectPageErrors(page);
    expect((await page.goto(link))?.status()).toBe(200);
    await page.getByRole('heading', { level: 1, name: 'Review access request' }).waitFor();
    expect(await page.locator('dt:text-is("Account") + dd').textContent()).toBe('444444444444');
    expect(await page.locator('dt:text-is("Role") + dd').textContent()).toBe('arn:aws:iam::444444444444:role/TeamReadOnly');

    const summary = page.locator('details#permissions > summary');
    expect(await summary.textContent()).toBe('Exact permissions: 3 actions in 2 services');
    const s3 = page.locator('details#permissions li', { hasText: 'S3 data buckets (read)' });
    // Collapsed by default: present, not shown.
    expect(await page.locator('details#permissions').getAttribute('open')).toBeNull();
    expect(await s3.isVisible()).toBe(false);

    await summary.click();
    expect(await s3.isVisible()).toBe(true);
    expect(await s3.textContent()).toBe(
      'S3 data buckets (read): s3:GetObject, s3:ListBucket on arn:aws:s3:::data-444444444444, arn:aws:s3:::data-444444444444/*',
    );
    expect(await page.locator('details#permissions li', { hasText: 'EC2' }).textContent()).toBe('EC2: ec2:Describe* on *');
    // Opening the page and the details decided nothing; no CSP or script errors.
    expect((await t.call('GET', `/requests/${created.body.request.id}`, { as: 'alice' })).body.request.status).toBe('PENDING');
    expect(errors).toEqual([]);
  });
});

describe('approval mail HTML in Chromium', () => {
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

/**
 * Issue 3 in a real browser: Debian's chromium, driven by playwright-core, opens the emailed
 * link from the local mail page, confirms on the approval page and sees the result; the
 * request then becomes ACTIVE. Saves a screenshot of the confirmation page under test-output/.
 *
 * Needs /usr/bin/chromium (`apt-get update && apt-get install -y chromium`); without it the
 * suite fails with that instruction rather than skipping.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { collectPageErrors, sharedChromium } from '../helpers/chromium';
import { startTestBroker, type TestBroker } from '../helpers/broker';

const OUTPUT_DIR = join(ROOT, 'test-output');
const SCREENSHOT = join(OUTPUT_DIR, 'approval-page.png');
const REQUEST = { target: 'sandbox-readonly', services: ['ec2', 'cloudwatch'], duration: '2h', reason: 'Investigating INC-4411 latency', ticket: 'INC-4411' };
// The project's tsconfig has no DOM lib; these two are only used inside page.evaluate callbacks.
declare const document: { documentElement: { scrollWidth: number } };
declare function getComputedStyle(element: unknown): { backgroundColor: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('approval page in Chromium', () => {
  let t: TestBroker;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // Real durations (no timeScale): nothing times out or expires while the browser works.
    [t, browser] = await Promise.all([startTestBroker(), sharedChromium()]);
    mkdirSync(OUTPUT_DIR, { recursive: true });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await t?.broker.close();
  });

  async function newRequest(): Promise<string> {
    const res = await t.call('POST', '/requests', { as: 'alice', json: REQUEST });
    expect(res.status, res.text).toBe(201);
    return res.body.request.id;
  }

  it('opens the emailed link from the local mail page, approves, and the request becomes ACTIVE', async () => {
    const id = await newRequest();
    const carolLink = await t.linkFor(id, 'carol@example.com');

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
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
    await page.screenshot({ path: join(OUTPUT_DIR, 'approval-page-mobile.png'), fullPage: true });

    await page.getByRole('button', { name: 'Deny', exact: true }).tap();
    await page.getByRole('heading', { level: 1, name: 'Request denied' }).waitFor();
    expect((await t.waitForRequest(id, (r) => r.status === 'DENIED')).approvals[0]).toMatchObject({ by: 'dave@example.com', decision: 'deny' });
    expect(errors).toEqual([]);
  });
});

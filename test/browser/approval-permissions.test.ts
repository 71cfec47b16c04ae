/**
 * The approval page shows exactly what a click grants: the session policy's actions per service,
 * collapsed by default under a summary that counts them, in a real browser (Debian's chromium,
 * playwright-core). Request: team-readonly in 444444444444 with ec2 and the custom service
 * s3-data-read, whose resources are resolved for that account.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { collectPageErrors, sharedChromium } from '../helpers/chromium';
import { startTestBroker, type TestBroker } from '../helpers/broker';

const OUTPUT_DIR = join(ROOT, 'test-output');
const REQUEST = { target: 'team-readonly', account: '444444444444', services: ['ec2', 's3-data-read'], duration: '1h', reason: 'Checking the nightly export of team data' };

describe('approval page permissions in Chromium', () => {
  let t: TestBroker;
  let browser: Browser;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestBroker(), sharedChromium()]);
    mkdirSync(OUTPUT_DIR, { recursive: true });
  });
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await t?.broker.close();
  });

  it('lists the actions per service, collapsed until the approver opens them', async () => {
    const created = await t.call('POST', '/requests', { as: 'alice', json: REQUEST });
    expect(created.status, created.text).toBe(201);
    const link = await t.linkFor(created.body.request.id, 'carol@example.com');

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
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
    await page.screenshot({ path: join(OUTPUT_DIR, 'approval-page-permissions.png'), fullPage: true });
    // Opening the page and the details decided nothing; no CSP or script errors.
    expect((await t.call('GET', `/requests/${created.body.request.id}`, { as: 'alice' })).body.request.status).toBe('PENDING');
    expect(errors).toEqual([]);
  });
});

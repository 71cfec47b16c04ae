import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/**
 * Debian's chromium package, driven by playwright-core (no browser download).
 * `npm test` installs it (scripts/test-prereqs.mjs) where apt-get runs as root.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Launches headless Chromium. Playwright gives every launch a fresh temporary user data dir
 * (and deletes it on close), so no profile state leaks between runs. A missing browser is a
 * failure, not a skip: the browser test is part of what CI must prove.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need Debian's chromium: ` +
        'run `apt-get update && apt-get install -y chromium` (npm test does it as root), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
}

let shared: Promise<Browser> | undefined;

/**
 * One Chromium per test worker, shared by the browser test files it runs (each opens contexts of
 * its own and closes them): a launch costs about 3.5 s of CPU on this two-core machine, and the
 * files would otherwise launch one each. Playwright stops the browser when the worker exits.
 * A launch that fails is not kept, so the next file reports the same failure.
 */
export function sharedChromium(): Promise<Browser> {
  shared ??= launchChromium().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Console errors and uncaught page errors, CSP violations included (Chromium reports them as
 * console errors). The browser's own favicon probe is left out: the local server has no icon.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    if (url && new URL(url).pathname === '/favicon.ico') return;
    errors.push(`${message.text()} (${url})`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

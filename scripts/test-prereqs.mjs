#!/usr/bin/env node
/**
 * Makes sure the programs the test suite drives are installed, before `npm test` runs vitest:
 *
 *   chromium                 Debian's Chromium at /usr/bin/chromium (or CHROMIUM_PATH), driven by
 *                            playwright-core in the browser tests (never a downloaded browser)
 *   openjdk-17-jre-headless  a Java runtime (`java` on PATH, or JAVA) for the DynamoDB Local run
 *   awscli                   the AWS CLI at /usr/bin/aws (or AWS_CLI) for the CLI tests
 *
 * Where something is missing and apt-get is available as root, it runs `apt-get update` once and
 * installs the missing packages quietly, saying so in one line. Otherwise it stops with a message
 * naming exactly what to install (and the variable that points at an existing copy instead).
 * Nothing happens when everything is present.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the tests need: how it is found, and the Debian package that provides it. */
export const PREREQUISITES = [
  {
    name: 'Chromium',
    use: 'browser tests (playwright-core drives it)',
    apt: 'chromium',
    env: 'CHROMIUM_PATH',
    path: '/usr/bin/chromium',
  },
  {
    name: 'Java runtime (11 or newer)',
    use: 'the DynamoDB Local conformance run',
    apt: 'openjdk-17-jre-headless',
    env: 'JAVA',
    command: 'java',
  },
  {
    name: 'AWS CLI',
    use: 'the AWS CLI tests',
    apt: 'awscli',
    env: 'AWS_CLI',
    path: '/usr/bin/aws',
  },
];

/**
 * Where a prerequisite is, or undefined: the file named by its variable when set, else its fixed
 * path, else its command on PATH.
 * @param {(typeof PREREQUISITES)[number]} prerequisite
 * @param {{ env: Record<string, string | undefined>, isExecutable: (file: string) => boolean, which: (command: string) => string | undefined }} system
 */
export function locate(prerequisite, system) {
  const override = system.env[prerequisite.env]?.trim();
  if (override) {
    // JAVA=java names a command; CHROMIUM_PATH=/opt/chromium a file.
    if (!override.includes('/')) return system.which(override);
    return system.isExecutable(override) ? override : undefined;
  }
  if (prerequisite.path) return system.isExecutable(prerequisite.path) ? prerequisite.path : undefined;
  return system.which(prerequisite.command);
}

/**
 * What to do about the missing prerequisites:
 * - `ok`: all present;
 * - `install`: root with apt-get: the apt-get commands to run;
 * - `fail`: the message naming what to install.
 * @param {{ env: Record<string, string | undefined>, platform: string, uid: number | undefined, isExecutable: (file: string) => boolean, which: (command: string) => string | undefined }} system
 */
export function plan(system) {
  const missing = PREREQUISITES.filter((p) => locate(p, system) === undefined);
  if (missing.length === 0) return { action: 'ok', missing: [] };
  const packages = missing.map((p) => p.apt);
  const aptGet = system.platform === 'linux' ? system.which('apt-get') : undefined;
  if (aptGet && system.uid === 0) {
    return {
      action: 'install',
      missing,
      packages,
      commands: [
        // Waits for another apt/dpkg run to finish instead of failing on its lock.
        [aptGet, '-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'],
        [aptGet, '-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', ...packages],
      ],
    };
  }
  const lines = missing.map((p) => {
    const where = p.path ? `at ${p.path}` : `as \`${p.command}\` on PATH`;
    return `  - ${p.name} ${where}, for ${p.use} (or set ${p.env} to one you have)`;
  });
  const how = aptGet
    ? `Install them as root: sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`
    : `Install them with your system's package manager (Debian/Ubuntu packages: ${packages.join(' ')}); the test command installs them itself only where apt-get runs as root.`;
  return { action: 'fail', missing, packages, message: ['npm test needs programs that are not installed:', ...lines, how].join('\n') };
}

/** The real machine. */
export function currentSystem() {
  const isExecutable = (file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return {
    env: process.env,
    platform: process.platform,
    uid: process.getuid?.(),
    isExecutable,
    which: (command) =>
      (process.env.PATH ?? '')
        .split(delimiter)
        .filter((dir) => dir.startsWith('/'))
        .map((dir) => join(dir, command))
        .find(isExecutable),
  };
}

function main() {
  const decision = plan(currentSystem());
  if (decision.action === 'ok') return 0;
  if (decision.action === 'fail') {
    process.stderr.write(`${decision.message}\n`);
    return 1;
  }
  process.stdout.write(`test prerequisites: installing ${decision.packages.join(' ')} with apt-get (for ${decision.missing.map((p) => p.use).join('; ')})\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const [command, ...args] of decision.commands) {
    const result = spawnSync(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(`${result.stderr ?? ''}\`${[command, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal}); install ${decision.packages.join(' ')} by hand.\n`);
      return 1;
    }
  }
  const still = plan(currentSystem());
  if (still.action !== 'ok') {
    process.stderr.write(`apt-get installed ${decision.packages.join(' ')} but these are still missing: ${still.missing.map((p) => p.name).join(', ')}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();

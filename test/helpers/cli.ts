import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../local/broker';
// @ts-expect-error: a plain ES module without types (the CLI's build script)
import { buildCli } from '../../scripts/build-cli.mjs';

/** The package bin, as `npx access-broker` runs it. */
export const LAUNCHER = join(ROOT, 'cli', 'access-broker.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Builds the CLI bundle once per worker (the launcher would too; building first keeps test timings even). */
let built: Promise<unknown> | undefined;
export const ensureCliBuilt = () => (built ??= (buildCli as () => Promise<string>)());

/**
 * A person at a terminal: their own HOME, ACCESS_BROKER_HOME and AWS_CONFIG_FILE in a temp
 * directory, and the CLI pointed at `url`. `--wait` polls every 20 ms instead of 2 s.
 */
export function cliUser(url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'access-broker-cli-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    ACCESS_BROKER_HOME: join(dir, 'broker-home'),
    AWS_CONFIG_FILE: join(dir, 'aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ACCESS_BROKER_URL: url,
    ACCESS_BROKER_POLL_INTERVAL_MS: '20',
    NO_COLOR: '1',
  };
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, [LAUNCHER, ...args], { env: { ...env, ...extraEnv }, timeout: 30_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  /** Starts the CLI and returns at once: for `request --wait`, which runs until someone decides. */
  const start = (args: string[]) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<CliResult>((resolve) => child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
    return { child, done, output: () => ({ stdout, stderr }) };
  };
  return { dir, env, run, start, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type CliUser = ReturnType<typeof cliUser>;

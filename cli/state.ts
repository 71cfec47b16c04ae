import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** `$HOME` as `env` has it, else the account's home directory (not the process's $HOME). */
export const homeDir = (env: NodeJS.ProcessEnv): string => env.HOME || userInfo().homedir;

/** Where the CLI keeps its state: `$ACCESS_BROKER_HOME`, else `~/.config/access-broker`. */
export function brokerHome(env: NodeJS.ProcessEnv): string {
  return resolve(env.ACCESS_BROKER_HOME || join(homeDir(env), '.config', 'access-broker'));
}

/** Creates `dir` (and parents) readable by the owner only. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Writes a file readable by its owner only (0600), atomically: a reader (another `aws`
 * command running credential_process) sees the old file or the new one, never half of one.
 */
export function writePrivateFile(file: string, content: string, options: { privateDir?: boolean } = {}): void {
  // The CLI's own directories are forced to 0700; a shared one (~/.aws) only gets created if missing.
  if (options.privateDir === false) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  else ensurePrivateDir(dirname(file));
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** A JSON file's content, or undefined when it does not exist or does not parse. */
export function readJsonFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export function removeFile(file: string): void {
  rmSync(file, { force: true });
}

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, ExitCode } from './exit-codes';
import { homeDir, writePrivateFile } from './state';

/** `$AWS_CONFIG_FILE`, else `~/.aws/config`, as the AWS CLI and SDKs read it. */
export function awsConfigFile(env: NodeJS.ProcessEnv): string {
  return resolve(env.AWS_CONFIG_FILE || join(homeDir(env), '.aws', 'config'));
}

/** The marker line that says a section was written by this CLI (and may be rewritten by it). */
export const MANAGED_MARKER = '# managed by access-broker';

/** Quotes one word for the shell-like split botocore applies to credential_process. */
export function quoteWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, '\\$1')}"`;
}

function sectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`;
}

/**
 * Writes (or rewrites) one profile section of an AWS config file, leaving every other section
 * and comment as it was. Writing the same profile twice gives the same file. A section of
 * that name that this CLI did not write is left alone unless `force`.
 */
export function writeProfile(file: string, profile: string, entries: Record<string, string>, force = false): { created: boolean } {
  if (!/^[\w.@+-]+$/.test(profile)) {
    throw new CliError(`--name must be letters, digits and . _ - + @ (got ${JSON.stringify(profile)})`, ExitCode.USAGE);
  }
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const header = `[${sectionName(profile)}]`;
  const isHeader = (line: string) => /^\s*\[.*\]\s*$/.test(line);
  const start = lines.findIndex((l) => l.trim().replace(/\s+/g, ' ') === header);
  const body = [MANAGED_MARKER, ...Object.entries(entries).map(([k, v]) => `${k} = ${v}`)];
  if (start < 0) {
    const out = [...lines];
    if (out.length && out[out.length - 1]!.trim() !== '') out.push('');
    out.push(header, ...body);
    writePrivateFile(file, `${out.join('\n')}\n`, { privateDir: false });
    return { created: true };
  }
  let end = start + 1;
  while (end < lines.length && !isHeader(lines[end]!)) end++;
  // Keep the blank lines and comments that lead to the next section (a comment there is about it).
  let contentEnd = end;
  while (contentEnd > start + 1 && /^\s*([#;].*)?$/.test(lines[contentEnd - 1]!) && lines[contentEnd - 1]!.trim() !== MANAGED_MARKER) contentEnd--;
  const existing = lines.slice(start + 1, contentEnd);
  if (!force && existing.length > 0 && !existing.some((l) => l.trim() === MANAGED_MARKER)) {
    throw new CliError(`Profile ${profile} already exists in ${file} and was not written by access-broker; choose another --name or pass --force`, ExitCode.CONFLICT, 'PROFILE_EXISTS');
  }
  const out = [...lines.slice(0, start + 1), ...body, ...lines.slice(contentEnd)];
  writePrivateFile(file, `${out.join('\n')}\n`, { privateDir: false });
  return { created: false };
}

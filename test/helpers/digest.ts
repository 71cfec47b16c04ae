import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * A sha256 of `files`, each by its path relative to `root` and its content (a missing file
 * counts as missing), in sorted order, after `seed`: the key of a cached result that those
 * files decide.
 */
export function digestOfFiles(files: Iterable<string>, root: string, seed = ''): string {
  const hash = createHash('sha256').update(seed).update('\0');
  for (const file of [...new Set(files)].sort()) {
    hash.update(relative(root, file)).update('\0');
    hash.update(existsSync(file) ? readFileSync(file) : '(absent)').update('\0');
  }
  return hash.digest('hex');
}

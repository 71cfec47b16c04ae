import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's `events/` folder: this file's own directory. */
export const EVENTS_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * Reads the JSON fixture `events/<relPath>`, e.g. `loadEvent('cloudtrail/switch-role.json')`.
 * Every call parses the file again, so a test may mutate what it gets.
 */
export function loadEvent<T = unknown>(relPath: string): T {
  const path = resolve(EVENTS_DIR, relPath);
  const inside = relative(EVENTS_DIR, path);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    throw new Error(`loadEvent: ${relPath} is outside events/`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`loadEvent: cannot read events/${inside}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`loadEvent: events/${inside} is not valid JSON: ${(err as Error).message}`);
  }
}

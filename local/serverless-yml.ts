import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** The parts of serverless.yml local mode reads: functions (handlers, HTTP events) and resources. */
export interface ServerlessYml {
  functions?: Record<string, { handler: string; events?: { httpApi?: { method: string; path: string; authorizer?: unknown } }[] }>;
  resources?: { Resources?: Record<string, { Properties?: { EventPattern?: unknown } }> }[];
}

const parsed = new Map<string, { text: string; doc: ServerlessYml }>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * serverless.yml as local mode reads it: parsed once per content, not once per broker (a test
 * run starts dozens of brokers, and the YAML parse was most of a start). The file is read every
 * time, so an edit is seen; the document is frozen, so no reader can change it for another.
 */
export function readServerlessYml(file: string): ServerlessYml {
  const text = readFileSync(file, 'utf8');
  const hit = parsed.get(file);
  if (hit?.text === text) return hit.doc;
  const doc = deepFreeze(parse(text) as ServerlessYml);
  parsed.set(file, { text, doc });
  return doc;
}

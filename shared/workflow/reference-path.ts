/**
 * Resolves a simple ASL reference path (`$` or `$.a.b.c`) against state data. The workflow
 * only uses such paths for values read outside Parameters (TimeoutSecondsPath,
 * TimestampPath), and our checks and the local runner need to read them the way Step
 * Functions does. Anything fancier (filters, wildcards, brackets) is refused loudly rather
 * than guessed.
 */
export function readReferencePath(path: string, data: unknown): unknown {
  if (path === '$') return data;
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_-]*)+$/.test(path)) {
    throw new Error(`Unsupported reference path "${path}": only $ and $.field.field... are handled`);
  }
  let current: unknown = data;
  for (const segment of path.slice(2).split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

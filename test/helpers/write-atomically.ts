import { renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `file` whole or not at all: a temporary file named by this process, then a rename, so a
 * reader (another test worker, a later run after a killed one) never sees half of it.
 */
export function writeAtomically(file: string, data: Buffer | string): void {
  const temporary = `${file}.${process.pid}`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}

import { gunzipSync } from 'node:zlib';
import { parseRoleArn } from '../domain/arn';

/** The gzip magic number: CloudTrail delivers `.json.gz` files. */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/** A CloudTrail log file that is not `{"Records":[...]}` (JSON or gzip JSON). */
export class TrailLogFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrailLogFormatError';
  }
}

/** A log file's text: gunzipped when it starts with the gzip magic number. */
export function trailLogText(bytes: Uint8Array): string {
  const gzipped = bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
  try {
    return (gzipped ? gunzipSync(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8');
  } catch (e) {
    throw new TrailLogFormatError(`not a gzip file: ${(e as Error).message}`);
  }
}

/** Reads one CloudTrail log file, gzip or plain JSON, into all its records (JSON.parse of the whole file). */
export function readTrailLogFile(bytes: Uint8Array): unknown[] {
  return parseAllRecords(trailLogText(bytes));
}

function parseAllRecords(text: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TrailLogFormatError(`not JSON: ${(e as Error).message}`);
  }
  const records = typeof parsed === 'object' && parsed !== null ? (parsed as { Records?: unknown }).Records : undefined;
  if (!Array.isArray(records)) throw new TrailLogFormatError('a CloudTrail log file is {"Records": [...]}: `Records` is missing or not an array');
  return records;
}

/** What CloudTrail writes first in every log file. */
const RECORDS_HEAD = /^\s*\{\s*"Records"\s*:\s*\[/;

/**
 * Reads a log file keeping only the records whose raw JSON text passes `textFilter` (a cheap
 * substring test), parsing just those: the file's records are delimited by a scan that tracks
 * strings and braces, not by JSON.parse of the whole file. A file not in CloudTrail's own layout
 * (`{"Records":[` first) is parsed whole instead, and `textFilter` is skipped. Returns how many
 * records the file has and the parsed candidates.
 */
export function scanTrailLogFile(bytes: Uint8Array, textFilter: (recordText: string) => boolean): { count: number; candidates: unknown[] } {
  const text = trailLogText(bytes);
  const head = RECORDS_HEAD.exec(text);
  if (!head) {
    const all = parseAllRecords(text);
    return { count: all.length, candidates: all };
  }
  const candidates: unknown[] = [];
  let count = 0;
  let depth = 0;
  let start = -1;
  let closed = false;
  const n = text.length;
  for (let i = head[0].length; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Jump to the closing quote: one not preceded by an odd number of backslashes.
      let j = text.indexOf('"', i + 1);
      while (j > 0) {
        let backslashes = 0;
        for (let k = j - 1; text.charCodeAt(k) === 92; k--) backslashes++;
        if (backslashes % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      if (j < 0) throw new TrailLogFormatError('not JSON: an unterminated string');
      i = j;
    } else if (c === 123 /* { */) {
      if (depth++ === 0) start = i;
    } else if (c === 125 /* } */) {
      if (--depth === 0) {
        count++;
        const recordText = text.slice(start, i + 1);
        if (textFilter(recordText)) {
          try {
            candidates.push(JSON.parse(recordText));
          } catch (e) {
            throw new TrailLogFormatError(`not JSON: record ${count}: ${(e as Error).message}`);
          }
        }
      } else if (depth < 0) throw new TrailLogFormatError('not JSON: unbalanced braces');
    } else if (c === 93 /* ] */ && depth === 0) {
      closed = true;
      break;
    }
  }
  if (!closed) throw new TrailLogFormatError('not JSON: the Records array is not closed');
  return { count, candidates };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The raw-text pre-filter: a role-use event name and a watched role name (ignoring case)
 * somewhere in the record's JSON text. Over-matches freely; the parsed record then goes through
 * watchedRecordFilter and the full parse.
 */
export function watchedRecordTextFilter(watchedRoleArns: readonly string[]): (recordText: string) => boolean {
  const names = [...new Set(watchedRoleArns.map((arn) => (parseRoleArn(arn)?.name ?? arn).toLowerCase()))];
  const eventName = /"eventName"\s*:\s*"(?:AssumeRole|AssumeRoleWithSAML|AssumeRoleWithWebIdentity|SwitchRole)"/;
  const name = new RegExp(names.map(escapeRegExp).join('|'), 'i');
  return (recordText) => eventName.test(recordText) && (name.test(recordText) || !recordText.includes('"roleArn"'));
}

/** Event names of the records that can be a use of a role. */
const ROLE_USE_EVENT_NAMES = new Set(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'SwitchRole']);

/**
 * A cheap test, before any validation, of whether a CloudTrail record may be a use of a watched
 * role: a role-use event name, and a role text (requestParameters.roleArn, a SwitchRole's
 * SwitchTo or new session ARN) containing a watched role name, ignoring case. A role-use record
 * with no readable role text passes too (it is parsed and, if unreadable, alarmed on). It
 * over-matches (a name inside another name, another account), never under-matches: the full
 * parse and decideAlarm decide.
 */
export function watchedRecordFilter(watchedRoleArns: readonly string[]): (record: unknown) => boolean {
  const names = [...new Set(watchedRoleArns.map((arn) => (parseRoleArn(arn)?.name ?? arn).toLowerCase()))];
  return (record) => {
    if (typeof record !== 'object' || record === null) return false;
    const r = record as Record<string, unknown>;
    const eventName = r['eventName'];
    if (typeof eventName !== 'string' || !ROLE_USE_EVENT_NAMES.has(eventName)) return false;
    const roleText = roleTextOf(r);
    if (roleText === undefined) return true;
    const lower = roleText.toLowerCase();
    return names.some((name) => lower.includes(name));
  };
}

function roleTextOf(r: Record<string, unknown>): string | undefined {
  const field = (object: unknown, key: string) =>
    typeof object === 'object' && object !== null ? (object as Record<string, unknown>)[key] : undefined;
  // A SwitchRole names the role as its new session (userIdentity); any other record's identity is the caller.
  const session = r['eventName'] === 'SwitchRole' ? field(r['userIdentity'], 'arn') : undefined;
  const candidates = [field(r['requestParameters'], 'roleArn'), field(r['additionalEventData'], 'SwitchTo'), session];
  const texts = candidates.filter((c): c is string => typeof c === 'string');
  return texts.length === 0 ? undefined : texts.join(' ');
}

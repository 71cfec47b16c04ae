import { isAscii } from 'node:buffer';
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

/** The largest output size hint taken from a gzip trailer (a hint only: a wrong one costs time, never correctness). */
const MAX_SIZE_HINT = 512 * 1024 * 1024;

/**
 * A log file's bytes, gunzipped when they start with the gzip magic number. The gzip trailer's
 * size field lets zlib write the whole output into one buffer instead of joining 16 KB chunks.
 */
export function trailLogBuffer(bytes: Uint8Array): Buffer {
  const gzipped = bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
  if (!gzipped) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.length >= 18 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.byteLength - 4, true) : 0;
  // Deflate expands at most about 1,032 times: a larger size field is not believed.
  const believable = size > 0 && size < MAX_SIZE_HINT && size <= bytes.length * 1032;
  const chunkSize = believable ? Math.max(64 * 1024, size + 1) : 64 * 1024;
  try {
    return gunzipSync(bytes, { chunkSize });
  } catch (e) {
    throw new TrailLogFormatError(`not a gzip file: ${(e as Error).message}`);
  }
}

/** A log file's text: gunzipped when it starts with the gzip magic number. */
export function trailLogText(bytes: Uint8Array): string {
  return trailLogBuffer(bytes).toString('utf8');
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

/** How much of the file is decoded at once (grown for a record longer than this). */
const WINDOW_BYTES = 65536;

/** The scan of one log file: how many records it has and the parsed candidates. */
export interface ScannedTrailLog {
  count: number;
  candidates: unknown[];
}

/**
 * Reads a log file keeping only the records whose raw JSON text passes `textFilter` (a cheap
 * substring test) and then, parsed, `recordFilter`. Only those records are parsed: the others are
 * delimited by a scan of the bytes that tracks strings and braces, a megabyte at a time (decoded
 * as Latin-1, so a character is a byte and UTF-8 sequences never look like JSON punctuation), and
 * counted. The whole file is never one string.
 *
 * `textFilter` sees plain ASCII text without `\u` escapes only: a record with a non-ASCII byte or
 * a `\u` escape (which could spell a role or event name the text test would not see) is parsed
 * whatever the text says. A file not in CloudTrail's own layout (`{"Records":[` first, then
 * objects separated by commas, then `]}`) is parsed whole instead, so its count and records are
 * exactly JSON.parse's (and a file that is not JSON throws TrailLogFormatError). A record that is
 * not valid JSON is only found out if it passes `textFilter`.
 */
export function scanTrailLogFile(
  bytes: Uint8Array,
  textFilter: (recordText: string) => boolean,
  recordFilter: (record: unknown) => boolean = () => true,
): ScannedTrailLog {
  const buf = trailLogBuffer(bytes);
  const head = RECORDS_HEAD.exec(buf.toString('latin1', 0, Math.min(buf.length, 4096)));
  const scanned = head ? scanRecords(buf, head[0].length, textFilter, recordFilter) : undefined;
  if (scanned) return scanned;
  const all = parseAllRecords(buf.toString('utf8'));
  return { count: all.length, candidates: all.filter(recordFilter) };
}

const enum Between {
  /** After `[`: a record or `]`. */
  OPEN,
  /** After a record: `,` or `]`. */
  RECORD,
  /** After `,`: a record. */
  COMMA,
}

const isJsonSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The records of the array opening before `from`, or undefined when the file is not laid out as
 * CloudTrail writes it (the caller then parses it whole).
 */
function scanRecords(
  buf: Buffer,
  from: number,
  textFilter: (recordText: string) => boolean,
  recordFilter: (record: unknown) => boolean,
): ScannedTrailLog | undefined {
  const candidates: unknown[] = [];
  let count = 0;
  let between = Between.OPEN;
  let window = WINDOW_BYTES;
  let pos = from;
  const n = buf.length;
  while (pos < n) {
    const end = Math.min(n, pos + window);
    const text = buf.toString('latin1', pos, end);
    const plain = isAscii(buf.subarray(pos, end)) && !text.includes('\\u');
    let depth = 0;
    let start = 0;
    let i = 0;
    scan: for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (depth === 0) {
        if (isJsonSpace(c)) continue;
        if (c === 123 /* { */ && between !== Between.RECORD) {
          depth = 1;
          start = i;
        } else if (c === 44 /* , */ && between === Between.RECORD) between = Between.COMMA;
        else if (c === 93 /* ] */ && between !== Between.COMMA) return closesFile(buf, pos + i + 1) ? { count, candidates } : undefined;
        else return undefined;
      } else if (c === 34 /* " */) {
        // Jump to the closing quote: one not preceded by an odd number of backslashes.
        let j = text.indexOf('"', i + 1);
        while (j > 0) {
          let backslashes = 0;
          for (let k = j - 1; text.charCodeAt(k) === 92; k--) backslashes++;
          if (backslashes % 2 === 0) break;
          j = text.indexOf('"', j + 1);
        }
        if (j < 0) break scan;
        i = j;
      } else if (c === 123 /* { */) depth++;
      else if (c === 125 /* } */ && --depth === 0) {
        count++;
        const recordText = text.slice(start, i + 1);
        const recordPlain = plain || (isAscii(buf.subarray(pos + start, pos + i + 1)) && !recordText.includes('\\u'));
        if (!recordPlain || textFilter(recordText)) {
          const record = parseRecord(recordPlain ? recordText : buf.toString('utf8', pos + start, pos + i + 1), count);
          if (recordFilter(record)) candidates.push(record);
        }
        between = Between.RECORD;
      }
    }
    // The window ended: inside a record (read it again from its start) or between records.
    const next = depth > 0 ? start : i;
    if (end === n) return undefined;
    if (next === 0) window *= 2;
    else {
      pos += next;
      window = WINDOW_BYTES;
    }
  }
  return undefined;
}

function parseRecord(text: string, index: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TrailLogFormatError(`not JSON: record ${index}: ${(e as Error).message}`);
  }
}

/** Whether only `}` and whitespace follow `at`: the end of `{"Records":[...]}`. */
function closesFile(buf: Buffer, at: number): boolean {
  let i = at;
  while (i < buf.length && isJsonSpace(buf[i]!)) i++;
  if (buf[i] !== 125 /* } */) return false;
  for (i++; i < buf.length; i++) if (!isJsonSpace(buf[i]!)) return false;
  return true;
}

/**
 * The raw-text pre-filter (over ASCII text without `\u` escapes: scanTrailLogFile parses any
 * other record whatever this says): a role-use event name as the value of an `eventName` key,
 * JSON whitespace allowed. It passes every record watchedRecordFilter can pass: a name is
 * written unescaped in such text (only `\u` escapes can spell a letter, a digit or `+=,.@_-`, and
 * `/` is never part of a name), and the event name likewise. A record naming no watched role is
 * passed as well, because watchedRecordFilter also keeps a role use whose role text it cannot
 * read, which text alone cannot rule out; the parsed record then goes through
 * watchedRecordFilter and the full parse.
 */
export const watchedRecordText = (recordText: string): boolean => ROLE_USE_EVENT_NAME_TEXT.test(recordText);

/** Event names of the records that can be a use of a role. */
const ROLE_USE_EVENT_NAMES = new Set(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'SwitchRole']);
/** One of those names as the value of an `eventName` key, JSON whitespace allowed. */
const ROLE_USE_EVENT_NAME_TEXT = new RegExp(`"eventName"\\s*:\\s*"(?:${[...ROLE_USE_EVENT_NAMES].join('|')})"`);

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

/**
 * The trail log scan that delimits records without parsing them and parses only those its text
 * pre-filter passes: whatever the file's layout, escapes, case, IAM paths, whitespace or where
 * the records fall against the scan's windows, it keeps exactly the records a full JSON.parse
 * followed by watchedRecordFilter keeps, and counts exactly the records JSON.parse sees.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { fixtureRecord, trailLogFileBytes } from '../../events/trail-log';
import { readTrailLogFile, scanTrailLogFile, TrailLogFormatError, watchedRecordFilter, watchedRecordText } from '../../shared/alerts/trail-log';

type Json = Record<string, any>;

const WATCHED = ['arn:aws:iam::111111111111:role/BrokerReadOnly', 'arn:aws:iam::111111111111:role/TemporaryAdminRole'];
const textFilter = watchedRecordText;
const recordFilter = watchedRecordFilter(WATCHED);

const human = fixtureRecord('assume-role-by-human.json');
const other = fixtureRecord('assume-role-other-role.json');
const switchRole = fixtureRecord('switch-role.json');
const unrelated = fixtureRecord('get-session-token.json');

/** The scan of `text` (gzip and plain) against the full parse: same count, same kept records. */
function expectSameAsFullParse(text: string, expectedKept?: number) {
  const all = readTrailLogFile(Buffer.from(text));
  const kept = all.filter(recordFilter);
  for (const bytes of [Buffer.from(text), trailLogFileBytes(text)]) {
    const scanned = scanTrailLogFile(bytes, textFilter, recordFilter);
    expect(scanned.count).toBe(all.length);
    expect(scanned.candidates).toEqual(kept);
  }
  if (expectedKept !== undefined) expect(kept).toHaveLength(expectedKept);
  return kept;
}

const file = (records: string[]) => `{"Records":[${records.join(',')}]}`;
const withRole = (roleArn: string): Json => ({ ...human, requestParameters: { ...human['requestParameters'], roleArn } });
/** A record's JSON with every occurrence of `from` written as `to` (an escaped spelling). */
const spelled = (record: Json, from: string, to: string) => JSON.stringify(record).split(from).join(to);

describe('the trail log pre-filter is a superset of watchedRecordFilter', () => {
  it('keeps watched roles in any case, with and without IAM paths, and drops other roles and calls', () => {
    const records = [
      withRole('arn:aws:iam::111111111111:role/TemporaryAdminRole'),
      withRole('ARN:AWS:IAM::111111111111:ROLE/TEMPORARYADMINROLE'),
      withRole('arn:aws:iam::111111111111:role/ops/break-glass/temporaryadminrole'),
      withRole('arn:aws:iam::111111111111:role//BrokerReadOnly'),
      switchRole,
      other,
      unrelated,
      { ...human, eventName: 'GetRole' },
    ].map((r) => JSON.stringify(r));
    expectSameAsFullParse(file(records), 5);
  });

  it('keeps records whose names or keys are written with JSON escapes (\\/ and \\u)', () => {
    const records = [
      spelled(withRole('arn:aws:iam::111111111111:role/ops/TemporaryAdminRole'), '/', '\\/'),
      // The role name, the event name and the eventName key spelled with \u escapes: invisible to a substring test.
      spelled(human, 'TemporaryAdminRole', 'Temporary\\u0041dminRole'),
      spelled(human, '"AssumeRole"', '"\\u0041ssumeRole"'),
      spelled(human, '"eventName"', '"event\\u004eame"'),
      spelled(switchRole, 'TemporaryAdminRole', 'TEMPORARY\\u0061DMINROLE'),
      // Escaped but another role: dropped after the parse.
      spelled(other, 'Role', 'R\\u006fle'),
    ];
    expectSameAsFullParse(file(records), 5);
  });

  it('keeps records with non-ASCII text (parsed as UTF-8, never judged by the ASCII text test)', () => {
    const kelvin = withRole('arn:aws:iam::111111111111:role/TemporaryAdminRole');
    kelvin['requestParameters']['roleSessionName'] = 'mallory-ünïcödé-😀';
    const records = [
      JSON.stringify(kelvin),
      // The Kelvin sign lower-cases to an ASCII k: watchedRecordFilter lower-cases, so the scan must parse it.
      JSON.stringify(withRole('arn:aws:iam::111111111111:role/Bro\u212AerReadOnly')),
      JSON.stringify({ ...unrelated, userAgent: 'ünïcödé 😀 },{ "eventName":"AssumeRole"' }),
      JSON.stringify(other),
    ];
    const kept = expectSameAsFullParse(file(records), 2);
    expect(kept[0]).toEqual(kelvin);
  });

  it('keeps role-use records whose role text it cannot read, as watchedRecordFilter does', () => {
    // No watched name anywhere in these records' text, and a roleArn key in some: only the parse can tell.
    const roleUse = { ...unrelated, eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', responseElements: { roleArn: 'arn:aws:iam::111111111111:role/Other' } };
    const records = [
      { ...roleUse, requestParameters: null },
      { ...roleUse, requestParameters: { roleArn: null } },
      { ...roleUse, requestParameters: { roleArn: 42 } },
    ].map((r) => JSON.stringify(r));
    for (const record of records) expect(record).not.toMatch(/temporaryadminrole|brokerreadonly/i);
    expectSameAsFullParse(file(records), 3);
  });

  it('reads pretty-printed files and any JSON whitespace between and inside records', () => {
    const records = [human, other, switchRole, unrelated];
    expectSameAsFullParse(JSON.stringify({ Records: records }, null, 2), 2);
    expectSameAsFullParse(JSON.stringify({ Records: records }, null, '\t').replace(/\n/g, '\r\n'), 2);
    expectSameAsFullParse(`\n { "Records" :\t[ ${records.map((r) => JSON.stringify(r).replace(/":"/g, '" : "')).join(' ,\n ')} ] } \n`, 2);
  });

  it('keeps strings holding braces, brackets, quotes and backslashes from ending a record', () => {
    const tricky = ['},{', ']}', '\\', '\\"', '"}]', '{"Records":[', '\\\\', '\\\\"},{"eventName":"AssumeRole"'];
    const records = tricky.flatMap((text, i) => [
      JSON.stringify({ ...unrelated, userAgent: text, eventID: `u-${i}` }),
      JSON.stringify({ ...withRole('arn:aws:iam::111111111111:role/TemporaryAdminRole'), userAgent: text, eventID: `w-${i}` }),
    ]);
    expectSameAsFullParse(file(records), tricky.length);
  });

  it('finds every record wherever the records fall against the scan windows, records longer than a window included', () => {
    // Records of varied lengths (some over 64 KB, with escapes near every offset) so record ends,
    // string ends and escapes land on every side of the window boundaries.
    const records: string[] = [];
    for (let i = 0; i < 400; i++) {
      const padding = '\\"}{,]'.repeat(i % 7) + 'x'.repeat((i * 977) % 3000) + (i % 5 === 0 ? '\\' : '');
      const base = i % 3 === 0 ? withRole(i % 2 ? 'arn:aws:iam::111111111111:role/TemporaryAdminRole' : 'arn:aws:iam::111111111111:role/BrokerReadOnly') : i % 3 === 1 ? other : unrelated;
      records.push(JSON.stringify({ ...base, eventID: `e-${i}`, userAgent: padding, ...(i % 50 === 7 ? { big: 'y'.repeat(150_000) } : {}) }));
    }
    const text = file(records);
    expectSameAsFullParse(text, 134);
    // ...by the scan, not by falling back to parsing the whole file.
    const parse = vi.spyOn(JSON, 'parse');
    try {
      scanTrailLogFile(Buffer.from(text), textFilter, recordFilter);
      expect(Math.max(...parse.mock.calls.map(([arg]) => String(arg).length))).toBeLessThan(200_000);
      expect(parse.mock.calls.length).toBeLessThan(records.length);
    } finally {
      parse.mockRestore();
    }
  });
});

describe('the scan counts exactly what JSON.parse sees, or refuses the file', () => {
  it('reads gzip files of several members, and refuses one whose size field is wrong', () => {
    const text = file([human, other, switchRole, unrelated].map((r) => JSON.stringify(r)));
    const half = Math.floor(text.length / 2);
    const members = Buffer.concat([gzipSync(text.slice(0, half)), gzipSync(text.slice(half))]);
    const scanned = scanTrailLogFile(members, textFilter, recordFilter);
    expect(scanned.count).toBe(4);
    expect(scanned.candidates).toEqual([human, switchRole]);
    const wrongSize = gzipSync(text);
    wrongSize.writeUInt32LE(7, wrongSize.length - 4);
    expect(() => scanTrailLogFile(wrongSize, textFilter, recordFilter)).toThrow(/not a gzip file/);
  });

  it('parses a file not laid out as CloudTrail writes it whole: non-object records, extra or repeated keys', () => {
    const watched = JSON.stringify(human);
    expectSameAsFullParse(`{"Records":["text",${watched},7,null]}`, 1);
    expectSameAsFullParse(`{"Records":[${watched}],"Other":1}`, 1);
    // JSON.parse keeps the last of repeated keys.
    expectSameAsFullParse(`{"Records":[${watched}],"Records":[]}`, 0);
    expectSameAsFullParse(`{"Records":[]}`, 0);
    expectSameAsFullParse(`{ "Records" : [ ] }`, 0);
  });

  it('refuses files that are not JSON, even when every record in them looks fine', () => {
    const watched = JSON.stringify(human);
    const broken = [`{"Records":[${watched}`, `{"Records":[${watched}]`, `{"Records":[${watched}]}x`, `{"Records":[${watched},]}`, `{"Records":[${watched}${watched}]}`, `{"Records":[,${watched}]}`];
    for (const text of broken) expect(() => scanTrailLogFile(Buffer.from(text), textFilter, recordFilter), text).toThrow(TrailLogFormatError);
    // A record the pre-filter passes is parsed, so a broken one is found out.
    expect(() => scanTrailLogFile(Buffer.from(`{"Records":[${watched.replace('"AssumeRole",', '"AssumeRole"')}]}`), textFilter, recordFilter)).toThrow(/not JSON: record 1/);
  });
});

import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { javaMajorVersion, jarWithoutManifest, zipEntries } from '../helpers/jvm-class-data';

/** A zip record of `size` bytes: each field an offset, a width in bytes and a value (little-endian). */
function record(size: number, fields: [offset: number, width: 2 | 4, value: number][]): Buffer {
  const out = Buffer.alloc(size);
  for (const [offset, width, value] of fields) {
    if (width === 4) out.writeUInt32LE(value, offset);
    else out.writeUInt16LE(value, offset);
  }
  return out;
}

/** A zip written by hand: each entry stored or deflated, a central directory, and a comment. */
function zip(entries: { name: string; data: string; deflate?: boolean }[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const raw = Buffer.from(e.data);
    const data = e.deflate ? deflateRawSync(raw) : raw;
    const method = e.deflate ? 8 : 0;
    const local = record(30, [[0, 4, 0x04034b50], [8, 2, method], [18, 4, data.length], [22, 4, raw.length], [26, 2, name.length]]);
    const central = record(46, [[0, 4, 0x02014b50], [10, 2, method], [20, 4, data.length], [24, 4, raw.length], [28, 2, name.length], [42, 4, offset]]);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = record(22, [[0, 4, 0x06054b50], [8, 2, entries.length], [10, 2, entries.length], [12, 4, cd.length], [16, 4, offset], [20, 2, Buffer.byteLength(comment)]]);
  return Buffer.concat([...locals, cd, end, Buffer.from(comment)]);
}

// 72-byte manifest lines: the class path continues on lines that start with a space.
const MANIFEST = 'Manifest-Version: 1.0\r\nMain-Class: com.example.Server\r\nClass-Path: . log4j2.xml lib/a.ja\r\n r lib/b.jar\r\nCreated-By: hand\r\n\r\n';

describe('jarWithoutManifest', () => {
  it.each([
    { label: 'deflated manifest', deflate: true },
    { label: 'stored manifest', deflate: false },
  ])('drops the manifest, keeps every other entry byte for byte, and reads the wrapped class path ($label)', ({ deflate }) => {
    const original = zip(
      [
        { name: 'META-INF/', data: '' },
        { name: 'META-INF/MANIFEST.MF', data: MANIFEST, deflate },
        { name: 'com/example/Server.class', data: '\u00ca\u00fe\u00ba\u00be server', deflate: true },
        { name: 'log4j2.xml', data: '<Configuration/>' },
      ],
      'a comment',
    );
    const { jar, classPath } = jarWithoutManifest(original);
    expect(classPath).toEqual(['.', 'log4j2.xml', 'lib/a.jar', 'lib/b.jar']);
    const before = zipEntries(original);
    const after = zipEntries(jar);
    expect([...after.keys()]).toEqual(['META-INF/', 'com/example/Server.class', 'log4j2.xml']);
    for (const [name, data] of after) expect(data.equals(before.get(name)!), name).toBe(true);
    expect(jar.subarray(-'a comment'.length).toString()).toBe('a comment');
  });

  it('refuses what it cannot rewrite: not a zip, a jar without a manifest', () => {
    expect(() => jarWithoutManifest(Buffer.from('not a zip'))).toThrow('not a zip file');
    expect(() => jarWithoutManifest(zip([{ name: 'a.class', data: 'x' }]))).toThrow('the jar has no META-INF/MANIFEST.MF');
  });
});

describe('javaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.13" 2024-10-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_422"', 8],
    ['openjdk version "11.0.25" 2024-10-15', 11],
    ['something else', undefined],
  ])('%s -> %s', (line, major) => {
    expect(javaMajorVersion(line)).toBe(major);
  });
});

import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { javaMajorVersion, jarWithoutManifest, zipEntries } from '../helpers/jvm-class-data';

/** A zip written by hand: each entry stored or deflated, a central directory, and a comment. */
function zip(entries: { name: string; data: string; deflate?: boolean }[], comment = ''): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const raw = Buffer.from(e.data);
    const data = e.deflate ? deflateRawSync(raw) : raw;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(Buffer.byteLength(comment), 20);
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

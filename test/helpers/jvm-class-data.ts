/**
 * Class-data sharing for the DynamoDB Local jar. The first run archives the classes the JVM loaded
 * (-XX:ArchiveClassesAtExit, Java 13 and newer) and later runs map that archive
 * (-XX:SharedArchiveFile) instead of loading, parsing and verifying some 5,000 classes again:
 * start-up takes about 1.7 s of CPU instead of 2.8 (1.4 s of wall time instead of 2.4).
 *
 * The JVM refuses to archive a class path that names a non-empty directory, and the jar's
 * manifest puts `.` on its class path. So the archive runs a copy of the official jar without its
 * manifest (the same classes, byte for byte), with the manifest's class path given in full.
 * An archive that does not match the JVM is ignored by it (-Xshare:auto), and the run goes on
 * without one.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { digestOfFiles } from './digest';
import { writeAtomically } from './write-atomically';

const MANIFEST = 'META-INF/MANIFEST.MF';
/** Under the jar's folder: the manifest-less jar, its class path, and the archive (about 60 MB). */
export const CLASS_DATA_DIR = 'class-data';
const CENTRAL_ENTRY = 0x02014b50;
const LOCAL_ENTRY = 0x04034b50;
const END_OF_CENTRAL_DIRECTORY = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

interface CentralEntry {
  name: string;
  /** The entry's bytes in the central directory. */
  record: Buffer;
  method: number;
  compressedSize: number;
  localOffset: number;
}

function centralDirectory(zip: Buffer): { entries: CentralEntry[]; offset: number; end: number } {
  const end = zip.lastIndexOf(END_OF_CENTRAL_DIRECTORY);
  if (end < 0) throw new Error('not a zip file: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  const offset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new Error('a zip64 archive: not supported');
  const entries: CentralEntry[] = [];
  let pos = offset;
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(pos) !== CENTRAL_ENTRY) throw new Error(`corrupt central directory at byte ${pos}`);
    const nameLength = zip.readUInt16LE(pos + 28);
    const size = 46 + nameLength + zip.readUInt16LE(pos + 30) + zip.readUInt16LE(pos + 32);
    entries.push({
      name: zip.toString('utf8', pos + 46, pos + 46 + nameLength),
      record: zip.subarray(pos, pos + size),
      method: zip.readUInt16LE(pos + 10),
      compressedSize: zip.readUInt32LE(pos + 20),
      localOffset: zip.readUInt32LE(pos + 42),
    });
    pos += size;
  }
  return { entries, offset, end };
}

/** The contents of one stored or deflated zip entry. */
function entryData(zip: Buffer, entry: CentralEntry): Buffer {
  if (zip.readUInt32LE(entry.localOffset) !== LOCAL_ENTRY) throw new Error(`corrupt local header for ${entry.name}`);
  const start = entry.localOffset + 30 + zip.readUInt16LE(entry.localOffset + 26) + zip.readUInt16LE(entry.localOffset + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`${entry.name} uses zip compression method ${entry.method}`);
}

/** Every entry of a zip (stored or deflated) by name, with its contents. */
export function zipEntries(zip: Buffer): Map<string, Buffer> {
  return new Map(centralDirectory(zip).entries.map((e) => [e.name, entryData(zip, e)]));
}

/**
 * The jar without its manifest, and the class path the manifest gave: the central directory is
 * written again without the manifest's record (every other entry's bytes stay where they were).
 */
export function jarWithoutManifest(jar: Buffer): { jar: Buffer; classPath: string[] } {
  const { entries, offset, end } = centralDirectory(jar);
  const manifest = entries.find((e) => e.name === MANIFEST);
  if (!manifest) throw new Error(`the jar has no ${MANIFEST}`);
  // Manifest lines wrap at 72 bytes: a line that starts with a space continues the one before.
  const text = entryData(jar, manifest).toString('utf8').replace(/\r\n/g, '\n').replace(/\n /g, '');
  const classPath = /^Class-Path: *(.*)$/m.exec(text)?.[1]?.split(' ').filter(Boolean) ?? [];
  const kept = entries.filter((e) => e !== manifest);
  const central = Buffer.concat(kept.map((e) => e.record));
  const tail = Buffer.from(jar.subarray(end));
  tail.writeUInt16LE(kept.length, 8);
  tail.writeUInt16LE(kept.length, 10);
  tail.writeUInt32LE(central.length, 12);
  return { jar: Buffer.concat([jar.subarray(0, offset), central, tail]), classPath };
}

/** The major version in `java -version`'s first line: 17 for "17.0.13", 8 for "1.8.0_422". */
export function javaMajorVersion(versionLine: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionLine);
  if (!m) return undefined;
  return m[1] === '1' ? Number(m[2]) : Number(m[1]);
}

export interface ClassDataSharing {
  /** What replaces `-jar DynamoDBLocal.jar` on the java command line (run with `cwd` the jar's folder). */
  args: string[];
  /** After the JVM has exited by itself: keeps the archive a first run wrote. */
  keep(): void;
  /** After the JVM was killed or failed: drops what a first run may have half written. */
  discard(): void;
}

/**
 * How to start `mainClass` of the jar in `dir` with a class-data archive, or undefined where the
 * JVM cannot make one (before Java 13) or the jar cannot be prepared, which then starts the jar
 * as usual. Class paths are relative to `dir`, so a moved checkout keeps working.
 */
export function classDataSharing(dir: string, jarName: string, mainClass: string, javaVersionLine: string): ClassDataSharing | undefined {
  const major = javaMajorVersion(javaVersionLine);
  if (major === undefined || major < 13) return undefined;
  try {
    const cache = join(dir, CLASS_DATA_DIR);
    mkdirSync(cache, { recursive: true });
    // Keyed by the jar's contents: the copy must hold the classes of the jar that is there now.
    const key = digestOfFiles([join(dir, jarName)], dir, javaVersionLine).slice(0, 16);
    const classesJar = `${CLASS_DATA_DIR}/classes-${key}.jar`;
    const classPathFile = join(cache, `classes-${key}.classpath`);
    if (!existsSync(join(dir, classesJar)) || !existsSync(classPathFile)) {
      // Whatever an earlier jar or JVM left here.
      for (const f of readdirSync(cache)) if (!f.startsWith(`classes-${key}`)) rmSync(join(cache, f), { force: true });
      const { jar, classPath } = jarWithoutManifest(readFileSync(join(dir, jarName)));
      // `.` and non-jar entries (a log4j2.xml the folder does not have) are left out: nothing in them.
      writeAtomically(join(dir, classesJar), jar);
      writeAtomically(classPathFile, [classesJar, ...classPath.filter((p) => p.endsWith('.jar'))].join('\n'));
    }
    const classPath = readFileSync(classPathFile, 'utf8').split('\n').join(':');
    // The archive records the class path files' sizes and times: a new classes jar needs a new one.
    const archive = join(cache, `classes-${key}-${Math.trunc(statSync(join(dir, classesJar)).mtimeMs)}.jsa`);
    if (existsSync(archive)) {
      return { args: [`-XX:SharedArchiveFile=${archive}`, '-cp', classPath, mainClass], keep: () => undefined, discard: () => undefined };
    }
    // What an earlier first run was killed writing, and archives of classes jars since replaced.
    for (const f of readdirSync(cache)) if (/\.jsa(\.\d+)?$/.test(f)) rmSync(join(cache, f), { force: true });
    const writing = `${archive}.${process.pid}`;
    return {
      args: [`-XX:ArchiveClassesAtExit=${writing}`, '-cp', classPath, mainClass],
      keep: () => {
        if (existsSync(writing) && statSync(writing).size > 0) renameSync(writing, archive);
        else rmSync(writing, { force: true });
      },
      discard: () => rmSync(writing, { force: true }),
    };
  } catch {
    // A read-only or damaged cache: start the jar as usual.
    return undefined;
  }
}

/**
 * The CloudFormation template `osls package` produces from serverless.yml: what `osls deploy`
 * would send. Tests check the deployed truth, not the YAML.
 *
 * Packaging takes 10-60 s, so it runs once per distinct input and is shared:
 * - the cache key is a hash of every file the template depends on (serverless.yml, infra/,
 *   config/, package.json, package-lock.json) and of BROKER_CATALOGUE_FILE; TypeScript sources
 *   only change the bundles, not the template;
 * - parallel test processes (vitest forks) take a lock (an atomic mkdir) so only one packages
 *   while the others wait for its result;
 * - packaging runs in a private copy of the repository (node_modules linked), because osls
 *   deletes `.serverless/` and serverless-esbuild `.esbuild/` in the service directory: a test
 *   run must not break, or be broken by, someone's `npm run package`.
 *
 * BROKER_REPACKAGE=1 ignores the cache.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { inflateRawSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { digestOfFiles } from './digest';

export const ROOT = resolve(import.meta.dirname, '../..');
const CACHE_DIR = join(ROOT, 'test-output', 'packaged');
const LOCK_DIR = join(CACHE_DIR, '.lock');
const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
/** A lock older than this was left by a killed process. */
const STALE_LOCK_MS = 5 * 60_000;
const PACKAGE_TIMEOUT_MS = 4 * 60_000;
/** Bump when the way the template is produced changes. */
const HELPER_VERSION = '1';

/** Files and folders whose content decides the template. */
// The bundles are built from functions/ and shared/ too: a stale zip would test old code.
const TEMPLATE_INPUTS = ['serverless.yml', 'infra', 'config', 'functions', 'shared', 'package.json', 'package-lock.json'];
/** Not copied into the packaging workspace. */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'test-output', 'bench-output', '.local-data', '.cache']);

// CloudFormation JSON is loosely typed by nature; the tests narrow what they read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface CloudFormationResource {
  Type: string;
  Properties?: Json;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CloudFormationTemplate {
  AWSTemplateFormatVersion?: string;
  Conditions?: Record<string, Json>;
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, { Value: Json; Description?: string }>;
}

export interface PackagedTemplateOptions {
  stage?: string;
  /** Extra `--param="k=v"` values (part of the cache key). */
  params?: Record<string, string>;
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => filesUnder(join(path, entry)));
}

/** Hash of the template inputs, the stage/params and the catalogue choice. */
export function templateInputsKey(options: PackagedTemplateOptions = {}): string {
  const seed = `v${HELPER_VERSION}\0${options.stage ?? 'dev'}\0${JSON.stringify(options.params ?? {})}\0BROKER_CATALOGUE_FILE=${process.env.BROKER_CATALOGUE_FILE ?? ''}`;
  return digestOfFiles(TEMPLATE_INPUTS.flatMap((p) => filesUnder(join(ROOT, p))), ROOT, seed).slice(0, 16);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tryLock(): boolean {
  mkdirSync(CACHE_DIR, { recursive: true });
  try {
    mkdirSync(LOCK_DIR);
    writeFileSync(join(LOCK_DIR, 'owner'), `${process.pid} ${new Date().toISOString()}\n`);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(LOCK_DIR).mtimeMs > STALE_LOCK_MS) rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch {
      // Released meanwhile.
    }
    return false;
  }
}

function runOsls(cwd: string, args: string[]): Promise<void> {
  const osls = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      [osls, ...args],
      { cwd, timeout: PACKAGE_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`osls ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`));
        else resolvePromise();
      },
    );
  });
}

/** Packages a private copy of the repository; returns the directory holding template and zips. */
async function packageInto(target: string, options: PackagedTemplateOptions): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'access-broker-package-'));
  try {
    for (const entry of readdirSync(ROOT)) {
      if (NOT_COPIED.has(entry)) continue;
      cpSync(join(ROOT, entry), join(workspace, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(workspace, 'node_modules'), 'dir');
    const out = join(workspace, '.package-output');
    const params = Object.entries(options.params ?? {}).map(([k, v]) => `--param=${k}=${v}`);
    await runOsls(workspace, ['package', '--stage', options.stage ?? 'dev', '--package', out, ...params]);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(resolve(target, '..'), { recursive: true });
    // Same filesystem? rename; else copy.
    try {
      renameSync(out, target);
    } catch {
      cpSync(out, target, { recursive: true });
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

const inProcess = new Map<string, Promise<string>>();

/**
 * The directory with the packaged template and the per-function zips for these inputs,
 * packaging them first if no process has yet.
 */
export function packagedDir(options: PackagedTemplateOptions = {}): Promise<string> {
  const key = templateInputsKey(options);
  let pending = inProcess.get(key);
  if (!pending) {
    pending = ensurePackaged(key, options);
    inProcess.set(key, pending);
    pending.catch(() => inProcess.delete(key));
  }
  return pending;
}

/** With BROKER_REPACKAGE=1, output older than this process does not count (one repackage per run). */
const PROCESS_STARTED_MS = Date.now() - process.uptime() * 1000;

async function ensurePackaged(key: string, options: PackagedTemplateOptions): Promise<string> {
  const dir = join(CACHE_DIR, key);
  const template = join(dir, TEMPLATE_FILE);
  const ready = () =>
    existsSync(template) && (process.env.BROKER_REPACKAGE !== '1' || statSync(template).mtimeMs >= PROCESS_STARTED_MS);
  if (ready()) return dir;
  const started = Date.now();
  for (;;) {
    if (tryLock()) {
      try {
        // Another process may have finished while we waited for the lock.
        if (!ready()) await packageInto(dir, options);
        // Keep only the newest few outputs (each is ~10 MB of zips).
        const others = readdirSync(CACHE_DIR)
          .filter((e) => e !== key && !e.startsWith('.'))
          .map((e) => ({ e, t: statSync(join(CACHE_DIR, e)).mtimeMs }))
          .sort((a, b) => b.t - a.t);
        for (const { e } of others.slice(2)) rmSync(join(CACHE_DIR, e), { recursive: true, force: true });
        return dir;
      } finally {
        rmSync(LOCK_DIR, { recursive: true, force: true });
      }
    }
    if (ready()) return dir;
    if (Date.now() - started > PACKAGE_TIMEOUT_MS + STALE_LOCK_MS) throw new Error(`Timed out waiting for the packaging lock ${LOCK_DIR}`);
    await sleep(500);
  }
}

/** The parsed packaged template (`.serverless/cloudformation-template-update-stack.json`). */
export async function packagedTemplate(options: PackagedTemplateOptions = {}): Promise<CloudFormationTemplate> {
  const dir = await packagedDir(options);
  return JSON.parse(readFileSync(join(dir, TEMPLATE_FILE), 'utf8')) as CloudFormationTemplate;
}

export default packagedTemplate;

// ---------------------------------------------------------------------------------------------
// Reading the template as CloudFormation would deploy it. Parameters are resolved by osls at
// package time, so every Condition is an expression over literals and can be evaluated here.

/** Evaluates a condition (by name or expression) over the template's literal Conditions. */
export function evaluateCondition(template: CloudFormationTemplate, condition: Json): boolean {
  if (typeof condition === 'string') {
    const expression = template.Conditions?.[condition];
    if (expression === undefined) throw new Error(`Unknown condition ${condition}`);
    return evaluateCondition(template, expression);
  }
  if (typeof condition === 'boolean') return condition;
  if (condition && typeof condition === 'object') {
    if ('Condition' in condition) return evaluateCondition(template, condition.Condition);
    if ('Fn::Not' in condition) return !evaluateCondition(template, condition['Fn::Not'][0]);
    if ('Fn::And' in condition) return (condition['Fn::And'] as Json[]).every((c) => evaluateCondition(template, c));
    if ('Fn::Or' in condition) return (condition['Fn::Or'] as Json[]).some((c) => evaluateCondition(template, c));
    if ('Fn::Equals' in condition) {
      const [a, b] = condition['Fn::Equals'] as [Json, Json];
      if (typeof a === 'object' || typeof b === 'object') throw new Error(`Fn::Equals over a non-literal: ${JSON.stringify(condition)}`);
      return String(a) === String(b);
    }
  }
  throw new Error(`Cannot evaluate condition ${JSON.stringify(condition)}`);
}

const NO_VALUE = Symbol('AWS::NoValue');

/** Applies every Fn::If (and drops AWS::NoValue) as CloudFormation would; other intrinsics stay. */
export function applyConditions(template: CloudFormationTemplate, value: Json): Json {
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== NO_VALUE);
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === 'Fn::If') {
        const [condition, whenTrue, whenFalse] = v['Fn::If'] as [string, Json, Json];
        return walk(evaluateCondition(template, condition) ? whenTrue : whenFalse);
      }
      if (keys.length === 1 && keys[0] === 'Ref' && v.Ref === 'AWS::NoValue') return NO_VALUE;
      const out: Record<string, Json> = {};
      for (const [k, x] of Object.entries(v)) {
        const w = walk(x);
        if (w !== NO_VALUE) out[k] = w;
      }
      return out;
    }
    return v;
  };
  return walk(value);
}

export interface FakeDeployment {
  accountId: string;
  region: string;
  partition: string;
  urlSuffix: string;
  stackName: string;
}

export const FAKE_DEPLOYMENT: FakeDeployment = {
  accountId: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  urlSuffix: 'amazonaws.com',
  stackName: 'access-broker-dev',
};

/**
 * Plausible values for Ref and Fn::GetAtt of each resource type, so a resolved template can be
 * fed to code that validates ARNs (the functions' config schema, asl-validator, iam-simulate).
 */
function fakeRef(template: CloudFormationTemplate, logicalId: string, d: FakeDeployment): string {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': d.accountId,
    'AWS::Region': d.region,
    'AWS::Partition': d.partition,
    'AWS::URLSuffix': d.urlSuffix,
    'AWS::StackName': d.stackName,
  };
  if (pseudo[logicalId]) return pseudo[logicalId]!;
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`Ref to unknown resource ${logicalId}`);
  const p = resource.Properties ?? {};
  const a = `${d.region}:${d.accountId}`;
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
      return `arn:${d.partition}:sns:${a}:${d.stackName}-${logicalId}`;
    case 'AWS::SQS::Queue':
      return `https://sqs.${d.region}.${d.urlSuffix}/${d.accountId}/${d.stackName}-${logicalId}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:${d.partition}:states:${a}:stateMachine:${p.StateMachineName ?? logicalId}`;
    case 'AWS::Lambda::Function':
      return typeof p.FunctionName === 'string' ? p.FunctionName : `${d.stackName}-${logicalId}`;
    case 'AWS::KMS::Key':
      return '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    case 'AWS::ApiGatewayV2::Api':
      return 'abcde12345';
    default:
      return `${d.stackName}-${logicalId}`;
  }
}

function fakeGetAtt(template: CloudFormationTemplate, logicalId: string, attribute: string, d: FakeDeployment): string {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`Fn::GetAtt of unknown resource ${logicalId}`);
  const p = resource.Properties ?? {};
  const a = `${d.region}:${d.accountId}`;
  const name = (value: Json, fallback: string): string => (typeof value === 'string' ? value : fallback);
  if (attribute === 'Arn') {
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        return `arn:${d.partition}:lambda:${a}:function:${fakeRef(template, logicalId, d)}`;
      case 'AWS::IAM::Role': {
        const roleName = name(resolveIntrinsics(template, p.RoleName ?? `${d.stackName}-${logicalId}`, d), `${d.stackName}-${logicalId}`);
        return `arn:${d.partition}:iam::${d.accountId}:role/${roleName}`;
      }
      case 'AWS::DynamoDB::Table':
        return `arn:${d.partition}:dynamodb:${a}:table/${d.stackName}-${logicalId}`;
      case 'AWS::KMS::Key':
        return `arn:${d.partition}:kms:${a}:key/${fakeRef(template, logicalId, d)}`;
      case 'AWS::SQS::Queue':
        return `arn:${d.partition}:sqs:${a}:${d.stackName}-${logicalId}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${d.partition}:logs:${a}:log-group:${name(p.LogGroupName, `${d.stackName}-${logicalId}`)}:*`;
      case 'AWS::Events::Rule':
        return `arn:${d.partition}:events:${a}:rule/${d.stackName}-${logicalId}`;
      default:
        return `arn:${d.partition}:${resource.Type.split('::')[1]!.toLowerCase()}:${a}:${logicalId}`;
    }
  }
  if (attribute === 'QueueName') return `${d.stackName}-${logicalId}`;
  // An IAM role's unique id: AROA and 17 upper-case letters or digits.
  if (attribute === 'RoleId' && resource.Type === 'AWS::IAM::Role') {
    return `AROA${logicalId.toUpperCase().replace(/[^A-Z0-9]/g, '').padEnd(17, '0').slice(0, 17)}`;
  }
  throw new Error(`No fake for Fn::GetAtt ${logicalId}.${attribute}`);
}

/**
 * Resolves Fn::If, Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::Split and Fn::Select with fake
 * values for a made-up deployment: what the value would look like once deployed.
 */
export function resolveIntrinsics(template: CloudFormationTemplate, value: Json, d: FakeDeployment = FAKE_DEPLOYMENT): Json {
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = v[key];
      switch (key) {
        case 'Ref':
          return fakeRef(template, arg, d);
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
          return fakeGetAtt(template, id, attr, d);
        }
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, Json>]) : [arg as string, {}];
          return text.replace(/\$\{([^}!]+)\}/g, (_, ref: string) => {
            if (vars[ref] !== undefined) return String(walk(vars[ref]));
            const [id, attr] = ref.split('.');
            return attr ? fakeGetAtt(template, id!, attr, d) : fakeRef(template, id!, d);
          });
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, Json[]];
          return (walk(parts) as Json[]).join(sep);
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, Json];
          return String(walk(text)).split(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, Json];
          return (walk(list) as Json[])[Number(index)];
        }
        case 'Fn::If':
          return walk(applyConditions(template, v));
        default:
          break;
      }
    }
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v as Record<string, Json>)) {
      if (x && typeof x === 'object' && Object.keys(x).length === 1 && x.Ref === 'AWS::NoValue') continue;
      if (x && typeof x === 'object' && Object.keys(x).length === 1 && 'Fn::If' in x) {
        const applied = applyConditions(template, { [k]: x });
        if (!(k in applied)) continue;
        out[k] = walk(applied[k]);
        continue;
      }
      out[k] = walk(x);
    }
    return out;
  };
  return walk(applyConditions(template, value));
}

/** The packaged zip of one function: entry names and their (inflated) contents. */
export function readZip(file: string): Map<string, Buffer> {
  const buf = readFileSync(file);
  // End of central directory: the last record with signature 0x06054b50.
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry`);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const localOffset = buf.readUInt32LE(at + 42);
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
    const localNameLength = buf.readUInt16LE(localOffset + 26);
    const localExtraLength = buf.readUInt16LE(localOffset + 28);
    const dataStart = localOffset + 30 + localNameLength + localExtraLength;
    const data = buf.subarray(dataStart, dataStart + compressedSize);
    if (!name.endsWith('/')) entries.set(name, method === 0 ? Buffer.from(data) : inflateRawSync(data));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

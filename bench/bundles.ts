/**
 * Bundle size and cold initialisation per function, next to a baseline bundle that only
 * constructs the same AWS SDK clients (the floor any handler pays).
 *
 * - Bundles are built with esbuild directly, with the options of serverless.yml
 *   `custom.esbuild` (what serverless-esbuild passes to esbuild), one per function.
 * - Cold initialisation = time to import the bundle in a fresh `node` process, measured inside
 *   that process (process start itself is excluded: it is the same for every bundle), median of
 *   N runs, in three modes:
 *     lambda             as deployed: AWS_LAMBDA_FUNCTION_NAME set, so shared/runtime/aws-deps.ts
 *                        builds the dependencies at import (config, catalogue, SDK clients), with
 *                        NODE_OPTIONS=--enable-source-maps like the functions;
 *     lambdaNoSourceMaps the same without --enable-source-maps (what the source maps cost);
 *     module             AWS_LAMBDA_FUNCTION_NAME unset: module evaluation only.
 *   The baseline runs in the same modes; `ratio` = function median / baseline median.
 *
 * Runs alone: `npx tsx bench/bundles.ts [--runs N]` prints the JSON report.
 * bench/run.ts calls `bundleBench()`.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { parse } from 'yaml';

const ROOT = resolve(import.meta.dirname, '..');
const OUT_DIR = join(ROOT, 'bench-output', 'bundles');

/** serverless-esbuild options that are not esbuild options (it strips the same list). */
const PLUGIN_ONLY_OPTIONS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

/** The clients shared/runtime/aws-deps.ts constructs: the baseline constructs exactly these. */
const BASELINE_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
const clients = [
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  new SFNClient({}),
  new SNSClient({}),
  new STSClient({}),
  new KMSClient({}),
  new SecretsManagerClient({}),
];
export const handler = async () => clients.length;
`;

export type InitMode = 'lambda' | 'lambdaNoSourceMaps' | 'module';
const MODES: InitMode[] = ['lambda', 'lambdaNoSourceMaps', 'module'];

interface ServerlessConfig {
  functions: Record<string, { handler: string }>;
  custom: { esbuild: Record<string, unknown> };
}

function readServerlessConfig(): ServerlessConfig {
  return parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as ServerlessConfig;
}

/** The esbuild options serverless-esbuild derives from `custom.esbuild`. */
export function esbuildOptionsFromServerless(config = readServerlessConfig()): BuildOptions {
  const raw = { ...config.custom.esbuild };
  const exclude = (raw['exclude'] as string[] | undefined) ?? [];
  const external = (raw['external'] as string[] | undefined) ?? [];
  const extension = (raw['outputFileExtension'] as string | undefined) ?? '.js';
  for (const key of PLUGIN_ONLY_OPTIONS) delete raw[key];
  return {
    ...(raw as BuildOptions),
    external: [...external, ...exclude],
    ...(extension !== '.js' ? { outExtension: { '.js': extension } } : {}),
  };
}

export interface BuiltBundle {
  name: string;
  /** Bytes in the minified bundle per npm package (`app` = this repository), largest first. */
  composition: Record<string, number>;
  /** Absolute path of the bundle. */
  file: string;
  /** What LAMBDA_TASK_ROOT is for it. */
  taskRoot: string;
  bytes: number;
  gzipBytes: number;
  mapBytes: number;
}

/** `node_modules/@aws-sdk/client-sts/dist-es/x.js` -> `@aws-sdk/client-sts`; own sources -> `app`. */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return 'app';
  const parts = input.slice(at + 'node_modules/'.length).split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

function composition(metafile: Metafile, file: string): Record<string, number> {
  const output = Object.entries(metafile.outputs).find(([path]) => resolve(ROOT, path) === file)?.[1];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const pkg = packageOf(input);
    totals.set(pkg, (totals.get(pkg) ?? 0) + bytesInOutput);
  }
  return Object.fromEntries([...totals.entries()].sort((a, b) => b[1] - a[1]));
}

function sizes(file: string) {
  const code = readFileSync(file);
  let mapBytes = 0;
  try {
    mapBytes = statSync(`${file}.map`).size;
  } catch {
    mapBytes = 0;
  }
  return { bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, mapBytes };
}

/** Builds every function of serverless.yml and the baseline into `outDir`. */
export async function buildBundles(outDir = OUT_DIR): Promise<{ functions: BuiltBundle[]; baseline: BuiltBundle; options: BuildOptions }> {
  const config = readServerlessConfig();
  const options = esbuildOptionsFromServerless(config);
  const extension = (options.outExtension?.['.js'] as string | undefined) ?? '.js';
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const entries = Object.entries(config.functions).map(([name, fn]) => {
    const module = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
    return { name, entry: join(ROOT, `${module}.ts`), file: join(outDir, `${module}${extension}`) };
  });
  // One build per function, as serverless-esbuild does (no shared chunks).
  const metafiles = await Promise.all(
    entries.map(async (e) => {
      const result = await build({ ...options, entryPoints: [e.entry], outdir: dirname(e.file), absWorkingDir: ROOT, logLevel: 'warning', metafile: true });
      return result.metafile;
    }),
  );
  // The functions read the catalogue relative to LAMBDA_TASK_ROOT.
  const catalogue = 'config/catalogue.example.yaml';
  mkdirSync(join(outDir, 'config'), { recursive: true });
  copyFileSync(join(ROOT, catalogue), join(outDir, catalogue));

  const baselineFile = join(outDir, 'baseline', `baseline${extension}`);
  const baselineBuild = await build({
    ...options,
    stdin: { contents: BASELINE_SOURCE, resolveDir: ROOT, sourcefile: 'baseline.ts', loader: 'ts' },
    outfile: baselineFile,
    absWorkingDir: ROOT,
    logLevel: 'warning',
    metafile: true,
  });

  return {
    options,
    functions: entries.map((e, i) => ({
      name: e.name,
      file: e.file,
      taskRoot: outDir,
      composition: composition(metafiles[i]!, e.file),
      ...sizes(e.file),
    })),
    baseline: {
      name: 'baseline',
      file: baselineFile,
      taskRoot: outDir,
      composition: composition(baselineBuild.metafile, baselineFile),
      ...sizes(baselineFile),
    },
  };
}

/** Configuration the functions need at init, with made-up but well-formed values. */
export function fakeLambdaEnvironment(functionName: string, taskRoot: string): Record<string, string> {
  const account = '123456789012';
  const region = 'us-east-1';
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: `access-broker-bench-${functionName}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    LAMBDA_TASK_ROOT: taskRoot,
    BROKER_STAGE: 'bench',
    BROKER_TABLE_NAME: 'access-broker-bench-BrokerTable',
    BROKER_CATALOGUE_FILE: 'config/catalogue.example.yaml',
    BROKER_GROUPS_CLAIM: 'groups',
    BROKER_PUBLIC_BASE_URL: `https://abcde12345.execute-api.${region}.amazonaws.com`,
    BROKER_APPROVALS_TOPIC_ARN: `arn:aws:sns:${region}:${account}:approvals`,
    BROKER_NOTIFICATIONS_TOPIC_ARN: `arn:aws:sns:${region}:${account}:notifications`,
    BROKER_ALARMS_TOPIC_ARN: `arn:aws:sns:${region}:${account}:alarms`,
    BROKER_STATE_MACHINE_ARN: `arn:aws:states:${region}:${account}:stateMachine:access-broker-bench-approval`,
    BROKER_KMS_KEY_ID: `arn:aws:kms:${region}:${account}:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
    BROKER_ISSUER_PRINCIPAL_ARNS: `arn:aws:iam::${account}:role/access-broker-bench-${region}-issuer`,
    // No credentials are needed: nothing is called at init; these keep the SDK off IMDS.
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    LOG_LEVEL: 'error',
  };
}

/** Runs in the child: imports the bundle and prints how long that took (ms) and whether `handler` exists. */
const CHILD_SCRIPT = `
const url = process.argv[1];
const t0 = process.hrtime.bigint();
const m = await import(url);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(JSON.stringify({ ms, handler: typeof m.handler }));
`;

function baseEnvironment(): Record<string, string> {
  // Only what node itself needs; nothing from the caller's AWS configuration.
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SystemRoot'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
}

/** One import of `file` in a fresh node process; resolves to milliseconds. */
export function initOnce(file: string, env: Record<string, string>, mode: InitMode): Promise<number> {
  const childEnv: Record<string, string> = { ...baseEnvironment(), ...env };
  if (mode === 'module') delete childEnv['AWS_LAMBDA_FUNCTION_NAME'];
  if (mode === 'lambda') childEnv['NODE_OPTIONS'] = '--enable-source-maps';
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--no-warnings', '-e', CHILD_SCRIPT, pathToFileURL(file).href],
      { env: childEnv, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`importing ${file} (${mode}) failed: ${stderr || error.message}`));
        try {
          const result = JSON.parse(stdout) as { ms: number; handler: string };
          if (result.handler !== 'function') return reject(new Error(`${file} exports no handler function`));
          resolvePromise(result.ms);
        } catch {
          reject(new Error(`importing ${file} (${mode}) printed ${JSON.stringify(stdout)} ${stderr}`));
        }
      },
    );
  });
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** The eight largest parts of a bundle, the rest summed. */
function top(parts: Record<string, number>): Record<string, number> {
  const entries = Object.entries(parts);
  const head = entries.slice(0, 8);
  const rest = entries.slice(8).reduce((sum, [, n]) => sum + n, 0);
  return Object.fromEntries(rest > 0 ? [...head, ['(others)', rest]] : head);
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

async function measure(bundle: BuiltBundle, runs: number): Promise<Record<InitMode, { medianMs: number; runsMs: number[] }>> {
  const env = fakeLambdaEnvironment(bundle.name, bundle.taskRoot);
  const out = {} as Record<InitMode, { medianMs: number; runsMs: number[] }>;
  for (const mode of MODES) {
    const times: number[] = [];
    // Sequential: parallel processes would compete for the CPU and blur the numbers.
    for (let i = 0; i < runs; i++) times.push(await initOnce(bundle.file, env, mode));
    out[mode] = { medianMs: round(median(times), 2), runsMs: times.map((t) => round(t, 2)) };
  }
  return out;
}

export interface BundleBenchOptions {
  /** Imports per bundle and mode (default 5). */
  runs?: number;
  /** Only these functions (default: all of serverless.yml). */
  functions?: string[];
  outDir?: string;
}

export async function bundleBench(options: BundleBenchOptions = {}): Promise<object> {
  const runs = options.runs ?? 5;
  const built = await buildBundles(options.outDir ?? OUT_DIR);
  const selected = options.functions ? built.functions.filter((f) => options.functions!.includes(f.name)) : built.functions;
  const baselineInit = await measure(built.baseline, runs);
  const functions = [];
  for (const fn of selected) {
    const init = await measure(fn, runs);
    functions.push({
      name: fn.name,
      bytes: fn.bytes,
      gzipBytes: fn.gzipBytes,
      mapBytes: fn.mapBytes,
      largestParts: top(fn.composition),
      initMs: Object.fromEntries(MODES.map((m) => [m, init[m].medianMs])),
      ratioToBaseline: Object.fromEntries(MODES.map((m) => [m, round(init[m].medianMs / baselineInit[m].medianMs, 2)])),
      runsMs: Object.fromEntries(MODES.map((m) => [m, init[m].runsMs])),
    });
  }
  return {
    what: 'Per-function bundle size and cold initialisation (import in a fresh node process, median), against a baseline bundle that only constructs the same SDK clients',
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    runs,
    esbuild: built.options,
    modes: {
      lambda: 'AWS_LAMBDA_FUNCTION_NAME set (dependencies built at import) and --enable-source-maps, as deployed',
      lambdaNoSourceMaps: 'as lambda, without --enable-source-maps',
      module: 'module evaluation only (AWS_LAMBDA_FUNCTION_NAME unset)',
    },
    baseline: {
      bytes: built.baseline.bytes,
      gzipBytes: built.baseline.gzipBytes,
      mapBytes: built.baseline.mapBytes,
      largestParts: top(built.baseline.composition),
      initMs: Object.fromEntries(MODES.map((m) => [m, baselineInit[m].medianMs])),
      runsMs: Object.fromEntries(MODES.map((m) => [m, baselineInit[m].runsMs])),
    },
    functions,
    notes: [
      'Measured with the local node and CPU, not Lambda\'s (nodejs22.x on arm64): compare ratios, not absolute times.',
      'Process start is excluded; Lambda adds its own runtime start and the download/unzip of the package.',
    ],
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : undefined;
  bundleBench(runs ? { runs } : {})
    .then((report) => process.stdout.write(`${JSON.stringify(report, null, 2)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    });
}

/**
 * Bundle size and cold initialisation per function, side by side with its floor: a bundle that
 * imports and constructs exactly the AWS SDK clients that function uses (FUNCTION_CLIENTS), the
 * least any handler of it pays, and with a hello-world bundle.
 *
 * - Bundles are built with esbuild directly, with the options of serverless.yml
 *   `custom.esbuild` (what serverless-esbuild passes to esbuild), one per function; the SDK is
 *   external, as deployed (the runtime provides it), for functions and floors alike.
 * - Cold initialisation = time to import the bundle in a fresh `node` process, measured inside
 *   that process (process start itself is excluded: it is the same for every bundle), in three
 *   modes:
 *     lambda           as deployed: AWS_LAMBDA_FUNCTION_NAME set, so the function's composition
 *                      root builds its ports at import (config, catalogue JSON, SDK clients),
 *                      with the function's NODE_OPTIONS of serverless.yml (none: see
 *                      shared/log/source-mapped-stack.ts); its floor and hello-world run with the
 *                      same NODE_OPTIONS, so the ratio compares like with like;
 *     lambdaSourceMaps the same with --enable-source-maps (what Node's own source maps would cost);
 *     module           AWS_LAMBDA_FUNCTION_NAME unset: module evaluation only.
 *   Floors run in the same modes.
 * - The limit is judged on `ratioToFloor` (lambda mode): the function's fastest run over its
 *   floor's fastest run. Other processes only ever add time to a run, so the fastest of several
 *   is the best estimate of what a bundle itself costs (the reasoning of Python's timeit and
 *   Julia's BenchmarkTools). Reported beside it, not judged: the first quartiles'
 *   (`q25RatioToFloor`) and the medians' ratio (`medianRatioToFloor`). They move less from run to
 *   run, but time other processes add to both sides pulls them towards 1, so they would flatter
 *   a function; the fastest run does not.
 * - Order: each round runs the function, its floor and hello-world twice, in the rows of a
 *   Williams square (`roundOrder`), every other cycle visiting the rows backwards: each bundle
 *   runs in each position equally often, the function and its floor follow each other as often
 *   both ways, and none runs straight after itself, so warm caches favour none of them. Rounds
 *   stop only at the end of a cycle.
 * - A/A check: hello-world's second run over its first (identical bundles, truly 1), by each
 *   estimator, once per function (`estimatorCheck`): how far an estimator strays here at the
 *   scale of a 10 ms bundle, and with its sign. `helloWorld.initMs` is the first copy's.
 * - Runs: the lambda mode, which the limit judges, samples each function for at least `runs`
 *   rounds and then until `budgetMs` of rounds or `maxRuns`, finishing the cycle (a fixed time
 *   rather than a fixed count: a round of a 10 ms bundle costs a tenth of a 300 ms one, so the
 *   short ones, where a millisecond of noise moves the ratio most, get the most rounds). The
 *   stopping rule looks at the clock and the count, never at the figures (`roundDue`). The other two modes, reported
 *   for information, run `infoRuns` rounds. Ratios are computed from the unrounded times.
 *
 * Runs alone: `npx tsx bench/bundles.ts [--runs N] [--only fnA,fnB]` prints the JSON report.
 * bench/run.ts calls `bundleBench()`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { parse } from 'yaml';
import { catalogueJson } from '../infra/catalogue-json';

const { PACKAGED_CATALOGUE_FILE } = createRequire(import.meta.url)('../infra/catalogue-deploy.cjs') as { PACKAGED_CATALOGUE_FILE: string };

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

/** The SDK clients a function's composition root imports (functions/*.ts and shared/runtime/ports/*). */
export type SdkClient = 'dynamodb' | 'sfn' | 'sns' | 'sesv2' | 'sts' | 'kms' | 'secrets' | 's3' | 'iam';

/**
 * Which SDK clients each function uses: its floor bundle imports and constructs exactly these.
 * The issuer functions import Secrets Manager (the `user` issuer's key) but build its client only
 * when BROKER_ISSUER_USER_SECRET_ARN is set; their floor constructs it anyway (a stricter floor
 * would be lower). test/unit/bundle-contents.test.ts checks each bundle against this table.
 */
export const FUNCTION_CLIENTS: Record<string, SdkClient[]> = {
  createRequest: ['dynamodb', 'sfn', 'sns'],
  listRequests: ['dynamodb'],
  getRequest: ['dynamodb'],
  getRequestHistory: ['dynamodb'],
  cancelRequest: ['dynamodb', 'sfn'],
  requestExtension: ['dynamodb', 'sesv2', 'sns', 'sfn'],
  getCatalogue: [],
  showApproval: ['dynamodb'],
  decideApproval: ['dynamodb', 'sfn'],
  decideRequest: ['dynamodb', 'sfn'],
  getCredentials: ['dynamodb', 'sts', 'kms', 'secrets', 'sfn', 'sesv2', 'sns', 'iam'],
  revokeRequest: ['dynamodb', 'sfn', 'sesv2', 'sns', 'sts', 'iam'],
  // Mail goes through SES or SNS as deployed (approvalMail): both clients are imported, one constructed.
  notifyApprovers: ['dynamodb', 'sesv2', 'sns', 'sfn'],
  issueCredentials: ['dynamodb', 'sts', 'kms', 'secrets'],
  notifyRequester: ['dynamodb', 'sesv2', 'sns'],
  settleRequest: ['dynamodb', 'sesv2', 'sns', 'sts', 'iam'],
  settleEndedExecution: ['dynamodb', 'sesv2', 'sns', 'sts', 'iam'],
  sweepStuckRequests: ['dynamodb', 'sfn', 'sesv2', 'sns', 'sts', 'iam'],
  alertOnAssumeRole: ['dynamodb', 'sns'],
  reconcileTrail: ['dynamodb', 'sns', 's3'],
  holdAccess: ['dynamodb'],
};

/** The npm packages of each client (what a bundle's metafile shows when it imports that client). */
export const CLIENT_PACKAGES: Record<SdkClient, string[]> = {
  dynamodb: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  sfn: ['@aws-sdk/client-sfn'],
  sns: ['@aws-sdk/client-sns'],
  sesv2: ['@aws-sdk/client-sesv2'],
  sts: ['@aws-sdk/client-sts'],
  kms: ['@aws-sdk/client-kms'],
  secrets: ['@aws-sdk/client-secrets-manager'],
  s3: ['@aws-sdk/client-s3'],
  iam: ['@aws-sdk/client-iam'],
};

const CLIENT_SOURCE: Record<SdkClient, { imports: string; construct: string }> = {
  dynamodb: {
    imports: "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    construct: 'DynamoDBDocumentClient.from(new DynamoDBClient({}))',
  },
  sfn: { imports: "import { SFNClient } from '@aws-sdk/client-sfn';", construct: 'new SFNClient({})' },
  sns: { imports: "import { SNSClient } from '@aws-sdk/client-sns';", construct: 'new SNSClient({})' },
  sesv2: { imports: "import { SESv2Client } from '@aws-sdk/client-sesv2';", construct: 'new SESv2Client({})' },
  sts: { imports: "import { STSClient } from '@aws-sdk/client-sts';", construct: 'new STSClient({})' },
  kms: { imports: "import { KMSClient } from '@aws-sdk/client-kms';", construct: 'new KMSClient({})' },
  secrets: { imports: "import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';", construct: 'new SecretsManagerClient({})' },
  s3: { imports: "import { S3Client } from '@aws-sdk/client-s3';", construct: 'new S3Client({})' },
  iam: { imports: "import { IAMClient } from '@aws-sdk/client-iam';", construct: "new IAMClient({ region: 'us-east-1' })" },
};

/** A function's floor: a handler that imports and constructs exactly these clients, nothing else. */
export function floorSource(clients: readonly SdkClient[]): string {
  return `${clients.map((c) => CLIENT_SOURCE[c].imports).join('\n')}
const clients = [${clients.map((c) => CLIENT_SOURCE[c].construct).join(', ')}];
export const handler = async () => clients.length;
`;
}

/** The smallest handler there is: what the runtime and the bundle format cost on their own. */
const HELLO_WORLD_SOURCE = "export const handler = async () => ({ statusCode: 200, body: 'hello' });\n";

export type InitMode = 'lambda' | 'lambdaSourceMaps' | 'module';
const MODES: InitMode[] = ['lambda', 'lambdaSourceMaps', 'module'];

interface ServerlessConfig {
  provider: { environment?: Record<string, unknown> };
  functions: Record<string, { handler: string; environment?: Record<string, unknown> }>;
  custom: { esbuild: Record<string, unknown> };
}

/** NODE_OPTIONS as deployed: the function's own environment, else the provider's. */
export function deployedNodeOptions(config: ServerlessConfig, name: string): string {
  const own = config.functions[name]?.environment?.['NODE_OPTIONS'];
  const value = own !== undefined ? own : config.provider.environment?.['NODE_OPTIONS'];
  return typeof value === 'string' ? value : '';
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

export interface BuiltFunction extends BuiltBundle {
  /** The SDK clients its composition root uses (FUNCTION_CLIENTS). */
  clients: SdkClient[];
  /** Its NODE_OPTIONS as deployed (serverless.yml), with which lambda mode imports it. */
  nodeOptions: string;
  /** The esbuild metafile of its build: which inputs (npm packages, sources) it contains. */
  metafile: Metafile;
  floor: BuiltBundle;
}

async function buildSource(options: BuildOptions, name: string, contents: string, file: string, taskRoot: string): Promise<BuiltBundle> {
  const result = await build({
    ...options,
    stdin: { contents, resolveDir: ROOT, sourcefile: `${name}.ts`, loader: 'ts' },
    outfile: file,
    absWorkingDir: ROOT,
    logLevel: 'warning',
    metafile: true,
  });
  return { name, file, taskRoot, composition: composition(result.metafile, file), ...sizes(file) };
}

/** The file extension esbuild gives a bundle under `options` (serverless.yml asks for .mjs). */
const outputExtension = (options: BuildOptions): string => (options.outExtension?.['.js'] as string | undefined) ?? '.js';

/** One function's bundle as serverless.yml builds it: the file and esbuild's metafile. */
export interface FunctionBundle {
  name: string;
  /** The serverless.yml function's SDK clients (FUNCTION_CLIENTS). */
  clients: SdkClient[];
  file: string;
  metafile: Metafile;
}

/**
 * Builds every function of serverless.yml into `outDir` with the esbuild options serverless.yml
 * gives serverless-esbuild, one build per function as it does (no shared chunks).
 */
export async function buildFunctionBundles(outDir: string, config = readServerlessConfig(), options = esbuildOptionsFromServerless(config)): Promise<FunctionBundle[]> {
  const extension = outputExtension(options);
  const entries = Object.entries(config.functions).map(([name, fn]) => {
    const module = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
    const clients = FUNCTION_CLIENTS[name];
    if (!clients) throw new Error(`bench/bundles.ts: FUNCTION_CLIENTS has no entry for function ${name}`);
    return { name, clients, entry: join(ROOT, `${module}.ts`), file: join(outDir, `${module}${extension}`) };
  });
  return Promise.all(
    entries.map(async (e) => {
      const result = await build({ ...options, entryPoints: [e.entry], outdir: dirname(e.file), absWorkingDir: ROOT, logLevel: 'warning', metafile: true });
      return { name: e.name, clients: e.clients, file: e.file, metafile: result.metafile };
    }),
  );
}

/**
 * Builds every function of serverless.yml, each function's floor (its SDK clients only) and the
 * hello-world bundle into `outDir`, and writes the catalogue JSON where the functions read it.
 */
export async function buildBundles(
  outDir = OUT_DIR,
  /** The compiled catalogue JSON to ship (default: the example catalogue, compiled). */
  catalogueText?: string,
): Promise<{ functions: BuiltFunction[]; helloWorld: BuiltBundle; options: BuildOptions }> {
  const config = readServerlessConfig();
  const options = esbuildOptionsFromServerless(config);
  const extension = outputExtension(options);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const bundles = await buildFunctionBundles(outDir, config, options);
  // The functions read the catalogue JSON relative to LAMBDA_TASK_ROOT, as packaged.
  const catalogue = join(outDir, PACKAGED_CATALOGUE_FILE);
  mkdirSync(dirname(catalogue), { recursive: true });
  writeFileSync(catalogue, catalogueText ?? catalogueJson(join(ROOT, 'config/catalogue.example.yaml')));

  const floors = new Map<string, Promise<BuiltBundle>>();
  const floorOf = (clients: SdkClient[]) => {
    const key = clients.join('+') || 'none';
    let floor = floors.get(key);
    if (!floor) {
      floor = buildSource(options, `floor-${key}`, floorSource(clients), join(outDir, 'floors', `${key}${extension}`), outDir);
      floors.set(key, floor);
    }
    return floor;
  };
  const helloWorld = await buildSource(options, 'hello-world', HELLO_WORLD_SOURCE, join(outDir, 'hello-world', `hello${extension}`), outDir);

  return {
    options,
    helloWorld,
    functions: await Promise.all(
      bundles.map(async (b) => ({
        ...b,
        taskRoot: outDir,
        nodeOptions: deployedNodeOptions(config, b.name),
        composition: composition(b.metafile, b.file),
        ...sizes(b.file),
        floor: await floorOf(b.clients),
      })),
    ),
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
    BROKER_CATALOGUE_FILE: PACKAGED_CATALOGUE_FILE,
    BROKER_GROUPS_CLAIM: 'groups',
    BROKER_PUBLIC_BASE_URL: `https://abcde12345.execute-api.${region}.amazonaws.com`,
    BROKER_APPROVALS_TOPIC_ARN: `arn:aws:sns:${region}:${account}:approvals`,
    BROKER_NOTIFICATIONS_TOPIC_ARN: `arn:aws:sns:${region}:${account}:notifications`,
    BROKER_ALARMS_TOPIC_ARN: `arn:aws:sns:${region}:${account}:alarms`,
    // The default mail delivery (SES); the approvals and notifications topics above serve approvalMail: sns.
    BROKER_MAIL_FROM: 'access-broker@example.com',
    BROKER_STATE_MACHINE_ARN: `arn:aws:states:${region}:${account}:stateMachine:access-broker-bench-approval`,
    BROKER_KMS_KEY_ID: `arn:aws:kms:${region}:${account}:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
    BROKER_ISSUER_PRINCIPAL_ARNS: `arn:aws:iam::${account}:role/access-broker-bench-${region}-issuer`,
    // nodejs24.x emits no Node-version warning; on an older local Node the SDK would build one
    // at the first client's construction, a cost the deployed functions and floors never pay.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
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

/**
 * One import of `file` in a fresh node process; resolves to milliseconds. In lambda mode with
 * `env`'s NODE_OPTIONS (as deployed), in lambdaSourceMaps mode with --enable-source-maps added,
 * in module mode with no NODE_OPTIONS.
 */
export function initOnce(file: string, env: Record<string, string>, mode: InitMode): Promise<number> {
  const childEnv: Record<string, string> = { ...baseEnvironment(), ...env };
  if (mode === 'module') delete childEnv['AWS_LAMBDA_FUNCTION_NAME'];
  const nodeOptions = mode === 'module' ? '' : mode === 'lambdaSourceMaps' ? `${env['NODE_OPTIONS'] ?? ''} --enable-source-maps`.trim() : (env['NODE_OPTIONS'] ?? '');
  if (nodeOptions) childEnv['NODE_OPTIONS'] = nodeOptions;
  else delete childEnv['NODE_OPTIONS'];
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

/** The eight largest parts of a bundle, the rest summed. */
function top(parts: Record<string, number>): Record<string, number> {
  const entries = Object.entries(parts);
  const head = entries.slice(0, 8);
  const rest = entries.slice(8).reduce((sum, [, n]) => sum + n, 0);
  return Object.fromEntries(rest > 0 ? [...head, ['(others)', rest]] : head);
}
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The `p` quantile of `values` (0 <= p <= 1), interpolating between the two nearest ranks (the
 * common definition: R's type 7, numpy's default). p = 0 is the fastest, 0.5 the median.
 */
export function quantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('quantile of no values');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile p must be within 0..1 (got ${p})`);
  const s = [...values].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return s[low]! + (s[high]! - s[low]!) * (at - low);
}

/** The three ways the bench compares two sets of runs; the limit is judged on `fastest`. */
export const ESTIMATORS = { fastest: 0, q25: 0.25, median: 0.5 } as const;
export type Estimator = keyof typeof ESTIMATORS;

/** `a` over `b` by each estimator, unrounded. */
export function ratios(a: readonly number[], b: readonly number[]): Record<Estimator, number> {
  return Object.fromEntries(Object.entries(ESTIMATORS).map(([name, p]) => [name, quantile(a, p) / quantile(b, p)])) as Record<Estimator, number>;
}

/**
 * Whether a function is within the limits: its bundle at most `LIMITS.bytes`, and its fastest
 * run at most `LIMITS.ratio` times its floor's, compared unrounded (1.2515 is over 1.25).
 */
export function judge(bytes: number, initRunsMs: readonly number[], floorRunsMs: readonly number[]): boolean {
  return bytes <= LIMITS.bytes && ratios(initRunsMs, floorRunsMs).fastest <= LIMITS.ratio;
}

/** Unrounded runs, per mode. */
type Timings = Record<InitMode, number[]>;

/** How many interleaved rounds a mode gets: at least `minRuns`, then until `budgetMs` have passed or `maxRuns`. */
export interface Sampling {
  minRuns: number;
  maxRuns: number;
  budgetMs: number;
}

/** Whether another round is due; it reads the clock and the count, never the measured figures. */
export const anotherRound = (sampling: Sampling, done: number, elapsedMs: number): boolean =>
  done < sampling.minRuns || (done < sampling.maxRuns && elapsedMs < sampling.budgetMs);

/**
 * The order of round `round`'s runs over `bundles` bundles: a row of a Williams square (0 1 n-1 2
 * n-2 ..., then each row shifted by one; for an odd count, every row also reversed). Over
 * `cycleLength(bundles)` rounds each bundle takes each position equally often and, within the
 * rounds, follows each other bundle equally often. Runs go on back to back across rounds, so
 * every other cycle visits its rows in the opposite order (0, then the last row back to 1): the
 * pairs that meet where one round ends and the next begins then differ from cycle to cycle, and
 * with an even count of four or more no bundle runs straight after itself. A fixed order would
 * lend the warm caches of a run straight after another to the same bundle every round.
 */
export function roundOrder(bundles: number, round: number): number[] {
  const rows = cycleLength(bundles);
  const inCycle = round % rows;
  const rowIndex = Math.floor(round / rows) % 2 === 0 ? inCycle : (rows - inCycle) % rows;
  const row = [0];
  for (let low = 1, high = bundles - 1; row.length < bundles; ) row.push(row.length % 2 === 1 ? low++ : high--);
  const shifted = row.map((b) => (b + rowIndex) % bundles);
  return bundles % 2 === 1 && rowIndex >= bundles ? shifted.reverse() : shifted;
}

/** Rounds in a full cycle of `roundOrder`. */
export const cycleLength = (bundles: number): number => (bundles % 2 === 0 ? bundles : 2 * bundles);

/** Whether another round is due: a cycle is always finished; then `anotherRound` decides. */
export const roundDue = (sampling: Sampling, done: number, elapsedMs: number, cycle: number): boolean =>
  done % cycle !== 0 || anotherRound(sampling, done, elapsedMs);

/**
 * Init times of several bundles, their runs interleaved (in `roundOrder`) so that load from
 * other processes on the machine drifts over all of them alike instead of over one.
 */
async function measureInterleaved(bundles: BuiltBundle[], sampling: Record<InitMode, Sampling>, nodeOptions: string): Promise<Timings[]> {
  const out = bundles.map(() => ({}) as Timings);
  const cycle = cycleLength(bundles.length);
  for (const mode of MODES) {
    const times = bundles.map(() => [] as number[]);
    const started = performance.now();
    // Sequential: parallel processes would compete for the CPU and blur the numbers.
    for (let i = 0; roundDue(sampling[mode], i, performance.now() - started, cycle); i++) {
      for (const b of roundOrder(bundles.length, i)) {
        const bundle = bundles[b]!;
        times[b]!.push(await initOnce(bundle.file, { ...fakeLambdaEnvironment(bundle.name, bundle.taskRoot), NODE_OPTIONS: nodeOptions }, mode));
      }
    }
    for (const [b] of bundles.entries()) out[b]![mode] = times[b]!;
  }
  return out;
}

export interface BundleBenchOptions {
  /** Least rounds per function in lambda mode (default 44, eleven cycles of the round order). */
  runs?: number;
  /** Lambda mode samples a function until this much time has passed, after `runs` (default 40 s). */
  budgetMs?: number;
  /** Most rounds per function in lambda mode (default 201). */
  maxRuns?: number;
  /** Rounds in each of the other modes, reported for information (default 4, one cycle). */
  infoRuns?: number;
  /** Only these functions (default: all of serverless.yml). */
  functions?: string[];
  outDir?: string;
  /** The compiled catalogue JSON the functions load (default: the example catalogue). */
  catalogueText?: string;
}

/** Largest bundle allowed (minified bytes) and largest init time allowed relative to the floor. */
export const LIMITS = { bytes: 300 * 1024, ratio: 1.25 };

export async function bundleBench(options: BundleBenchOptions = {}): Promise<object> {
  const minRuns = options.runs ?? 44;
  const lambda: Sampling = { minRuns, maxRuns: Math.max(options.maxRuns ?? 201, minRuns), budgetMs: options.budgetMs ?? 40_000 };
  const info: Sampling = { minRuns: options.infoRuns ?? 4, maxRuns: options.infoRuns ?? 4, budgetMs: 0 };
  const sampling: Record<InitMode, Sampling> = { lambda, lambdaSourceMaps: info, module: info };
  const built = await buildBundles(options.outDir ?? OUT_DIR, options.catalogueText);
  const selected = options.functions ? built.functions.filter((f) => options.functions!.includes(f.name)) : built.functions;
  const known = built.functions.map((f) => f.name);
  const unknown = (options.functions ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0 || selected.length === 0) {
    throw new Error(`functions: ${unknown.length > 0 ? `not in serverless.yml: ${unknown.join(', ')}` : 'none selected'} (serverless.yml has ${known.join(', ')})`);
  }
  const helloRuns: number[] = [];
  // A/A: hello-world's second run of each round over its first, per function, by each estimator.
  const aaRatios: Record<Estimator, number>[] = [];
  const functions = [];
  const ms = (runs: number[], e: Estimator) => round(quantile(runs, ESTIMATORS[e]), 2);
  for (const fn of selected) {
    // The function, its floor and hello-world twice (the A/A check), round by round.
    const [init, floor, hello, helloAgain] = (await measureInterleaved([fn, fn.floor, built.helloWorld, built.helloWorld], sampling, fn.nodeOptions)) as [Timings, Timings, Timings, Timings];
    helloRuns.push(...hello.lambda);
    aaRatios.push(ratios(helloAgain.lambda, hello.lambda));
    const byMode = Object.fromEntries(MODES.map((m) => [m, ratios(init[m], floor[m])])) as Record<InitMode, Record<Estimator, number>>;
    const figures = (m: InitMode) => ({
      initMs: ms(init[m], 'fastest'),
      floorInitMs: ms(floor[m], 'fastest'),
      ratioToFloor: round(byMode[m].fastest, 3),
      q25InitMs: ms(init[m], 'q25'),
      q25FloorInitMs: ms(floor[m], 'q25'),
      q25RatioToFloor: round(byMode[m].q25, 3),
      medianInitMs: ms(init[m], 'median'),
      medianFloorInitMs: ms(floor[m], 'median'),
      medianRatioToFloor: round(byMode[m].median, 3),
    });
    functions.push({
      name: fn.name,
      clients: fn.clients,
      nodeOptions: fn.nodeOptions,
      bytes: fn.bytes,
      floorBytes: fn.floor.bytes,
      gzipBytes: fn.gzipBytes,
      ...figures('lambda'),
      helloWorldInitMs: ms(hello.lambda, 'fastest'),
      runs: init.lambda.length,
      // Judged on the unrounded times; the figures above are rounded for reading.
      withinLimits: judge(fn.bytes, init.lambda, floor.lambda),
      byMode: Object.fromEntries(MODES.map((m) => [m, { ...figures(m), runsMs: init[m].map((t) => round(t, 2)), floorRunsMs: floor[m].map((t) => round(t, 2)) }])),
      mapBytes: fn.mapBytes,
      largestParts: top(fn.composition),
    });
  }
  return {
    what: 'Per function, side by side: minified bundle size, and cold initialisation (import in a fresh node process; fastest run, first quartile and median of the runs) against its floor (a bundle that imports and constructs exactly the SDK clients that function uses) and hello-world',
    limits: { maxBytes: LIMITS.bytes, maxRatioToFloor: LIMITS.ratio, ratioMode: 'lambda', ratio: 'ratioToFloor: fastest run over the floor\'s fastest run, unrounded' },
    allWithinLimits: functions.every((f) => f.withinLimits),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    sampling,
    esbuild: built.options,
    modes: {
      lambda: "AWS_LAMBDA_FUNCTION_NAME set (the composition root builds the ports at import) and the function's NODE_OPTIONS as deployed (none unless serverless.yml gives it its own), for the floors too",
      lambdaSourceMaps: 'as lambda, with --enable-source-maps added (what Node\'s own source maps would cost at every cold start)',
      module: 'module evaluation only (AWS_LAMBDA_FUNCTION_NAME unset: ports built on the first call)',
    },
    helloWorld: { bytes: built.helloWorld.bytes, initMs: ms(helloRuns, 'fastest'), q25InitMs: ms(helloRuns, 'q25') },
    estimatorCheck: estimatorCheck(aaRatios),
    functions,
    notes: [
      "Measured with the local node and CPU, not Lambda's (nodejs24.x on arm64): compare ratios, not absolute times.",
      'Process start is excluded; Lambda adds its own runtime start and the download/unzip of the package.',
      'The AWS SDK is external, as deployed (nodejs24.x provides it): function and floor load the same SDK packages from node_modules, so the ratio compares what each bundle adds.',
    ],
  };
}

/**
 * How far each estimator strays on an A/A comparison (hello-world against itself, truly 1), over
 * every function's rounds: the median A/A ratio (its sign shows a bias), the largest distance
 * from 1, and the ratios themselves.
 */
export function estimatorCheck(aa: readonly Record<Estimator, number>[]): { what: string } & Record<Estimator, { medianRatio: number; largestDeviation: number; ratios: number[] }> {
  if (aa.length === 0) throw new RangeError('estimatorCheck of no A/A comparisons');
  return {
    what: "hello-world's second run of each round over its first (identical bundles: the true ratio is 1), once per function, by each estimator; at the scale of a 10 ms bundle",
    ...(Object.fromEntries(
      (Object.keys(ESTIMATORS) as Estimator[]).map((e) => {
        const values = aa.map((r) => r[e]);
        return [e, { medianRatio: round(quantile(values, 0.5), 3), largestDeviation: round(Math.max(...values.map((r) => Math.abs(r - 1))), 3), ratios: values.map((r) => round(r, 3)) }];
      }),
    ) as Record<Estimator, { medianRatio: number; largestDeviation: number; ratios: number[] }>),
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : undefined;
  const only = process.argv.indexOf('--only');
  const functions = only > 0 ? process.argv[only + 1]!.split(',') : undefined;
  bundleBench({ ...(runs ? { runs } : {}), ...(functions ? { functions } : {}) })
    .then((report) => process.stdout.write(`${JSON.stringify(report, null, 2)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    });
}

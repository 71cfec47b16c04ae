/**
 * Regenerates test/fixtures/aws-models/*.json: AWS's published API models (the JSON service
 * models botocore ships, the same format as the aws-sdk v2 "normal" models), cut down to the
 * operations the broker's adapters call, with every input shape they reach and every error they
 * list, documentation removed.
 *
 * Why not aws-sdk v2's apis/*.min.json: the minified models drop min, max, pattern, enum and the
 * operations' error lists, so a validator run on them checks required members and types only.
 *
 *   npx tsx scripts/aws-models.ts [path/to/botocore/data]
 *
 * Without an argument it asks `python3 -c 'import botocore'` where botocore is installed
 * (`pip install botocore` or `apt-get install python3-botocore` provide it). Add an operation to
 * OPERATIONS when an adapter starts calling it; test/helpers/aws-model.ts refuses operations
 * that are not in the fixtures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Model file name -> botocore folder and the operations the adapters (and local mode's table setup) call. */
export const OPERATIONS: Record<string, { botocore: string; operations: string[] }> = {
  sts: { botocore: 'sts/2011-06-15', operations: ['AssumeRole'] },
  sns: { botocore: 'sns/2010-03-31', operations: ['Publish'] },
  sesv2: { botocore: 'sesv2/2019-09-27', operations: ['SendEmail'] },
  sfn: { botocore: 'stepfunctions/2016-11-23', operations: ['StartExecution', 'SendTaskSuccess', 'SendTaskFailure', 'DescribeExecution'] },
  kms: { botocore: 'kms/2014-11-01', operations: ['GenerateDataKey', 'Decrypt'] },
  dynamodb: {
    botocore: 'dynamodb/2012-08-10',
    operations: ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query', 'CreateTable', 'DescribeTable'],
  },
  secretsmanager: { botocore: 'secretsmanager/2017-10-17', operations: ['GetSecretValue'] },
  iam: { botocore: 'iam/2010-05-08', operations: ['ListRolePolicies', 'GetRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy'] },
  // Not called by an adapter: Step Functions invokes the broker's functions, and the workflow's
  // Retry rules name Invoke's errors (shared/workflow/errors.ts LAMBDA_SERVICE_ERRORS).
  lambda: { botocore: 'lambda/2015-03-31', operations: ['Invoke'] },
};

type Shape = Record<string, unknown> & {
  type?: string;
  members?: Record<string, { shape: string } & Record<string, unknown>>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
};
interface ServiceModel {
  version?: string;
  metadata: Record<string, unknown>;
  operations: Record<string, Record<string, unknown> & { input?: { shape: string }; errors?: { shape: string }[] }>;
  shapes: Record<string, Shape>;
}

function botocoreData(): { dir: string; version: string } {
  const arg = process.argv[2];
  const script = 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data")); print(botocore.__version__)';
  if (arg) return { dir: arg, version: 'unknown (path given)' };
  const [dir, version] = execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split('\n');
  return { dir: dir!, version: version! };
}

function readModel(dir: string, folder: string): ServiceModel {
  const gz = join(dir, folder, 'service-2.json.gz');
  const raw = existsSync(gz) ? gunzipSync(readFileSync(gz)).toString('utf8') : readFileSync(join(dir, folder, 'service-2.json'), 'utf8');
  return JSON.parse(raw) as ServiceModel;
}

/** Drops documentation and other prose, keeping every constraint. */
function strip<T>(value: T): T {
  if (Array.isArray(value)) return value.map(strip) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'documentation' || k === 'documentationUrl' || k === 'deprecatedMessage') continue;
      out[k] = strip(v);
    }
    return out as T;
  }
  return value;
}

function reduce(model: ServiceModel, operations: string[]): ServiceModel {
  const shapes: Record<string, Shape> = {};
  const visit = (name: string) => {
    if (shapes[name]) return;
    const shape = model.shapes[name];
    if (!shape) throw new Error(`shape ${name} missing`);
    shapes[name] = strip(shape);
    for (const ref of [...Object.values(shape.members ?? {}), shape.member, shape.key, shape.value]) if (ref) visit(ref.shape);
  };
  const ops: ServiceModel['operations'] = {};
  for (const name of operations) {
    const op = model.operations[name];
    if (!op) throw new Error(`operation ${name} missing`);
    const { name: opName, http, input, errors } = op;
    ops[name] = { name: opName, http, ...(input ? { input } : {}), errors: errors ?? [] };
    if (input) visit(input.shape);
    // Error shapes: keep their names and wire codes, not their members.
    for (const e of errors ?? []) {
      const s = model.shapes[e.shape]!;
      shapes[e.shape] = { type: 'structure', members: {}, exception: true, ...(s.fault ? { fault: true } : {}), ...(s.error ? { error: s.error } : {}) };
    }
  }
  return { version: model.version ?? '2.0', metadata: strip(model.metadata), operations: ops, shapes };
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'aws-models');
mkdirSync(out, { recursive: true });
const { dir, version } = botocoreData();
for (const [file, { botocore, operations }] of Object.entries(OPERATIONS)) {
  const reduced = reduce(readModel(dir, botocore), operations);
  const body = { source: `botocore ${version}, data/${botocore}/service-2.json (Apache-2.0), reduced by scripts/aws-models.ts`, ...reduced };
  writeFileSync(join(out, `${file}.json`), `${JSON.stringify(body, null, 1)}\n`);
  console.log(`${file}.json: ${operations.length} operations, ${Object.keys(reduced.shapes).length} shapes`);
}

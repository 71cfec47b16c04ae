/**
 * The packaged bundles start the way Lambda starts them: each zip, unpacked as LAMBDA_TASK_ROOT,
 * is imported by node (unpacked inside the repository, so the AWS SDK the nodejs24.x runtime
 * provides resolves from node_modules) with the configuration the template gives it (fake ARNs),
 * and builds its dependencies (config, catalogue, SDK clients) without error. getCatalogue,
 * which calls no AWS API, also answers a request from its packaged catalogue.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initOnce } from '../../bench/bundles';
import { httpApiEvent } from '../helpers/http-api-event';
import { packagedDir, packagedTemplate, readZip, resolveIntrinsics, ROOT, type CloudFormationTemplate } from '../helpers/packaged-template';

let template: CloudFormationTemplate;
let zips: string;
let unpacked: string;

const functionIds = () =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id]) => id);
const keyOf = (id: string) => {
  const n = id.replace(/LambdaFunction$/, '');
  return `${n.charAt(0).toLowerCase()}${n.slice(1)}`;
};

function unpack(fn: string): string {
  const root = join(unpacked, fn);
  for (const [name, data] of readZip(join(zips, `${fn}.zip`))) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), data);
  }
  return root;
}

/** The function's environment as deployed (fake ARNs), plus what Lambda itself sets. */
function lambdaEnv(id: string, taskRoot: string): Record<string, string> {
  const fn = template.Resources[id]!.Properties;
  return {
    ...(resolveIntrinsics(template, fn.Environment.Variables) as Record<string, string>),
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: fn.FunctionName,
    LAMBDA_TASK_ROOT: taskRoot,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    LOG_LEVEL: 'error',
  };
}

beforeAll(async () => {
  template = await packagedTemplate();
  zips = await packagedDir();
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  unpacked = mkdtempSync(join(ROOT, 'test-output', 'bundles-'));
}, 300_000);

afterAll(() => rmSync(unpacked, { recursive: true, force: true }));

describe('packaged bundles', () => {
  it('each initialise with its deployed configuration (dependencies built at import)', async () => {
    // One fresh node process imports every bundle in turn, each under its own function's
    // environment (process.env replaced before each import): a process per bundle would load the
    // AWS SDK 21 times over for the same answer (about 8 s of CPU). Every bundle is self-contained
    // (the SDK excepted, as in Lambda), so no import can lean on another's. The cold-start cost per
    // function, in fresh processes, is the `bundles` section of `npm run bench`.
    const bundles = functionIds().map((id) => {
      const root = unpack(keyOf(id));
      const handler = template.Resources[id]!.Properties.Handler as string;
      return { name: keyOf(id), url: pathToFileURL(join(root, `${handler.replace(/\.handler$/, '')}.mjs`)).href, env: lambdaEnv(id, root) };
    });
    expect(bundles.length).toBeGreaterThanOrEqual(21);
    const script = `
      const bundles = JSON.parse(process.argv[1]);
      const results = {};
      for (const b of bundles) {
        for (const key of Object.keys(process.env)) delete process.env[key];
        Object.assign(process.env, b.env);
        try {
          const m = await import(b.url);
          results[b.name] = typeof m.handler;
        } catch (e) {
          results[b.name] = 'failed: ' + (e && e.message);
        }
      }
      process.stdout.write(JSON.stringify(results));`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '--no-warnings', '-e', script, JSON.stringify(bundles)], { env: { PATH: process.env.PATH ?? '' }, timeout: 120_000, maxBuffer: 4 * 1024 * 1024 }, (error, out, err) =>
        error ? reject(new Error(err || error.message)) : resolve(out),
      ),
    );
    expect(JSON.parse(stdout)).toEqual(Object.fromEntries(bundles.map((b) => [b.name, 'function'])));
  }, 120_000);

  it('fail the cold start naming the variable when the configuration is wrong', async () => {
    const id = 'GetRequestLambdaFunction';
    const root = unpack('getRequest');
    const env = { ...lambdaEnv(id, root), BROKER_STATE_MACHINE_ARN: 'not-an-arn' };
    await expect(initOnce(join(root, 'functions/get-request.mjs'), env, 'lambda')).rejects.toThrow(/BROKER_STATE_MACHINE_ARN/);
  }, 60_000);

  it('getCatalogue (no zod) fails its cold start naming the variable or the catalogue file, too', async () => {
    const id = 'GetCatalogueLambdaFunction';
    const root = unpack('getCatalogue');
    const file = join(root, 'functions/get-catalogue.mjs');
    await expect(initOnce(file, { ...lambdaEnv(id, root), BROKER_REQUIRE_EMAIL_VERIFIED: 'yes' }, 'lambda')).rejects.toThrow(/BROKER_REQUIRE_EMAIL_VERIFIED: must be true or false/);
    writeFileSync(join(root, 'build/stale.json'), JSON.stringify({ compiledCatalogue: 0, targets: [] }));
    await expect(initOnce(file, { ...lambdaEnv(id, root), BROKER_CATALOGUE_FILE: 'build/stale.json' }, 'lambda')).rejects.toThrow(/build\/stale\.json[\s\S]*format 0, expected 2/);
  }, 60_000);

  it('getCatalogue answers from the catalogue packaged with it', async () => {
    const id = 'GetCatalogueLambdaFunction';
    const root = unpack('getCatalogue');
    const env = lambdaEnv(id, root);
    const event = httpApiEvent({
      routeKey: 'GET /catalogue',
      path: '/catalogue',
      claims: { sub: 'u-1', email: 'alice@example.com', email_verified: 'true', groups: '[engineers]' },
      requestId: 'req-1',
    });
    const script = `
      const m = await import(process.argv[1]);
      const res = await m.handler(JSON.parse(process.argv[2]), { awsRequestId: 'ctx-1', functionName: 'getCatalogue', getRemainingTimeInMillis: () => 5000 });
      process.stdout.write(JSON.stringify(res));`;
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ['--input-type=module', '--no-warnings', '-e', script, pathToFileURL(join(root, 'functions/get-catalogue.mjs')).href, JSON.stringify(event)],
        { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
        (error, out, err) => (error ? reject(new Error(err || error.message)) : resolve(out)),
      ),
    );
    const response = JSON.parse(stdout) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body) as { targets: { id: string }[]; services: { key: string }[] };
    expect(body.targets.map((t) => t.id).sort()).toEqual(['prod-readonly', 'sandbox-readonly', 'team-readonly']);
    // The built-in and the custom services of the compiled catalogue reached the deployed function.
    expect(body.services.map((s) => s.key)).toEqual(expect.arrayContaining(['ec2', 'cloudwatch', 's3-data-read']));
  }, 60_000);
});

/**
 * A catalogue for a large organisation: 200 accounts x 5 account-set targets (1,000 roles) and
 * 60 services (the 13 built-in ones and 47 custom ones), generated here. Figures:
 *
 * - package: YAML parse + the full validation (zod schema, IAM's list of actions), what
 *   `npm run package` and local mode pay; and what validating with zod alone at each cold start
 *   would cost (the functions no longer do it);
 * - load: what a function pays at cold start for the compiled JSON (JSON.parse, the structural
 *   check of shared/catalogue/compiled.ts and the session-policy sizes of
 *   shared/catalogue/policy-size.ts), in process; and getCatalogue's (JSON.parse and the shape
 *   check, readCompiledCatalogueShape of shared/catalogue/listing.ts);
 * - getCatalogue cold init with this catalogue and with the example one, against its floor
 *   (bench/bundles.ts, same method as the `bundles` section);
 * - GET /catalogue: the use case and the JSON body for a caller of every group (per request);
 * - the EventBridge patterns generated for 1,000 watched roles (size, and which form fits) and the
 *   issuer's assume-target-roles policy (size, and which form fits).
 *
 *   npx tsx bench/catalogue-scale.ts [--runs N]
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { compileCatalogue, readCompiledCatalogue } from '../shared/catalogue/compiled';
import { readCompiledCatalogueShape } from '../shared/catalogue/listing';
import { parseCatalogue } from '../shared/catalogue/load';
import { sessionPolicyIssues } from '../shared/catalogue/policy-size';
import { validateCatalogue } from '../shared/catalogue/schema';
import { catalogueFor } from '../shared/usecases/catalogue-view';
import { catalogueJson } from '../infra/catalogue-json';
import { createHandler as getCatalogueHandler } from '../functions/get-catalogue';
import { claimsAsApiGatewayGivesThem } from '../local/jwt';
import { httpApiEvent } from '../test/helpers/http-api-event';
import { createLogger } from '../shared/log/logger';
import { bundleBench } from './bundles';

const require = createRequire(import.meta.url);
const alertRules = require('../infra/alert-rules.cjs') as {
  buildAlertRules(catalogue: unknown, options: { source: string; maxPatternChars?: number }): { watchedRoleArns: string[]; rules: { name: string; matchBy: string; pattern: unknown }[] };
  DEFAULT_MAX_PATTERN_CHARS: number;
};
const catalogueFile = require('../infra/catalogue-file.cjs') as { targetRoleArnsOf(target: unknown, catalogue: unknown): string[] };
const catalogueDeploy = require('../infra/catalogue-deploy.cjs') as { assumeTargetRoleStatementsFor(roleArns: string[]): { Condition?: unknown }[] };

const ACCOUNTS = 200;
const TARGETS = 5;
const CUSTOM_SERVICES = 47;

/** Real read actions per IAM prefix (checked against IAM's list when the catalogue loads). */
const FAMILIES: { prefix: string; actions: string[]; resource?: (i: number) => string[]; console: string }[] = [
  { prefix: 's3', actions: ['s3:GetObject', 's3:ListBucket'], resource: (i) => [`arn:aws:s3:::team-${i}-\${account}`, `arn:aws:s3:::team-${i}-\${account}/*`], console: '/s3/buckets' },
  { prefix: 'logs', actions: ['logs:Describe*', 'logs:Get*', 'logs:FilterLogEvents'], resource: (i) => [`arn:aws:logs:\${region}:\${account}:log-group:/team-${i}/*`], console: '/cloudwatch/home#logsV2:log-groups' },
  { prefix: 'ecs', actions: ['ecs:Describe*', 'ecs:List*'], console: '/ecs/v2/clusters' },
  { prefix: 'lambda', actions: ['lambda:Get*', 'lambda:List*'], console: '/lambda/home' },
  { prefix: 'dynamodb', actions: ['dynamodb:Describe*', 'dynamodb:GetItem', 'dynamodb:Query'], resource: (i) => [`arn:aws:dynamodb:\${region}:\${account}:table/team-${i}-*`], console: '/dynamodbv2/home' },
  { prefix: 'sqs', actions: ['sqs:GetQueueAttributes', 'sqs:ListQueues'], console: '/sqs/v3/home' },
  { prefix: 'sns', actions: ['sns:Get*', 'sns:List*'], console: '/sns/v3/home' },
  { prefix: 'ssm', actions: ['ssm:GetParameter', 'ssm:DescribeParameters'], resource: (i) => [`arn:aws:ssm:\${region}:\${account}:parameter/team-${i}/*`], console: '/systems-manager/parameters' },
  { prefix: 'kinesis', actions: ['kinesis:Describe*', 'kinesis:List*'], console: '/kinesis/home' },
  { prefix: 'states', actions: ['states:Describe*', 'states:List*'], console: '/states/home' },
];

/** The generated catalogue, as the file's data (what YAML parses to). */
export function largeCatalogueData() {
  const services: Record<string, unknown> = {};
  for (let i = 0; i < CUSTOM_SERVICES; i++) {
    const family = FAMILIES[i % FAMILIES.length]!;
    services[`${family.prefix}-team-${i}`] = {
      name: `${family.prefix} for team ${i}`,
      actions: family.actions,
      ...(family.resource ? { resources: family.resource(i) } : {}),
      console: family.console,
    };
  }
  const customKeys = Object.keys(services);
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => String(300000000000 + i * 1001));
  const targets = Array.from({ length: TARGETS }, (_, k) => ({
    id: `team-${k}-readonly`,
    accounts: 'organisation',
    roleArn: `arn:aws:iam::\${account}:role/Team${k}ReadOnly`,
    maxDuration: '4h',
    services: ['ec2', 'cloudwatch', 'databases', ...customKeys.filter((_, i) => i % TARGETS === k).slice(0, 9)],
    requesterGroups: [`team-${k}`, 'engineers'],
    approvers: { emails: [`lead-${k}@example.com`, 'security@example.com'] },
  }));
  return {
    version: 1,
    services,
    accountSets: { organisation: accounts },
    watchedRoles: [{ roleArn: 'arn:aws:iam::300000000000:role/BreakGlassAdmin' }],
    targets,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
function timed<T>(runs: number, fn: () => T): { medianMs: number; result: T } {
  let result!: T;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = fn();
    times.push(performance.now() - t0);
  }
  return { medianMs: round(median(times)), result };
}

export async function catalogueScaleBench(options: { runs?: number } = {}) {
  const runs = options.runs ?? 7;
  const data = largeCatalogueData();
  const yamlText = stringify(data);
  const packaged = timed(5, () => parseCatalogue(yamlText, 'large.yaml'));
  const catalogue = packaged.result;
  const zodOnly = timed(5, () => validateCatalogue(data));
  if (!zodOnly.result.success) throw new Error(zodOnly.result.issues.join('\n'));
  const compiledText = JSON.stringify(compileCatalogue(catalogue));
  const shape = timed(21, () => readCompiledCatalogueShape(JSON.parse(compiledText)));
  if ('issues' in shape.result) throw new Error(shape.result.issues.join('\n'));
  const load = timed(21, () => {
    const read = readCompiledCatalogue(JSON.parse(compiledText));
    return 'issues' in read ? read.issues : sessionPolicyIssues(read.catalogue);
  });
  if (load.result.length > 0) throw new Error(load.result.join('\n'));

  const everyone = { sub: 'ops', email: 'ops@example.com', groups: ['engineers'] };
  const oneTeam = { sub: 'dev', email: 'dev@example.com', groups: ['team-3'] };
  const view = (caller: typeof everyone) => JSON.stringify(catalogueFor({ catalogue }, caller));
  const viewAll = timed(201, () => view(everyone));
  const viewOne = timed(201, () => view(oneTeam));

  // Through the deployed handler (the lean edge: the caller from the authorizer's claims, the use
  // case, the response), as API Gateway invokes it; logs dropped.
  const handler = getCatalogueHandler({
    catalogue,
    settings: { groupsClaim: 'groups', requireVerifiedEmail: true },
    logger: createLogger({ level: 'error', write: () => undefined }),
  });
  const eventFor = (groups: string[]) =>
    httpApiEvent({ routeKey: 'GET /catalogue', path: '/catalogue', claims: claimsAsApiGatewayGivesThem({ sub: 'ops', email: 'ops@example.com', email_verified: true, groups }), requestId: 'bench' });
  const context = { awsRequestId: 'bench', functionName: 'getCatalogue' };
  const invokeTimes = async (groups: string[], runs: number) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const res = (await handler(eventFor(groups) as never, context as never)) as { statusCode: number };
      times.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`GET /catalogue answered ${res.statusCode}`);
    }
    return round(median(times));
  };
  const handlerEvery = await invokeTimes(['engineers'], 201);
  const handlerOne = await invokeTimes(['team-3'], 201);

  const rules = alertRules.buildAlertRules(data, { source: 'large catalogue' });
  const issuerResources = [...new Set(data.targets.flatMap((t) => catalogueFile.targetRoleArnsOf(t, data)))].sort();
  const issuerStatements = catalogueDeploy.assumeTargetRoleStatementsFor(issuerResources);

  type InitReport = { functions: { q25InitMs: number; q25FloorInitMs: number; q25RatioToFloor: number; initMs: number; floorInitMs: number; helloWorldInitMs: number; ratioToFloor: number }[] };
  const example = (await bundleBench({ functions: ['getCatalogue'], runs })) as InitReport;
  const large = (await bundleBench({ functions: ['getCatalogue'], runs, catalogueText: compiledText })) as InitReport;
  const init = (report: InitReport) => {
    const f = report.functions[0]!;
    return { q25InitMs: f.q25InitMs, q25FloorInitMs: f.q25FloorInitMs, q25RatioToFloor: f.q25RatioToFloor, initMs: f.initMs, floorInitMs: f.floorInitMs, helloWorldInitMs: f.helloWorldInitMs, ratioToFloor: f.ratioToFloor };
  };

  return {
    what: `${ACCOUNTS} accounts x ${TARGETS} account-set targets (${issuerResources.length} roles), ${catalogue.services.length} services (13 built-in, ${CUSTOM_SERVICES} custom)`,
    sizes: { yamlBytes: yamlText.length, compiledJsonBytes: compiledText.length, exampleCompiledJsonBytes: catalogueJson(resolve(import.meta.dirname, '../config/catalogue.example.yaml')).length },
    packageValidateMs: packaged.medianMs,
    zodValidateAtColdStartWouldCostMs: zodOnly.medianMs,
    coldStartLoadMs: load.medianMs,
    getCatalogueColdStartLoadMs: shape.medianMs,
    getCatalogueInit: { exampleCatalogue: init(example), largeCatalogue: init(large), limitRatio: 1.25, judged: 'ratioToFloor (fastest run over the floor\'s fastest run)' },
    getCatalogueRequest: {
      note: 'per request after init: the use case and JSON.stringify of the body (median of 201)',
      everyTarget: { ms: viewAll.medianMs, bodyBytes: view(everyone).length },
      oneTarget: { ms: viewOne.medianMs, bodyBytes: view(oneTeam).length },
      throughTheHandler: { note: 'the deployed handler invoked as API Gateway does (median of 201)', everyTargetMs: handlerEvery, oneTargetMs: handlerOne },
    },
    eventBridge: {
      watchedRoles: rules.watchedRoleArns.length,
      maxPatternChars: alertRules.DEFAULT_MAX_PATTERN_CHARS,
      rules: rules.rules.map((r) => ({ name: r.name, matchBy: r.matchBy, chars: JSON.stringify(r.pattern).length })),
    },
    issuerAssumeRole: {
      roles: issuerResources.length,
      exactListChars: JSON.stringify(issuerResources).length,
      form: issuerStatements[0]!.Condition ? 'role names limited by aws:ResourceAccount' : 'exact role ARNs',
      policyChars: JSON.stringify({ Version: '2012-10-17', Statement: issuerStatements }).length,
      note: "the issuer role's inline policies share IAM's 10,240 characters",
    },
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const at = process.argv.indexOf('--runs');
  catalogueScaleBench(at > 0 ? { runs: Number(process.argv[at + 1]) } : {})
    .then((report) => process.stdout.write(`${JSON.stringify(report, null, 2)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    });
}

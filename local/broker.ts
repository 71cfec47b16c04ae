import './polyfills';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { stsClient } from '../shared/clients/sts';
import { createDynamoApprovalLinkRepository } from '../shared/adapters/dynamo/approval-link-repository';
import { createDocumentClient } from '../shared/adapters/dynamo/client';
import { createDynamoLimitStore } from '../shared/adapters/dynamo/limit-store';
import { createDynamoCredentialStore } from '../shared/adapters/dynamo/credential-store';
import { createDynamoEventDeduper } from '../shared/adapters/dynamo/event-deduper';
import { createDynamoRequestRepository } from '../shared/adapters/dynamo/request-repository';
import { createFederationSignIn } from '../shared/adapters/federation/console-sign-in';
import { createStsIssuer } from '../shared/adapters/sts/sts-issuer';
import { createEnvelopeVault } from '../shared/adapters/vault/envelope-vault';
import { localKeyFileSource } from '../shared/adapters/vault/local-key-file-source';
import { loadCatalogueFile } from '../shared/catalogue/load';
import { newRequestId } from '../shared/domain/ids';
import { createLogger, type LogFields, type Logger, type LogLevel } from '../shared/log/logger';
import type { Clock, ConsoleSignIn, CredentialIssuer } from '../shared/ports';
import type { Deps } from '../shared/runtime/deps';
import { matchesPattern, type EventPattern } from '../shared/eventbridge/pattern';
import { createLocalConsolePreview } from './console-preview';
import { startLocalDynamo, type LocalDynamo } from './dynamo';
import { createLocalIdp, createRemoteVerifier, type LocalIdp, type TokenVerifier } from './jwt';
import { baseLocalRoutes } from './local-routes';
import { localEventRoutes } from './local-events';
import { createOutbox, type Outbox } from './outbox';
import { routesFromServerlessYml, type Route } from './routes';
import { readServerlessYml } from './serverless-yml';
import { createLocalServer, lambdaContext, listen, type LocalRoute } from './server';
import { createLocalIamStandin, type LocalIamStandin } from './iam-standin';
import { createSessionDenies } from '../shared/adapters/iam/session-denies';
import { targetRoleArns } from '../shared/domain/target-account';
import { createLocalStsStandin } from './sts-standin';
import { createLocalWorkflow, LOCAL_STATE_MACHINE_ARN, type LocalWorkflow, type WorkflowTimer } from './workflow-runner';

export const ROOT = resolve(import.meta.dirname, '..');
export const LOCAL_TABLE_NAME = 'access-broker-local';
/** Issuer of local dev tokens (stands in for a Cognito/Okta issuer URL). */
export const LOCAL_IDP_ISSUER = 'urn:access-broker:local-idp';

export interface LocalBrokerOptions {
  port?: number;
  /** Persist DynamoDB data (and the local key file) here; in memory when absent. */
  dataDir?: string;
  catalogueFile?: string;
  /** Multiplies approval timeouts and access windows (0 < s <= 1); 1 = real time. */
  timeScale?: number;
  /** Pause between workflow retries (ms), instead of the state machine's backoff. */
  retryIntervalMs?: number;
  /** 'local' (default): STS stand-in and console preview. 'aws': real STS and federation with ambient AWS credentials. */
  issuer?: 'local' | 'aws';
  clock?: Clock;
  /** Where the workflow takes its pauses (Wait, retry backoff, approval timeout); default real time. */
  timer?: WorkflowTimer;
  logLevel?: LogLevel;
  /** Name of the JWT claim holding the caller's groups, as BROKER_GROUPS_CLAIM (default `groups`). */
  groupsClaim?: string;
  /**
   * Trust a real OpenID Connect provider instead of the local dev IdP (`npm start -- --issuer URL
   * --audience AUD`): tokens are verified through its discovery document and JWKS, as the
   * deployed JWT authorizer would, and POST /_local/token is switched off.
   */
  tokenIssuer?: { issuer: string; audience: string };
  /** Extra /_local/ routes that need the running broker (alerting adds POST /_local/events). */
  extraRoutes?: (broker: Omit<LocalBroker, 'close'>) => Record<string, LocalRoute>;
}

export interface LocalBroker {
  baseUrl: string;
  port: number;
  deps: Deps;
  idp: LocalIdp;
  outbox: Outbox;
  workflow: LocalWorkflow;
  dynamo: LocalDynamo;
  /** The target roles' inline policies (where ended-session denies appear). */
  iam: LocalIamStandin;
  routes: Route[];
  /** Lambda invocations so far, by function name (for the benchmark's cost figures). */
  invocations(): Record<string, number>;
  /** Invokes a function from serverless.yml as Lambda would (used by local event delivery). */
  invoke(functionName: string, event: unknown): Promise<unknown>;
  token(claims: { sub: string; email: string; groups?: string[] }): Promise<string>;
  close(): Promise<void>;
}

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
/** A function module: its composition root takes the ports to use instead of building them from the environment. */
type FunctionModule = Record<string, unknown> & { createHandler(given: Partial<Deps>): Handler };

/**
 * The whole broker on one machine: the deployed handlers behind a local HTTP API, DynamoDB
 * in dynalite, the real state machine in aws-local-stepfunctions, SNS into an outbox.
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const logger = createLogger({ level: options.logLevel ?? 'info', base: { mode: 'local' } });
  const clock = options.clock ?? { now: () => new Date() };
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const dynamo = await startLocalDynamo({ tableName: LOCAL_TABLE_NAME, ...(dataDir ? { path: join(dataDir, 'dynamodb') } : {}) });

  const routes = routesFromServerlessYml(join(ROOT, 'serverless.yml'));
  const executionEnded = executionEndedPattern(join(ROOT, 'serverless.yml'));
  // Set below, before the server serves a request or the workflow runs a task.
  let deps: Deps = undefined as unknown as Deps;
  const modules = new Map<string, Promise<Handler>>();
  const invocations: Record<string, number> = {};
  const handlerOf = (functionName: string): Promise<Handler> => {
    let found = modules.get(functionName);
    if (!found) {
      const fn = handlerOfFunction(join(ROOT, 'serverless.yml'), functionName);
      if (!fn) throw new Error(`No function ${functionName} in serverless.yml`);
      const dot = fn.lastIndexOf('.');
      found = import(join(ROOT, `${fn.slice(0, dot)}.ts`)).then((m: FunctionModule) => {
        if (fn.slice(dot + 1) !== 'handler' || typeof m.createHandler !== 'function') {
          throw new Error(`${fn}: local mode needs the module's createHandler (its composition root)`);
        }
        // The function's own composition root, given local mode's ports (it takes the ones it uses).
        const handler = m.createHandler({ ...deps, logger: liveLogger(() => deps.logger) });
        // Counted like Lambda bills them: one per invocation, whoever triggered it.
        return (event, context) => {
          invocations[functionName] = (invocations[functionName] ?? 0) + 1;
          return handler(event, context);
        };
      });
      modules.set(functionName, found);
    }
    return found;
  };
  const invoke = async (functionName: string, event: unknown) =>
    (await handlerOf(functionName))(structuredClone(event), lambdaContext(functionName, newRequestId()));

  // The server listens first so links and issuer URLs carry its real port.
  const groupsClaim = options.groupsClaim ?? 'groups';
  const idp = await createLocalIdp(LOCAL_IDP_ISSUER, groupsClaim);
  const verifier: Pick<TokenVerifier, 'verify'> = options.tokenIssuer ? await createRemoteVerifier(options.tokenIssuer) : idp;
  // Filled in once the broker exists; the server looks routes up per request.
  const localRoutes: Record<string, LocalRoute> = {};
  const server: Server = createLocalServer({
    routes,
    loadHandler: (route) => handlerOf(route.functionName) as never,
    idp: verifier,
    localRoutes,
    onError: (e) => logger.error('local server error', { error: e }),
  });
  const port = await listen(server, options.port ?? 0);
  const baseUrl = `http://127.0.0.1:${port}`;
  const outbox = createOutbox(() => clock.now());

  const catalogue = loadCatalogueFile(options.catalogueFile ?? join(ROOT, 'config/catalogue.example.yaml'));
  // The target roles of the catalogue, with no inline policy yet: revokes and expiries write
  // their ended-sessions deny here (GET /_local/iam shows it), and STS refuses denied sessions.
  const iam = createLocalIamStandin({ roles: [...new Set(catalogue.targets.flatMap(targetRoleArns))] });
  const sts = createLocalStsStandin({ clock, isSessionDenied: (roleArn, session) => iam.isSessionDenied(roleArn, session) });
  let issuer: CredentialIssuer = sts;
  const preview = createLocalConsolePreview({ baseUrl, lookup: (key) => sts.lastAssumeRole(key), clock });
  let signIn: ConsoleSignIn = preview;
  if (options.issuer === 'aws') {
    issuer = createStsIssuer({ sts: stsClient(), logger });
    signIn = createFederationSignIn();
  }

  const db = createDocumentClient({ endpoint: dynamo.endpoint, requestHandler: dynamo.requestHandler });
  const keyFile = join(dataDir ?? join(tmpdir(), `access-broker-${process.pid}-${port}`), 'local-kms.key');
  const workflow = createLocalWorkflow({
    handlers: {
      notifyApprovers: (payload) => invoke('notifyApprovers', payload),
      issueCredentials: (payload) => invoke('issueCredentials', payload) as never,
      notifyRequester: (payload) => invoke('notifyRequester', payload),
      settleRequest: (payload) => invoke('settleRequest', payload),
      holdAccess: (payload) => invoke('holdAccess', payload),
    },
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
    ...(options.timer ? { timer: options.timer } : {}),
    logger,
    // As EventBridge would: the status change goes to settleEndedExecution when it matches the
    // deployed rule's pattern (serverless.yml ExecutionEndedRule, with the local state machine).
    onExecutionEnded: (event) => (matchesPattern(executionEnded, event) ? invoke('settleEndedExecution', event) : undefined),
  });

  // Local stand-ins for the ports; each function's createHandler picks the ones it uses.
  deps = {
    settings: { stage: 'local', publicBaseUrl: baseUrl, groupsClaim, requireVerifiedEmail: true, issuerPrincipalArns: [LOCAL_ISSUER_PRINCIPAL], issuerRoleIds: [LOCAL_ISSUER_ROLE_ID] },
    catalogue,
    clock,
    newId: () => newRequestId(clock.now()),
    logger,
    requests: createDynamoRequestRepository(db, LOCAL_TABLE_NAME),
    links: createDynamoApprovalLinkRepository(db, LOCAL_TABLE_NAME),
    credentials: createDynamoCredentialStore(db, LOCAL_TABLE_NAME),
    events: createDynamoEventDeduper(db, LOCAL_TABLE_NAME, 7),
    limits: createDynamoLimitStore(db, LOCAL_TABLE_NAME),
    workflow,
    executions: { status: (requestId) => workflow.executionStatus(requestId) },
    notifier: outbox.notifier,
    mailer: outbox.mailer,
    issuer,
    signIn,
    vault: createEnvelopeVault(localKeyFileSource(keyFile)),
    sessionDenies: createSessionDenies({ policiesFor: iam.policiesFor }),
  };

  const broker: Omit<LocalBroker, 'close'> = {
    baseUrl,
    port,
    deps,
    idp,
    outbox,
    workflow,
    dynamo,
    iam,
    routes,
    invocations: () => ({ ...invocations }),
    invoke,
    token: (claims) => idp.mint({ groups: [], ...claims }),
  };
  Object.assign(localRoutes, {
    ...baseLocalRoutes({ idp, outbox, iam, consolePage: (s) => preview.page(s) }),
    ...localEventRoutes(broker),
    ...(options.extraRoutes?.(broker) ?? {}),
    ...(options.tokenIssuer ? { 'POST /_local/token': refuseLocalTokens(options.tokenIssuer.issuer) } : {}),
  });

  return {
    ...broker,
    async close() {
      await workflow.stopAll();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      db.destroy();
      await dynamo.close();
    },
  };
}

/** POST /_local/token while local mode trusts a real issuer: its tokens would be refused anyway, so say why. */
function refuseLocalTokens(issuer: string): LocalRoute {
  return async ({ res }) => {
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      JSON.stringify({
        error: { code: 'NOT_FOUND', message: `Local tokens are off: this broker verifies tokens from ${issuer} (started with --issuer); log in with that identity provider`, details: [] },
      }),
    );
  };
}

/**
 * A logger that looks `current()` up on every call, so replacing `broker.deps.logger` (tests
 * capturing log lines) reaches handlers that were composed before the replacement.
 */
function liveLogger(current: () => Logger, fields?: LogFields): Logger {
  const target = () => (fields ? current().child(fields) : current());
  return {
    debug: (msg, f) => target().debug(msg, f),
    info: (msg, f) => target().info(msg, f),
    warn: (msg, f) => target().warn(msg, f),
    error: (msg, f) => target().error(msg, f),
    child: (more) => liveLogger(current, { ...fields, ...more }),
    // The root's Powertools Logger, for injectLambdaContext (local invocations get a Lambda context too).
    get powertools() {
      return fields ? undefined : current().powertools;
    },
  };
}

/** The principal local mode's stand-in STS reports as the broker's issuer (for alert classification). */
export const LOCAL_ISSUER_PRINCIPAL = 'arn:aws:iam::000000000000:role/access-broker-local-issuer';
/** That issuer role's unique id, as CloudFormation's `!GetAtt <role>.RoleId` gives it when deployed. */
export const LOCAL_ISSUER_ROLE_ID = 'AROALOCALISSUER000001';

/** ExecutionEndedRule's pattern from serverless.yml, naming the local state machine. */
export function executionEndedPattern(file: string): EventPattern {
  // `resources` is a list of fragments; the rule is in one fragment's Resources.
  const pattern = (readServerlessYml(file).resources ?? []).map((r) => r.Resources?.ExecutionEndedRule).find((r) => r !== undefined)?.Properties?.EventPattern;
  if (!pattern) throw new Error(`${file}: no ExecutionEndedRule`);
  return JSON.parse(JSON.stringify(pattern).replace('{"Ref":"ApprovalWorkflow"}', JSON.stringify(LOCAL_STATE_MACHINE_ARN))) as EventPattern;
}

/** A serverless.yml function's handler (`functions/create-request.handler`). */
function handlerOfFunction(file: string, functionName: string): string | undefined {
  return readServerlessYml(file).functions?.[functionName]?.handler;
}

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamo/client';
import { createTable } from '../../shared/adapters/dynamo/table';
import { startLocalDynamo } from '../../local/dynamo';
import { classDataSharing } from './jvm-class-data';

/**
 * Set to an endpoint (e.g. http://127.0.0.1:8000 of the official DynamoDB Local jar, see
 * scripts/dynamodb-local.sh) to run the data-layer tests against it instead of dynalite.
 */
export const DYNAMODB_ENDPOINT_ENV = 'BROKER_TEST_DYNAMODB_ENDPOINT';

export interface TestTable {
  /** 'external' when BROKER_TEST_DYNAMODB_ENDPOINT chose the endpoint, else 'dynalite'. */
  kind: 'external' | 'dynalite';
  endpoint: string;
  tableName: string;
  /** Raw client, for Scan/DescribeTable checks the adapters do not offer. */
  client: DynamoDBClient;
  /** Document client configured exactly as the broker configures its own. */
  db: DynamoDBDocumentClient;
  close(): Promise<void>;
}

const execFileAsync = promisify(execFile);

const rawClient = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

/**
 * A fresh broker table: on `endpoint`, by default the one named by BROKER_TEST_DYNAMODB_ENDPOINT (a uniquely named
 * table, created with the one table definition and deleted afterwards), otherwise on an embedded
 * in-memory dynalite that is thrown away with it.
 */
export async function openTestTable(
  prefix = 'access-broker-test',
  endpoint: string | undefined = process.env[DYNAMODB_ENDPOINT_ENV],
): Promise<TestTable> {
  const external = endpoint?.trim();
  const tableName = `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  if (external) {
    if (!/^https?:\/\/[^\s]+$/.test(external)) {
      throw new Error(`${DYNAMODB_ENDPOINT_ENV} must be an http(s) URL such as http://127.0.0.1:8000 (got "${external}")`);
    }
    const client = rawClient(external);
    await createTable(client, tableName);
    const db = createDocumentClient({ endpoint: external });
    return {
      kind: 'external',
      endpoint: external,
      tableName,
      client,
      db,
      async close() {
        try {
          await client.send(new DeleteTableCommand({ TableName: tableName }));
        } finally {
          db.destroy();
          client.destroy();
        }
      },
    };
  }
  const dynamo = await startLocalDynamo({ tableName });
  const client = rawClient(dynamo.endpoint);
  const db = createDocumentClient({ endpoint: dynamo.endpoint, requestHandler: dynamo.requestHandler });
  return {
    kind: 'dynalite',
    endpoint: dynamo.endpoint,
    tableName,
    client,
    db,
    async close() {
      db.destroy();
      client.destroy();
      await dynamo.close();
    },
  };
}

export interface DynamoDbLocalJar {
  endpoint: string;
  /** DynamoDB Local's own version, as it prints it on start-up (e.g. 1.25.1). */
  version: string;
  close(): Promise<void>;
}

const SCRIPT = join(import.meta.dirname, '../../scripts/dynamodb-local.sh');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A short-lived test server, not a long-running one: the client compiler only (C1; the optimising
 * compiler's warm-up is most of the JVM's CPU on a two-core machine and never pays back within
 * one test file), one compiler thread, and the serial collector. The conformance file then takes
 * about 11 s of CPU instead of 17 (9 s of wall time instead of 11, alone).
 */
const JVM_OPTIONS = ['-XX:TieredStopAtLevel=1', '-XX:CICompilerCount=1', '-XX:+UseSerialGC'];
/** The jar's Main-Class, started by name when the class path is given in full (class-data sharing). */
const MAIN_CLASS = 'com.amazonaws.services.dynamodbv2.local.main.ServerRunner';

/**
 * Starts the official DynamoDB Local jar in memory on a free port. The jar is fetched, verified
 * and cached by `scripts/dynamodb-local.sh --jar-dir` (which also says clearly when Java is
 * missing). Only the Java process started here is stopped by close().
 */
export async function startDynamoDbLocalJar(options: { startupTimeoutMs?: number } = {}): Promise<DynamoDbLocalJar> {
  const java = process.env.JAVA ?? 'java';
  let dir: string;
  let javaVersionLine = '';
  try {
    const { stdout, stderr } = await execFileAsync('bash', [SCRIPT, '--jar-dir'], { maxBuffer: 1024 * 1024 });
    dir = stdout.trim().split('\n').at(-1) ?? '';
    // The script names the Java it checked: `[dynamodb-local] using openjdk version "17.0.13" ...`.
    javaVersionLine = /\] using (.*)$/m.exec(stderr)?.[1] ?? '';
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? '';
    throw new Error(`Could not prepare DynamoDB Local with scripts/dynamodb-local.sh --jar-dir:\n${stderr.trim() || String(e)}`);
  }
  const port = await freePort();
  const sharing = classDataSharing(dir, 'DynamoDBLocal.jar', MAIN_CLASS, javaVersionLine);
  const child = spawn(
    java,
    [
      ...JVM_OPTIONS,
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      ...(sharing?.args ?? ['-jar', 'DynamoDBLocal.jar']),
      ...['-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port)],
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  // A test worker that dies must not leave Java running.
  const killOnExit = () => {
    child.kill('SIGKILL');
    sharing?.discard();
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) {
      // It exited before it was asked to (a failed start): nothing worth keeping.
      sharing?.discard();
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    // A first run writes its class-data archive as it exits; a killed one may have left half.
    if (child.signalCode === 'SIGKILL') sharing?.discard();
    else sharing?.keep();
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startupTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (spawnError) throw new Error(`Could not start ${java}: ${spawnError.message}`);
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with code ${child.exitCode} during start-up:\n${log}`);
      try {
        // A ListTables answer proves Jetty is up and sqlite4java's native library loaded.
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} in time:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    client.destroy();
  }
  const version = /Version:\s*(\S+)/.exec(log)?.[1] ?? 'unknown';
  return { endpoint, version, close: stop };
}

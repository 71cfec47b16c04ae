import './polyfills';
import { parseArgs } from 'node:util';
import { startLocalBroker } from './broker';

const HELP = `Usage: npm start -- [options]

Runs the whole Access Broker on this machine: the HTTP API, DynamoDB (dynalite), the approval
state machine (aws-local-stepfunctions), SNS into a local outbox, and a local STS stand-in.

Options:
  --port N          listen on N (default: $PORT or 3000)
  --data DIR        keep DynamoDB data in DIR across restarts (default: in memory); running
                    workflows and the outbox are not kept
  --catalogue FILE  targets and approvers (default: config/catalogue.example.yaml)
  --time-scale X    shorten approval timeouts and access windows by X, 0 < X <= 1 (default 1: real time;
                    0.01 makes a 1h window last 36s)
  --help            this text

Environment:
  BROKER_ISSUER=aws  use real STS and the AWS federation endpoint with your ambient AWS credentials
  LOG_LEVEL          debug | info | warn | error (default warn in local mode)
`;

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      catalogue: { type: 'string' },
      'time-scale': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port/PORT must be a port number, got "${values.port ?? process.env.PORT}"`);
  const timeScale = values['time-scale'] === undefined ? 1 : Number(values['time-scale']);
  if (!(timeScale > 0 && timeScale <= 1)) throw new Error(`--time-scale must be a number in (0, 1], got "${values['time-scale']}"`);
  const issuer = process.env.BROKER_ISSUER === 'aws' ? 'aws' : 'local';
  const level = (process.env.LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error' | undefined) ?? 'warn';

  const broker = await startLocalBroker({
    port,
    timeScale,
    issuer,
    logLevel: level,
    ...(values.data ? { dataDir: values.data } : {}),
    ...(values.catalogue ? { catalogueFile: values.catalogue } : {}),
  });
  const url = `http://localhost:${broker.port}`;
  const targets = broker.deps.catalogue.targets.map((t) => `${t.id} (${t.account}, max ${t.maxDurationSeconds / 3600}h, ${t.approvalsRequired} approval(s))`);
  process.stdout.write(
    [
      `Access Broker (local) listening on ${url}`,
      `  data:      ${values.data ? `persisted in ${values.data}` : 'in memory (use --data DIR to keep it)'}`,
      `  issuer:    ${issuer === 'aws' ? 'real AWS STS' : 'local STS stand-in (credentials do not work in AWS)'}`,
      `  time:      ${timeScale === 1 ? 'real time' : `scaled by ${timeScale}`}`,
      `  targets:   ${targets.join('; ')}`,
      '',
      'Get a token (then send it as "Authorization: Bearer $TOKEN"):',
      `  TOKEN=$(curl -s -X POST ${url}/_local/token -H 'content-type: application/json' \\`,
      `    -d '{"sub":"alice","email":"alice@example.com","groups":["engineers"]}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`,
      `  curl -s ${url}/catalogue -H "Authorization: Bearer $TOKEN"`,
      '',
      `Emails land in ${url}/_local/mail (JSON: ${url}/_local/outbox). Ctrl-C stops.`,
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await broker.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`access-broker: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});

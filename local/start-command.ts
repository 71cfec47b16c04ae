import { parseArgs } from 'node:util';
import { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from './broker';

const START_HELP = `Usage: npm start -- [options]

Runs the whole Access Broker on this machine: the HTTP API, DynamoDB (dynalite), the approval
state machine (aws-local-stepfunctions), SNS into a local outbox, and a local STS stand-in.

Options:
  --port N          listen on N (default: $PORT or 3000)
  --data DIR        keep DynamoDB data in DIR across restarts (default: in memory); running
                    workflows and the outbox are not kept
  --catalogue FILE  targets and approvers (default: config/catalogue.example.yaml)
  --time-scale X    shorten approval timeouts and access windows by X, 0 < X <= 1 (default 1: real time;
                    0.01 makes a 1h window last 36s)
  --issuer URL      trust tokens from this OpenID Connect issuer instead of the local dev IdP:
                    verified through its discovery document and JWKS (iss, aud, exp, nbf, signature),
                    as the deployed JWT authorizer does; POST /_local/token is then off
  --audience AUD    the audience those tokens must carry (usually the app client id); needs --issuer
  --groups-claim C  the token claim holding the caller's groups (default groups; cognito:groups for Cognito)
  --help            this text

Environment:
  BROKER_ISSUER=aws  use real STS and the AWS federation endpoint with your ambient AWS credentials
  LOG_LEVEL          debug | info | warn | error (default warn in local mode)
`;

/** What `npm start` was asked for, or the help text. Refuses bad options with a message naming the option. */
export function parseStartArgs(argv: string[], env: NodeJS.ProcessEnv): { help: true } | { help: false; options: StartOptions } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      catalogue: { type: 'string' },
      'time-scale': { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'groups-claim': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return { help: true };
  const port = Number(values.port ?? env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port/PORT must be a port number, got "${values.port ?? env.PORT}"`);
  const timeScale = values['time-scale'] === undefined ? 1 : Number(values['time-scale']);
  if (!(timeScale > 0 && timeScale <= 1)) throw new Error(`--time-scale must be a number in (0, 1], got "${values['time-scale']}"`);
  if ((values.issuer === undefined) !== (values.audience === undefined)) throw new Error('--issuer and --audience go together');
  if (values.issuer !== undefined && !/^https:\/\/|^http:\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(values.issuer)) {
    throw new Error(`--issuer must be an https URL (http only on this machine), got "${values.issuer}"`);
  }
  return {
    help: false,
    options: {
      port,
      timeScale,
      issuer: env.BROKER_ISSUER === 'aws' ? 'aws' : 'local',
      logLevel: (env.LOG_LEVEL as StartOptions['logLevel'] | undefined) ?? 'warn',
      ...(values.data ? { dataDir: values.data } : {}),
      ...(values.catalogue ? { catalogueFile: values.catalogue } : {}),
      ...(values.issuer && values.audience ? { tokenIssuer: { issuer: values.issuer, audience: values.audience } } : {}),
      ...(values['groups-claim'] ? { groupsClaim: values['groups-claim'] } : {}),
    },
  };
}

type StartOptions = LocalBrokerOptions & Required<Pick<LocalBrokerOptions, 'port' | 'timeScale' | 'issuer' | 'logLevel'>>;

/** Starts the broker `npm start` describes, and the text it prints: where it listens and how to log in. */
export async function startFromArgs(argv: string[], env: NodeJS.ProcessEnv): Promise<{ help: string } | { broker: LocalBroker; banner: string }> {
  const parsed = parseStartArgs(argv, env);
  if (parsed.help) return { help: START_HELP };
  const { options } = parsed;
  const broker = await startLocalBroker(options);
  const url = `http://localhost:${broker.port}`;
  const targets = broker.deps.catalogue.targets.map((t) => `${t.id} (${t.accounts ? t.accounts.join(', ') : t.account}, max ${t.maxDurationSeconds / 3600}h, ${t.approvalsRequired} approval(s))`);
  const token = options.tokenIssuer;
  const banner = [
    `Access Broker (local) listening on ${url}`,
    `  data:      ${options.dataDir ? `persisted in ${options.dataDir}` : 'in memory (use --data DIR to keep it)'}`,
    `  issuer:    ${options.issuer === 'aws' ? 'real AWS STS' : 'local STS stand-in (credentials do not work in AWS)'}`,
    `  time:      ${options.timeScale === 1 ? 'real time' : `scaled by ${options.timeScale}`}`,
    `  targets:   ${targets.join('; ')}`,
    `  tokens:    ${token ? `from ${token.issuer} (audience ${token.audience}, groups claim ${options.groupsClaim ?? 'groups'})` : 'local dev IdP (POST /_local/token)'}`,
    '',
    ...(token
      ? ['Log in with the CLI:', `  npx access-broker --url ${url} login --issuer ${token.issuer} --client-id ${token.audience}`]
      : [
          'Log in with the CLI, then ask for access:',
          `  npx access-broker --url ${url} login --local --sub alice --email alice@example.com --group engineers`,
          `  npx access-broker --url ${url} targets`,
        ]),
    '',
    `Emails land in ${url}/_local/mail (JSON: ${url}/_local/outbox). Ctrl-C stops.`,
    '',
  ].join('\n');
  return { broker, banner };
}

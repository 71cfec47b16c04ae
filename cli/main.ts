import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import * as prompts from '@clack/prompts';
import { Command, CommanderError, Option } from 'commander';
import open from 'open';
import yoctoSpinner from 'yocto-spinner';
import { Api } from './api';
import { brokerUrl } from './auth';
import { awsConfigFile, quoteWord, writeProfile } from './aws-config';
import { credentialCache, type CachedCredentials, type CredentialCache } from './credential-cache';
import { CliError, ExitCode } from './exit-codes';
import { httpRequest, jsonObjectOf } from './http';
import { isProcessIo, processIo, type CliIo } from './io';
import { DEFAULT_REDIRECT_URI, oidcLogin } from './oidc-login';
import { createOutput, formatSeconds, reportError, requestBlock, requestLine, type Output, type RequestView } from './output';
import { loadConfig, loadSession, removeSession, saveConfig, saveSession, tokenExpiry, type OidcSettings } from './session';
import { brokerHome } from './state';
/** The API's answer to GET /requests/{id}/credentials (format json), as the broker defines it. */
import type { CredentialsView } from '../shared/usecases/get-credentials';

/** Statuses after which `request --wait` stops; only ACTIVE means access. */
const WAIT_ENDS = new Set(['ACTIVE', 'DENIED', 'TIMED_OUT', 'CANCELLED', 'FAILED', 'EXPIRED', 'REVOKED']);
const DEFAULT_SCOPES = 'openid email profile offline_access';

interface Globals {
  url: string;
  json: boolean;
}

interface Catalogue {
  /** `account` for a single-account target; `accounts` (request one with --account) for an account set. */
  targets: { id: string; description?: string; account?: string; accounts?: string[]; region: string; services: string[]; maxDuration: string; approvalsRequired: number }[];
  services: { key: string; name: string }[];
}

/** How long `--wait` pauses between two reads of the request (ACCESS_BROKER_POLL_INTERVAL_MS; tests shorten it). */
function pollIntervalMs(env: NodeJS.ProcessEnv): number {
  const value = Number(env.ACCESS_BROKER_POLL_INTERVAL_MS ?? 2000);
  return Number.isFinite(value) && value >= 10 ? value : 2000;
}

/** The absolute path of the runnable launcher, for credential_process lines. */
function launcherPath(io: CliIo): string {
  const path = io.launcher;
  if (!path) throw new CliError('Cannot tell where the access-broker launcher is', ExitCode.ERROR);
  return realpathSync(path);
}

/** A terminal's width for help text (80 when the stream is not a terminal). */
const columnsOf = (stream: CliIo['stdout']) => (stream as { columns?: number }).columns ?? 80;
/** Colours on a terminal only, never with NO_COLOR (as createOutput decides). */
const hasColors = (stream: CliIo['stdout'], env: NodeJS.ProcessEnv) => stream.isTTY === true && !env.NO_COLOR;

const isInteractive = (out: Output, io: CliIo) => !out.json && io.stdin.isTTY === true && io.stdout.isTTY === true;

function cancelled<T>(value: T): Exclude<T, symbol> {
  if (prompts.isCancel(value)) throw new CliError('Cancelled', ExitCode.USAGE, 'CANCELLED');
  return value as Exclude<T, symbol>;
}

function splitList(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A request id (26 characters, ULID layout); anything else given where an id goes is taken for a target id. */
const isRequestId = (value: string) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(value);

/** The request id itself, or the id of the caller's newest ACTIVE request on the target named. */
async function resolveRequestId(api: Api, idOrTarget: string): Promise<string> {
  if (isRequestId(idOrTarget)) return idOrTarget;
  const page = await api.call<{ items: RequestView[] }>('GET', `/requests?${new URLSearchParams({ scope: 'mine', status: 'ACTIVE', limit: '100' })}`);
  const found = page.items.find((r) => r.target === idOrTarget);
  if (!found) {
    throw new CliError(`No ACTIVE request of yours on target ${idOrTarget}: ask with \`access-broker request --target ${idOrTarget} ...\``, ExitCode.NOT_FOUND, 'NO_ACTIVE_REQUEST');
  }
  return found.id;
}

/**
 * The command tree for one run with `io`. `exitCode` is set by a command whose exit code is not
 * its own success or error (exec passes its child's through).
 */
function buildProgram(io: CliIo, result: { exitCode?: number }): Command {
  const program = new Command('access-broker')
    .description('Just-in-time AWS access through the Access Broker: request, approve, and use scoped, short-lived credentials.')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => columnsOf(io.stdout),
      getErrHelpWidth: () => columnsOf(io.stderr),
      getOutHasColors: () => hasColors(io.stdout, io.env),
      getErrHasColors: () => hasColors(io.stderr, io.env),
    })
    // The default comes from io.env (commander's own .env() would read process.env).
    .addOption(new Option('--url <url>', 'the broker\'s base URL').default(io.env.ACCESS_BROKER_URL ?? 'http://localhost:3000', '$ACCESS_BROKER_URL, else http://localhost:3000'))
    .option('--json', 'print JSON for scripts (no colours, no prompts)', false)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 error, 2 usage or refused input, 3 not logged in, 4 not found, 5 state conflict, 6 forbidden, 7 --wait ended without access.\nState: $ACCESS_BROKER_HOME (default ~/.config/access-broker).',
    );

  const globals = (cmd: Command): Globals => {
    const o = cmd.optsWithGlobals<{ url: string; json: boolean }>();
    return { url: brokerUrl(o.url), json: o.json === true };
  };
  /** The CLI's state directory for this run (ACCESS_BROKER_HOME or ~/.config/access-broker of io.env). */
  const home = () => brokerHome(io.env);
  const context = (cmd: Command) => {
    const g = globals(cmd);
    return { ...g, api: new Api(g.url, home()), out: createOutput(g.json, io), cache: credentialCache(home()) };
  };
  const currentSub = (url: string) => {
    const session = loadSession(home(), url);
    if (!session) throw new CliError(`Not logged in to ${url}: run \`access-broker login\``, ExitCode.AUTH, 'NOT_LOGGED_IN');
    return session.sub;
  };

  program
    .command('login')
    .description('log in: OpenID Connect (authorization code + PKCE, loopback redirect) or, with --local, local mode\'s token route')
    .option('--local', 'get a token from local mode (POST /_local/token)')
    .option('--sub <sub>', 'local: the subject', undefined)
    .option('--email <email>', 'local: the email address')
    .option('--group <group>', 'local: a group (repeat for several)', collect, [])
    .option('--issuer <url>', 'the OpenID Connect issuer the broker trusts (saved for next time)')
    .option('--client-id <id>', 'the public app client id (saved)')
    .option('--scopes <scopes>', `scopes to ask for (saved; default "${DEFAULT_SCOPES}")`)
    .addOption(new Option('--token-type <type>', 'which token the broker expects (saved; default id)').choices(['id', 'access']))
    .option('--redirect-uri <uri>', `the loopback redirect registered with the app client (saved; default ${DEFAULT_REDIRECT_URI})`)
    .option('--no-browser', 'print the login URL instead of opening a browser')
    .action(async (o: { local?: boolean; sub?: string; email?: string; group: string[]; issuer?: string; clientId?: string; scopes?: string; tokenType?: 'id' | 'access'; redirectUri?: string; browser: boolean }, cmd: Command) => {
      const { url, out } = context(cmd);
      if (o.local) {
        if (!o.sub || !o.email) throw new CliError('login --local needs --sub and --email (and --group for each group)', ExitCode.USAGE);
        const claims = { sub: o.sub, email: o.email, groups: o.group };
        const res = await httpRequest(`${url}/_local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(claims) }).catch((e: Error) => {
          throw new CliError(`Cannot reach the broker at ${url}: ${(e as { code?: string }).code ?? e.message}`, ExitCode.ERROR, 'UNREACHABLE');
        });
        const body = jsonObjectOf(res) as { token?: string; error?: { message: string } };
        if (!res.ok || !body.token) throw new CliError(`Local mode refused the token request: ${body.error?.message ?? `HTTP ${res.status}`}`, res.status === 404 ? ExitCode.NOT_FOUND : ExitCode.AUTH);
        saveSession(home(), url, { kind: 'local', token: body.token, expiresAt: tokenExpiry(body.token).toISOString(), sub: o.sub, email: o.email, local: claims });
        if (out.json) out.printJson({ url, sub: o.sub, email: o.email, groups: o.group, kind: 'local' });
        else out.print(`Logged in to ${url} as ${o.email} (local mode)`);
        return;
      }
      const config = loadConfig(home());
      const saved = config.oidc;
      const issuer = o.issuer ?? saved?.issuer;
      const clientId = o.clientId ?? saved?.clientId;
      if (!issuer || !clientId) throw new CliError('login needs --issuer and --client-id the first time (they are saved), or --local for local mode', ExitCode.USAGE);
      const settings: OidcSettings = { issuer, clientId, scopes: o.scopes ?? saved?.scopes ?? DEFAULT_SCOPES, tokenType: o.tokenType ?? saved?.tokenType ?? 'id' };
      const redirectUri = o.redirectUri ?? config.redirectUri ?? DEFAULT_REDIRECT_URI;
      const session = await oidcLogin({
        settings,
        redirectUri,
        present: async (authUrl) => {
          io.stderr.write(`Log in at: ${authUrl}\n`);
          if (o.browser) await open(authUrl).catch(() => io.stderr.write('(could not open a browser; open the URL above)\n'));
        },
      });
      saveConfig(home(), { ...config, oidc: settings, redirectUri });
      saveSession(home(), url, session);
      if (out.json) out.printJson({ url, sub: session.sub, email: session.email, kind: 'oidc', expiresAt: session.expiresAt, refreshable: Boolean(session.oidc?.refreshToken) });
      else out.print(`Logged in to ${url} as ${session.email || session.sub} (token until ${session.expiresAt}${session.oidc?.refreshToken ? ', refreshed automatically' : ''})`);
    });

  program
    .command('logout')
    .description('forget the login to this broker')
    .action((_o: unknown, cmd: Command) => {
      const { url, out } = context(cmd);
      const removed = removeSession(home(), url);
      if (out.json) out.printJson({ url, loggedOut: removed });
      else out.print(removed ? `Logged out of ${url}` : `Not logged in to ${url}`);
    });

  program
    .command('whoami')
    .description('who this CLI is logged in as')
    .action((_o: unknown, cmd: Command) => {
      const { url, out } = context(cmd);
      const s = loadSession(home(), url);
      if (!s) throw new CliError(`Not logged in to ${url}`, ExitCode.AUTH, 'NOT_LOGGED_IN');
      const view = { url, sub: s.sub, email: s.email, kind: s.kind, expiresAt: s.expiresAt, refreshable: s.kind === 'local' || Boolean(s.oidc?.refreshToken) };
      if (out.json) out.printJson(view);
      else out.print(`${s.email || s.sub} on ${url} (${s.kind}; token until ${s.expiresAt})`);
    });

  program
    .command('targets')
    .description('the targets you may request, with their services and limits')
    .action(async (_o: unknown, cmd: Command) => {
      const { api, out } = context(cmd);
      const catalogue = await api.call<Catalogue>('GET', '/catalogue');
      if (out.json) return out.printJson(catalogue);
      if (!catalogue.targets.length) return out.print('No targets: your groups may not request any.');
      for (const t of catalogue.targets) {
        out.print(`${out.colors.bold(t.id)}  ${t.accounts ? `accounts ${t.accounts.join(', ')} (--account)` : `account ${t.account}`}  max ${t.maxDuration}  ${t.approvalsRequired} approval(s)${t.description ? `  ${out.colors.dim(t.description)}` : ''}\n  services: ${t.services.join(', ')}`);
      }
    });

  program
    .command('request')
    .description('ask for access (prompts for what is missing when run in a terminal)')
    .option('--target <id>', 'the target')
    .option('--account <id>', 'the account, for a target that spans several')
    .option('--services <list>', 'comma-separated services, e.g. ec2,databases')
    .option('--duration <d>', 'how long, e.g. 30m, 2h, 1h30m')
    .option('--reason <text>', 'why (at least 10 characters)')
    .option('--ticket <id>', 'a ticket reference')
    .option('--starts-at <iso>', 'a scheduled start (ISO 8601 UTC)')
    .option('--break-glass', 'emergency access without waiting for approval (where the target allows it)')
    .option('--wait', 'wait, showing the status, until access is ACTIVE or the request ends')
    .action(async (o: { target?: string; account?: string; services?: string; duration?: string; reason?: string; ticket?: string; startsAt?: string; breakGlass?: boolean; wait?: boolean }, cmd: Command) => {
      const { api, out } = context(cmd);
      let target = o.target;
      let services = splitList(o.services);
      let duration = o.duration;
      let reason = o.reason;
      let ticket = o.ticket;
      let account = o.account;
      const missing = [!target && '--target', !services?.length && '--services', !duration && '--duration', !reason && '--reason'].filter(Boolean);
      if (missing.length && isInteractive(out, io)) {
        const catalogue = await api.call<Catalogue>('GET', '/catalogue');
        if (!catalogue.targets.length) throw new CliError('You may not request any target', ExitCode.FORBIDDEN);
        const ask = { input: io.stdin, output: io.stdout } as const;
        prompts.intro('Request access', ask);
        target ??= cancelled(await prompts.select({ ...ask, message: 'Target', options: catalogue.targets.map((t) => ({ value: t.id, label: t.id, hint: `${t.accounts ? t.accounts.join(', ') : t.account}, max ${t.maxDuration}` })) }));
        const chosen = catalogue.targets.find((t) => t.id === target);
        // An account set: which account of it.
        if (account === undefined && chosen?.accounts?.length) {
          account = cancelled(await prompts.select({ ...ask, message: 'Account', options: chosen.accounts.map((a) => ({ value: a, label: a })) }));
        }
        if (!services?.length && chosen) {
          const names = new Map(catalogue.services.map((s) => [s.key, s.name]));
          services = cancelled(await prompts.multiselect({ ...ask, message: 'Services', options: chosen.services.map((s) => ({ value: s, label: s, hint: names.get(s) ?? '' })), required: true }));
        }
        duration ??= cancelled(await prompts.text({ ...ask, message: `Duration (max ${chosen?.maxDuration ?? '?'})`, placeholder: '1h', validate: (v) => (v?.trim() ? undefined : 'required') }));
        reason ??= cancelled(await prompts.text({ ...ask, message: 'Reason', validate: (v) => ((v?.trim().length ?? 0) >= 10 ? undefined : 'at least 10 characters') }));
        if (ticket === undefined) {
          const t = cancelled(await prompts.text({ ...ask, message: 'Ticket (optional)', placeholder: 'none' }));
          ticket = t?.trim() ? t.trim() : undefined;
        }
        prompts.outro('Submitting', ask);
      } else if (missing.length) {
        throw new CliError(`request needs ${missing.join(', ')} (or run it in a terminal to be asked)`, ExitCode.USAGE);
      }
      const body = {
        target,
        services,
        duration,
        reason,
        ...(ticket !== undefined ? { ticket } : {}),
        ...(account !== undefined ? { account } : {}),
        ...(o.startsAt !== undefined ? { startsAt: o.startsAt } : {}),
        ...(o.breakGlass ? { breakGlass: true } : {}),
      };
      let { request } = await api.call<{ request: RequestView }>('POST', '/requests', body);
      out.info(`Request ${request.id} ${request.status} (${request.target}: ${request.services.join(', ')} for ${formatSeconds(request.durationSeconds)})`);
      if (o.wait) request = await waitForRequest(api, out, request, io);
      if (out.json) out.printJson({ request });
      else out.print(request.id);
      if (o.wait && request.status !== 'ACTIVE') {
        throw new CliError(`Request ${request.id} ended ${request.status} without access`, ExitCode.NOT_GRANTED, request.status);
      }
    });

  program
    .command('wait')
    .description('wait, showing the status, until a request is ACTIVE or ends (exit 7 when it ends without access)')
    .argument('<id>', 'request id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { api, out } = context(cmd);
      const { request: initial } = await api.call<{ request: RequestView }>('GET', `/requests/${encodeURIComponent(id)}`);
      const request = await waitForRequest(api, out, initial, io);
      if (out.json) out.printJson({ request });
      else out.print(`${request.id} ${request.status}${request.status === 'ACTIVE' ? ` until ${request.expiresAt}` : ''}`);
      if (request.status !== 'ACTIVE') throw new CliError(`Request ${request.id} ended ${request.status} without access`, ExitCode.NOT_GRANTED, request.status);
    });

  program
    .command('list')
    .description('your requests, newest first')
    .option('--status <status>', 'only this status, e.g. ACTIVE')
    .option('--limit <n>', 'at most this many (1 to 100)', '25')
    .action(async (o: { status?: string; limit: string }, cmd: Command) => listCommand(cmd, 'mine', o.status, o.limit));

  program
    .command('approvals')
    .description('requests waiting for your approval (PENDING; --status for others)')
    .option('--status <status>', 'this status instead of PENDING', 'PENDING')
    .option('--limit <n>', 'at most this many (1 to 100)', '25')
    .action(async (o: { status: string; limit: string }, cmd: Command) => listCommand(cmd, 'approvals', o.status, o.limit));

  async function listCommand(cmd: Command, scope: 'mine' | 'approvals', status: string | undefined, limit: string) {
    const { api, out } = context(cmd);
    const query = new URLSearchParams({ scope, limit, ...(status ? { status: status.toUpperCase() } : {}) });
    const page = await api.call<{ items: RequestView[]; nextToken?: string }>('GET', `/requests?${query}`);
    if (out.json) return out.printJson(page);
    if (!page.items.length) return out.print(scope === 'mine' ? 'No requests.' : 'Nothing waits for you.');
    for (const r of page.items) out.print(requestLine(out, r, scope === 'approvals'));
    if (page.nextToken) out.info(out.colors.dim('(more: raise --limit)'));
  }

  program
    .command('show')
    .description('one request, its approvals and window')
    .argument('<id>', 'request id')
    .option('--history', 'also print its history')
    .action(async (id: string, o: { history?: boolean }, cmd: Command) => {
      const { api, out } = context(cmd);
      const { request } = await api.call<{ request: RequestView }>('GET', `/requests/${encodeURIComponent(id)}`);
      if (out.json) return out.printJson({ request });
      out.print(requestBlock(out, request));
      if (o.history) for (const h of request.history ?? []) out.print(`  ${out.colors.dim(h.at)} ${h.type}${h.by ? ` by ${h.by}` : ''}${h.detail ? `: ${h.detail}` : ''}`);
    });

  program
    .command('cancel')
    .description('cancel a PENDING or APPROVED request of yours')
    .argument('<id>', 'request id')
    .option('--reason <text>', 'why (optional)')
    .action(async (id: string, o: { reason?: string }, cmd: Command) => {
      const { api, out, url, cache } = context(cmd);
      const { request } = await api.call<{ request: RequestView }>('POST', `/requests/${encodeURIComponent(id)}/cancel`, o.reason ? { reason: o.reason } : {});
      cache.drop(url, currentSub(url), id);
      cache.drop(url, currentSub(url), request.target);
      if (out.json) out.printJson({ request });
      else out.print(`${request.id} ${request.status}`);
    });

  program
    .command('revoke')
    .description('end an active grant now (requester, approvers, operators)')
    .argument('<id>', 'request id')
    .option('--reason <text>', 'why (optional)')
    .action(async (id: string, o: { reason?: string }, cmd: Command) => {
      const { api, out, url, cache } = context(cmd);
      const { request } = await api.call<{ request: RequestView }>('POST', `/requests/${encodeURIComponent(id)}/revoke`, o.reason ? { reason: o.reason } : {});
      cache.drop(url, currentSub(url), id);
      cache.drop(url, currentSub(url), request.target);
      if (out.json) out.printJson({ request });
      else out.print(`${request.id} ${request.status}`);
    });

  program
    .command('extend')
    .description('ask for more time on an ACTIVE request')
    .argument('<id>', 'request id')
    .requiredOption('--duration <d>', 'how much longer, e.g. 30m, 1h')
    .requiredOption('--reason <text>', 'why')
    .action(async (id: string, o: { duration: string; reason: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const result = await api.call<{ extension: { id: string; status: string; durationSeconds: number; to?: string }; request: RequestView }>(
        'POST',
        `/requests/${encodeURIComponent(id)}/extensions`,
        { duration: o.duration, reason: o.reason },
      );
      if (out.json) return out.printJson(result);
      const { extension } = result;
      out.print(
        `Extension ${extension.id} of ${result.request.id} (+${formatSeconds(extension.durationSeconds)}): ${extension.status}` +
          (extension.status === 'PENDING' ? `; the approvers are asked, the window would end ${extension.to ?? '?'}` : ''),
      );
    });

  for (const decision of ['approve', 'deny'] as const) {
    program
      .command(decision)
      .description(`${decision} a request you are an approver of`)
      .argument('<id>', 'request id')
      .option('--comment <text>', 'a comment the requester sees')
      .action(async (id: string, o: { comment?: string }, cmd: Command) => {
        const { api, out } = context(cmd);
        const result = await api.call<{ request: RequestView; decided: boolean }>('POST', `/requests/${encodeURIComponent(id)}/decision`, { decision, ...(o.comment ? { comment: o.comment } : {}) });
        if (out.json) return out.printJson(result);
        out.print(`${result.request.id} ${result.request.status}${result.decided ? '' : ` (your ${decision === 'approve' ? 'approval' : 'denial'} is recorded; more votes needed)`}`);
      });
  }

  program
    .command('credentials')
    .description('print the credentials of an ACTIVE request (or of your newest ACTIVE request on a target)')
    .argument('<id|target>', 'request id, or a target id')
    .addOption(new Option('--format <format>', 'env (shell exports), json, or process (AWS credential_process)').choices(['env', 'json', 'process']).default('env'))
    .option('--no-cache', 'process format: always ask the broker')
    .action(async (id: string, o: { format: 'env' | 'json' | 'process'; cache: boolean }, cmd: Command) => {
      const { api, out, url, cache } = context(cmd);
      if (o.format === 'process') {
        io.stdout.write(`${JSON.stringify((await processCredentials(api, cache, url, id, o.cache)).credentials)}\n`);
        return;
      }
      const requestId = await resolveRequestId(api, id);
      const view = await api.call<CredentialsView>('GET', `/requests/${encodeURIComponent(requestId)}/credentials?format=json`);
      if (o.format === 'json' || out.json) return out.printJson(view);
      const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
      out.print(
        [
          `# Access Broker request ${view.requestId}: credentials expire ${view.expiration}, window ends ${view.windowExpiresAt}`,
          ...(view.local ? ['# LOCAL MODE: these credentials are not valid in AWS'] : []),
          ...(view.notice ? [`# ${view.notice}`] : []),
          `export AWS_ACCESS_KEY_ID=${q(view.accessKeyId)}`,
          `export AWS_SECRET_ACCESS_KEY=${q(view.secretAccessKey)}`,
          `export AWS_SESSION_TOKEN=${q(view.sessionToken)}`,
          `export AWS_CREDENTIAL_EXPIRATION=${q(view.expiration)}`,
          `export AWS_REGION=${q(view.region)}`,
        ].join('\n'),
      );
    });

  program
    .command('exec')
    .description('run a command with the request\'s credentials in its environment: exec ID|TARGET -- CMD [ARGS...]')
    .argument('<id|target>', 'request id, or a target id (your newest ACTIVE request on it)')
    .argument('<command...>', 'the command and its arguments')
    .action(async (id: string, command: string[], _o: unknown, cmd: Command) => {
      const { api, url, cache } = context(cmd);
      const { credentials: creds, region, requestId } = await processCredentials(api, cache, url, id, true);
      const env: NodeJS.ProcessEnv = {
        ...io.env,
        AWS_ACCESS_KEY_ID: creds.AccessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
        AWS_SESSION_TOKEN: creds.SessionToken,
        AWS_CREDENTIAL_EXPIRATION: creds.Expiration,
        ACCESS_BROKER_REQUEST_ID: requestId ?? id,
        ...(region ? { AWS_REGION: region } : {}),
      };
      // A profile in the environment would win over the variables for some tools.
      delete env.AWS_PROFILE;
      delete env.AWS_DEFAULT_PROFILE;
      const [file, ...args] = command;
      // The child shares the terminal. Given other streams (a test's), it reads no input and its
      // output is copied to them.
      const inherit = isProcessIo(io);
      const child = spawn(file!, args, { stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'], env });
      if (!inherit) {
        child.stdout?.on('data', (chunk: Buffer) => io.stdout.write(chunk));
        child.stderr?.on('data', (chunk: Buffer) => io.stderr.write(chunk));
      }
      result.exitCode = await new Promise<number>((resolve, reject) => {
        child.once('error', (e: NodeJS.ErrnoException) => reject(new CliError(`Cannot run ${file}: ${e.code === 'ENOENT' ? 'command not found' : e.message}`, ExitCode.ERROR)));
        // 'close': the child has exited and its output has been read to the end.
        child.once('close', (status, signal) => resolve(status ?? (signal ? 128 + (signalNumbers[signal] ?? 1) : 1)));
      });
    });

  program
    .command('console')
    .description('open the AWS console signed in with an ACTIVE request (a fresh sign-in URL, valid 15 minutes)')
    .argument('<id|target>', 'request id, or a target id (your newest ACTIVE request on it)')
    .option('--service <key>', 'open this granted service\'s console (default: the request\'s first service)')
    .option('--region <region>', 'open the console in this region (default: the target\'s)')
    .option('--print', 'print the URL instead of opening a browser')
    .action(async (id: string, o: { print?: boolean; service?: string; region?: string }, cmd: Command) => {
      const { api, out } = context(cmd);
      const query = new URLSearchParams({ format: 'json', ...(o.service ? { service: o.service } : {}), ...(o.region ? { region: o.region } : {}) });
      const requestId = await resolveRequestId(api, id);
      const view = await api.call<CredentialsView>('GET', `/requests/${encodeURIComponent(requestId)}/credentials?${query}`);
      if (out.json) return out.printJson({ consoleUrl: view.consoleUrl, consoleUrlExpiresAt: view.consoleUrlExpiresAt });
      if (o.print) return out.print(view.consoleUrl);
      out.info(`Opening the console (link valid until ${view.consoleUrlExpiresAt})`);
      await open(view.consoleUrl);
    });

  program
    .command('profile')
    .description('write an AWS config profile whose credential_process is this CLI (AWS_CONFIG_FILE or ~/.aws/config)')
    .argument('<id|target>', 'request id, or a target id: the profile then follows your newest ACTIVE request on it')
    .requiredOption('--name <name>', 'the profile name')
    .option('--region <region>', 'the profile\'s region (default: the target\'s)')
    .option('--force', 'overwrite a profile of that name not written by access-broker')
    .action(async (id: string, o: { name: string; region?: string; force?: boolean }, cmd: Command) => {
      const { api, out, url } = context(cmd);
      // A request id is checked to exist and be readable; a target must be one the caller may request.
      const byTarget = !isRequestId(id);
      const targetId = byTarget ? id : (await api.call<{ request: RequestView }>('GET', `/requests/${encodeURIComponent(id)}`)).request.target;
      let region = o.region;
      if (!region || byTarget) {
        const catalogue = await api.call<Catalogue>('GET', '/catalogue');
        const target = catalogue.targets.find((t) => t.id === targetId);
        if (byTarget && !target) throw new CliError(`${id} is neither a request id nor a target you may request (see \`access-broker targets\`)`, ExitCode.NOT_FOUND, 'UNKNOWN_TARGET');
        region ??= target?.region;
      }
      const processLine = [process.execPath, launcherPath(io), '--url', url, 'credentials', id, '--format', 'process'].map(quoteWord).join(' ');
      const file = awsConfigFile(io.env);
      const { created } = writeProfile(file, o.name, { credential_process: processLine, ...(region ? { region } : {}) }, o.force === true);
      if (out.json) return out.printJson({ profile: o.name, file, ...(byTarget ? { target: id } : { requestId: id }), created, credentialProcess: processLine, ...(region ? { region } : {}) });
      out.print(`${created ? 'Wrote' : 'Updated'} profile ${o.name} in ${file}: try \`aws sts get-caller-identity --profile ${o.name}\``);
    });

  return program;

  /** The credentials in credential_process form, from the local cache while they have over 5 minutes left. */
  async function processCredentials(api: Api, cache: CredentialCache, url: string, id: string, useCache: boolean): Promise<CachedCredentials> {
    const sub = currentSub(url);
    if (useCache) {
      const cached = cache.get(url, sub, id);
      if (cached) return cached;
    }
    let view: CredentialsView;
    try {
      const requestId = await resolveRequestId(api, id);
      view = await api.call<CredentialsView>('GET', `/requests/${encodeURIComponent(requestId)}/credentials?format=json`);
    } catch (e) {
      if (e instanceof CliError && (e.exitCode === ExitCode.CONFLICT || e.exitCode === ExitCode.NOT_FOUND)) cache.drop(url, sub, id);
      throw e;
    }
    const entry: CachedCredentials = {
      credentials: { Version: 1, AccessKeyId: view.accessKeyId, SecretAccessKey: view.secretAccessKey, SessionToken: view.sessionToken, Expiration: view.expiration },
      region: view.region,
      requestId: view.requestId,
    };
    cache.put(url, sub, id, entry);
    return entry;
  }
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

/** Polls the request until it is ACTIVE or ended, with a spinner on a terminal and one line per change otherwise. */
async function waitForRequest(api: Api, out: Output, initial: RequestView, io: CliIo): Promise<RequestView> {
  let request = initial;
  const spinner = !out.json && io.stderr.isTTY ? yoctoSpinner({ text: `${request.id}: ${request.status}`, stream: io.stderr }).start() : undefined;
  let shown = request.status;
  if (!spinner) out.info(`status: ${request.status}`);
  try {
    while (!WAIT_ENDS.has(request.status)) {
      await new Promise((r) => setTimeout(r, pollIntervalMs(io.env)));
      request = (await api.call<{ request: RequestView }>('GET', `/requests/${encodeURIComponent(request.id)}`)).request;
      if (request.status !== shown) {
        shown = request.status;
        const votes = request.approvals.filter((a) => a.decision === 'approve').length;
        const text = `${request.id}: ${request.status}${request.status === 'PENDING' ? ` (${votes} of ${request.approvalsRequired ?? '?'} approvals)` : ''}`;
        if (spinner) spinner.text = text;
        else out.info(`status: ${request.status}`);
      }
    }
  } finally {
    if (spinner) {
      if (request.status === 'ACTIVE') spinner.success(`${request.id}: ACTIVE until ${request.expiresAt}`);
      else if (WAIT_ENDS.has(request.status)) spinner.error(`${request.id}: ${request.status}`);
      else spinner.stop();
    }
  }
  return request;
}

/** Runs the CLI with `io` (the process's own by default); resolves to the exit code. */
export async function run(argv: string[], io: CliIo = processIo()): Promise<number> {
  const result: { exitCode?: number } = {};
  const program = buildProgram(io, result);
  program.exitOverride();
  for (const sub of program.commands) sub.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.exitCode ?? ExitCode.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    // Options are parsed before any action runs, so --json is known here (and not taken from after `--`).
    return reportError(e, program.opts<{ json?: boolean }>().json === true, io);
  }
}

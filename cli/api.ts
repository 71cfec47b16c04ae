import { bearerToken } from './auth';
import { CliError, ExitCode, exitCodeForStatus } from './exit-codes';
import { httpRequest, type HttpAnswer } from './http';

interface BrokerErrorBody {
  error?: { code?: string; message?: string; details?: { field?: string; rule?: string; message: string }[] };
  message?: string;
}

/** A thin client of the broker's HTTP API: the caller's token on every call, errors as CliError. */
export class Api {
  /** `home`: the CLI's state directory, where the login to `baseUrl` is kept. */
  constructor(
    readonly baseUrl: string,
    private readonly home: string,
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await bearerToken(this.home, this.baseUrl);
    const url = `${this.baseUrl}${path}`;
    let res: HttpAnswer;
    try {
      res = await httpRequest(url, {
        method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new CliError(`Cannot reach the broker at ${this.baseUrl}: ${(e as { code?: string }).code ?? (e as Error).message}`, ExitCode.ERROR, 'UNREACHABLE');
    }
    const text = res.text;
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.ok) {
      if (parsed === undefined) throw new CliError(`${method} ${path} answered ${res.status} without JSON`, ExitCode.ERROR);
      return parsed as T;
    }
    const err = (parsed ?? {}) as BrokerErrorBody;
    if (res.status === 401 && !err.error) {
      throw new CliError(`The broker refused your token (401 Unauthorized): run \`access-broker login\``, ExitCode.AUTH, 'UNAUTHORIZED');
    }
    if (res.status === 404 && !err.error) {
      throw new CliError(`${method} ${path} does not exist on the broker at ${this.baseUrl} (is it an older version?)`, ExitCode.NOT_FOUND, 'NO_ROUTE');
    }
    const message = err.error?.message ?? err.message ?? `${method} ${path} answered HTTP ${res.status}`;
    throw new CliError(message, exitCodeForStatus(res.status), err.error?.code, err.error?.details ?? []);
  }
}

import * as z from 'zod/mini';
import '../../zod-english';
import { STS_MAX_SESSION_SECONDS, STS_MIN_SESSION_SECONDS } from '../../domain/issuance';
import type { Clock, ConsoleSignIn, ConsoleUrlInput } from '../../ports';
import { BrokerErrorName, upstreamError } from '../aws-errors';
import { federationEndpoint } from './federation-endpoints';

/** getSigninToken accepts SessionDuration only within these bounds (seconds): STS's own session range. */
const MIN_CONSOLE_SESSION_SECONDS = STS_MIN_SESSION_SECONDS;
const MAX_CONSOLE_SESSION_SECONDS = STS_MAX_SESSION_SECONDS;

const signinTokenResponse = z.object({ SigninToken: z.string().check(z.minLength(1)) });

export interface FederationSignInDeps {
  /** Federation endpoint for a partition; tests point it at a loopback server. */
  endpointFor?: (partition: string) => string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Give up on the federation endpoint after this long (the URL is minted while a user waits). */
  timeoutMs?: number;
}

/**
 * Federated console sign-in (getSigninToken, then Action=login). The resulting URL and
 * its SigninToken are bearer credentials for the console: never logged, never stored.
 */
export function createFederationSignIn(deps: FederationSignInDeps = {}): ConsoleSignIn {
  const endpointFor = deps.endpointFor ?? federationEndpoint;
  const doFetch = deps.fetch ?? fetch;
  const now = () => (deps.clock ? deps.clock.now() : new Date());
  const timeoutMs = deps.timeoutMs ?? 10_000;

  return {
    async signInUrl(input: ConsoleUrlInput): Promise<string> {
      const endpoint = endpointFor(input.partition);
      const { credentials } = input;
      const session = JSON.stringify({
        sessionId: credentials.accessKeyId,
        sessionKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      });
      let tokenUrl = `${endpoint}?Action=getSigninToken&Session=${encodeURIComponent(session)}`;
      // Role-chained credentials (assumed from a Lambda's role) make getSigninToken answer
      // 400 when SessionDuration is present: their console session simply lasts as long
      // as the credentials. Only credentials from an IAM user's key may set it.
      if (!credentials.chained) {
        tokenUrl += `&SessionDuration=${consoleSessionSeconds(credentials.expiration, now())}`;
      }

      let response: Response;
      try {
        response = await doFetch(tokenUrl, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
      } catch {
        // The fetch error would quote the URL, which holds the credentials.
        throw upstreamError('FEDERATION_FAILED', 'The AWS federation endpoint could not be reached; retry', BrokerErrorName.TRANSIENT);
      }
      if (response.status !== 200) {
        // The body may echo request details; only the status is reported.
        await response.body?.cancel().catch(() => undefined);
        throw upstreamError(
          'FEDERATION_FAILED',
          `The AWS federation endpoint answered HTTP ${response.status} to getSigninToken`,
          response.status >= 500 || response.status === 429 ? BrokerErrorName.TRANSIENT : BrokerErrorName.UPSTREAM,
        );
      }
      let token: string;
      try {
        token = signinTokenResponse.parse(await response.json()).SigninToken;
      } catch {
        throw upstreamError('FEDERATION_FAILED', 'The AWS federation endpoint answered without a SigninToken', BrokerErrorName.UPSTREAM);
      }

      return (
        `${endpoint}?Action=login` +
        `&Issuer=${encodeURIComponent(input.issuer)}` +
        `&Destination=${encodeURIComponent(input.destination)}` +
        `&SigninToken=${encodeURIComponent(token)}`
      );
    },
  };
}

/** The console session should end with the credentials, within getSigninToken's 900..43200. */
export function consoleSessionSeconds(expiration: string, now: Date): number {
  const left = Math.floor((new Date(expiration).getTime() - now.getTime()) / 1000);
  if (Number.isNaN(left)) return MIN_CONSOLE_SESSION_SECONDS;
  return Math.min(MAX_CONSOLE_SESSION_SECONDS, Math.max(MIN_CONSOLE_SESSION_SECONDS, left));
}

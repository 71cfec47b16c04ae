import { join } from 'node:path';
import { loadCatalogueJson } from '../catalogue/load-json';
import { loadConfig, type Config } from '../config/env';
import { newRequestId } from '../domain/ids';
import { createLogger } from '../log/logger';
import type { Deps } from './deps';

export { atColdStart } from './cold-start';

/** Where a function's ports come from when nobody passed them: the environment Lambda gives it. */
export interface Source {
  /** The environment variables, parsed and validated once (a bad one fails naming it). */
  config(): Config;
  env: Record<string, string | undefined>;
}

/** How to build each port of `D` from the environment; `built` holds the ports built before it (keys in order). */
export type Wiring<D> = { [K in keyof D]-?: (source: Source, built: D) => D[K] };

/**
 * A function's ports: each one passed in `given` is used as is (local mode passes its stand-ins,
 * tests their fakes), every other one is built by `wiring` from the environment. The
 * configuration is parsed only if something has to be built from it.
 */
export function compose<D>(wiring: Wiring<D>, given: Partial<D> = {}, env: Record<string, string | undefined> = process.env): D {
  let config: Config | undefined;
  const source: Source = { config: () => (config ??= loadConfig(env)), env };
  const built = {} as D;
  for (const key of Object.keys(wiring) as (keyof D)[]) {
    built[key] = given[key] !== undefined ? (given[key] as D[typeof key]) : wiring[key](source, built);
  }
  return built;
}

/** The ports every function builds the same way. */
export const base = {
  settings: (s: Source): Deps['settings'] => {
    const c = s.config();
    return {
      stage: c.BROKER_STAGE,
      publicBaseUrl: c.BROKER_PUBLIC_BASE_URL.replace(/\/+$/, ''),
      groupsClaim: c.BROKER_GROUPS_CLAIM,
      requireVerifiedEmail: c.BROKER_REQUIRE_EMAIL_VERIFIED,
      issuerPrincipalArns: c.BROKER_ISSUER_PRINCIPAL_ARNS,
      issuerRoleIds: c.BROKER_ISSUER_ROLE_IDS,
    };
  },
  logger: (s: Source): Deps['logger'] => {
    const c = s.config();
    return createLogger({ level: c.LOG_LEVEL, base: { stage: c.BROKER_STAGE, fn: s.env.AWS_LAMBDA_FUNCTION_NAME } });
  },
  /** Packaged next to the bundle as JSON (LAMBDA_TASK_ROOT + BROKER_CATALOGUE_FILE). */
  catalogue: (s: Source): Deps['catalogue'] => loadCatalogueJson(join(s.env.LAMBDA_TASK_ROOT ?? process.cwd(), s.config().BROKER_CATALOGUE_FILE)),
  clock: (): Deps['clock'] => ({ now: () => new Date() }),
  newId: (): Deps['newId'] => () => newRequestId(),
};

/** The DynamoDB endpoint override (local mode and tests only), as client options. */
export const dynamoOptions = (c: Config): { endpoint?: string } => (c.BROKER_DYNAMODB_ENDPOINT ? { endpoint: c.BROKER_DYNAMODB_ENDPOINT } : {});

import type { LogLevel } from '../log/logger';
import { ConfigError, configProblem } from './config-error';

/**
 * The few environment variables a function without AWS clients reads (getCatalogue: who the
 * caller is, where the packaged catalogue is, how much to log), read without zod: that function's
 * cold start is kept within 1.25x an empty handler's, and zod/mini alone adds about 5 ms to it.
 * The rules, defaults and problem lines are loadConfig's (shared/config/env.ts), variable for
 * variable; test/unit/edge-settings.test.ts holds the two side by side so they cannot drift.
 */
export interface EdgeSettings {
  /** BROKER_CATALOGUE_FILE: the compiled catalogue, relative to LAMBDA_TASK_ROOT. */
  catalogueFile: string;
  /** BROKER_GROUPS_CLAIM: the claim holding the caller's groups. */
  groupsClaim: string;
  /** BROKER_REQUIRE_EMAIL_VERIFIED: refuse tokens without `email_verified: true`. */
  requireVerifiedEmail: boolean;
  /** LOG_LEVEL. */
  logLevel: LogLevel;
}

/** zod's English messages for the rules loadConfig applies to these variables. */
const NON_EMPTY = 'Too small: expected string to have >=1 characters';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const ONE_OF_LOG_LEVELS = `Invalid option: expected one of ${LOG_LEVELS.map((l) => `"${l}"`).join('|')}`;

/**
 * The edge settings from `env`, or a ConfigError naming each bad variable and its rule (as
 * loadConfig does, in the same order), so a bad value fails the cold start, not a request.
 */
export function loadEdgeSettings(env: Record<string, string | undefined>): EdgeSettings {
  const problems: string[] = [];
  /** Absent means the default; present must pass `valid` (an empty string is not absent). */
  const read = <T extends string>(variable: string, fallback: T, valid: (value: string) => boolean, rule: string): T => {
    const value = env[variable];
    if (value === undefined) return fallback;
    if (!valid(value)) problems.push(configProblem(variable, value, rule));
    return value as T;
  };
  const catalogueFile = read('BROKER_CATALOGUE_FILE', 'build/catalogue.json', (v) => v.length >= 1, NON_EMPTY);
  const groupsClaim = read('BROKER_GROUPS_CLAIM', 'groups', (v) => v.length >= 1, NON_EMPTY);
  const verified = read('BROKER_REQUIRE_EMAIL_VERIFIED', 'true', (v) => v === 'true' || v === 'false', 'must be true or false');
  const logLevel = read<LogLevel>('LOG_LEVEL', 'info', (v) => (LOG_LEVELS as string[]).includes(v), ONE_OF_LOG_LEVELS);
  if (problems.length > 0) throw new ConfigError(problems);
  return { catalogueFile, groupsClaim, requireVerifiedEmail: verified === 'true', logLevel };
}

/**
 * The lean edge's settings (shared/config/edge-settings.ts, no zod) agree with loadConfig on the
 * variables they share: the same values and defaults when valid, the same problem lines (naming
 * the variable and the rule) when not.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config/env';
import { loadEdgeSettings } from '../../shared/config/edge-settings';

/** The rest of a valid configuration, so loadConfig complains only about the variables under test. */
const REST = {
  BROKER_TABLE_NAME: 'access-broker-test',
  BROKER_PUBLIC_BASE_URL: 'https://broker.example.com',
  BROKER_ALARMS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alarms',
  BROKER_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:approval',
  BROKER_KMS_KEY_ID: 'alias/broker',
  BROKER_MAIL_FROM: 'broker@example.com',
};

function problems(load: () => unknown): string[] | undefined {
  try {
    load();
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

const cases: [string, Record<string, string>, 'valid' | 'invalid'][] = [
  ['all defaults', {}, 'valid'],
  ['set values', { BROKER_CATALOGUE_FILE: 'pkg/cat.json', BROKER_GROUPS_CLAIM: 'cognito:groups', BROKER_REQUIRE_EMAIL_VERIFIED: 'false', LOG_LEVEL: 'debug' }, 'valid'],
  ['a blank claim name (not empty)', { BROKER_GROUPS_CLAIM: ' ' }, 'valid'],
  ['verified true', { BROKER_REQUIRE_EMAIL_VERIFIED: 'true', LOG_LEVEL: 'error' }, 'valid'],
  ['an empty groups claim', { BROKER_GROUPS_CLAIM: '' }, 'invalid'],
  ['an empty catalogue file', { BROKER_CATALOGUE_FILE: '' }, 'invalid'],
  ['verified "yes"', { BROKER_REQUIRE_EMAIL_VERIFIED: 'yes' }, 'invalid'],
  ['verified "TRUE"', { BROKER_REQUIRE_EMAIL_VERIFIED: 'TRUE' }, 'invalid'],
  ['verified empty', { BROKER_REQUIRE_EMAIL_VERIFIED: '' }, 'invalid'],
  ['an unknown log level', { LOG_LEVEL: 'verbose' }, 'invalid'],
  ['an empty log level', { LOG_LEVEL: '' }, 'invalid'],
  ['several at once', { LOG_LEVEL: 'INFO', BROKER_GROUPS_CLAIM: '', BROKER_REQUIRE_EMAIL_VERIFIED: '1', BROKER_CATALOGUE_FILE: '' }, 'invalid'],
];

describe('loadEdgeSettings', () => {
  it.each(cases)('agrees with loadConfig: %s (%j, %s)', (_name, vars, validity) => {
    const env = { ...REST, ...vars };
    const expected = problems(() => loadConfig(env));
    expect(expected === undefined ? 'valid' : 'invalid').toBe(validity);
    expect(problems(() => loadEdgeSettings(env))).toEqual(expected);
    if (expected === undefined) {
      const config = loadConfig(env);
      expect(loadEdgeSettings(env)).toEqual({
        catalogueFile: config.BROKER_CATALOGUE_FILE,
        groupsClaim: config.BROKER_GROUPS_CLAIM,
        requireVerifiedEmail: config.BROKER_REQUIRE_EMAIL_VERIFIED,
        logLevel: config.LOG_LEVEL,
      });
    }
  });

  it('needs none of the variables only other functions use', () => {
    expect(loadEdgeSettings({})).toEqual({ catalogueFile: 'build/catalogue.json', groupsClaim: 'groups', requireVerifiedEmail: true, logLevel: 'info' });
  });

  it('fails naming the variable and the rule', () => {
    expect(() => loadEdgeSettings({ BROKER_REQUIRE_EMAIL_VERIFIED: 'yes' })).toThrow(/BROKER_REQUIRE_EMAIL_VERIFIED: must be true or false/);
  });
});

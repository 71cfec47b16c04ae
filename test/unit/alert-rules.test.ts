/**
 * The EventBridge rules of the alarms on watched-role use (infra/alert-rules.cjs): valid
 * patterns, built from the catalogue, and matching exactly the CloudTrail fixtures they should,
 * both as the module exports them and (once serverless.yml packages) as the packaged
 * CloudFormation template deploys them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENTS_DIR, loadEvent } from '../../events/load';
import { isParseFailure, parseRoleUseEvent } from '../../shared/alerts/cloudtrail-event';
import { watchedRoleArns } from '../../shared/catalogue';
import { loadCatalogueFile } from '../../shared/catalogue/load';
import { decideAlarm } from '../../shared/domain/alarm-scope';
import { matchesPattern, validatePattern, type EventPattern } from '../../shared/eventbridge/pattern';

import type { AlertRule } from '../../local/local-events';
const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

interface AlertRulesModule {
  catalogueFile: string;
  watchedRoleArns: string[];
  assumeRolePattern: EventPattern;
  switchRolePattern: EventPattern;
  rules: AlertRule[];
  ALERT_FUNCTION: string;
  RULE_NAMES: { assumeRole: string; switchRole: string };
  DEFAULT_MAX_PATTERN_CHARS: number;
  buildAlertRules(catalogue: unknown, options?: { source?: string; maxPatternChars?: number }): {
    watchedRoleArns: string[];
    assumeRolePattern: EventPattern;
    switchRolePattern: EventPattern;
    rules: AlertRule[];
  };
  loadAlertRules(env: Record<string, string | undefined>): ReturnType<AlertRulesModule['buildAlertRules']> & { catalogueFile: string };
}

const alertRules = require('../../infra/alert-rules.cjs') as AlertRulesModule;
const { assumeRolePattern, switchRolePattern, rules, RULE_NAMES, buildAlertRules, loadAlertRules } = alertRules;

const EXAMPLE_CATALOGUE = join(ROOT, 'config/catalogue.example.yaml');
const ASSUME = RULE_NAMES.assumeRole;
const SWITCH = RULE_NAMES.switchRole;

/**
 * Every fixture in events/cloudtrail/ and the rule that must match it (null: none). A new
 * fixture without an entry here fails the "covers every fixture" test.
 */
const EXPECTED: Record<string, string | null> = {
  'assume-role-by-broker.json': ASSUME,
  // The same call with a key the broker never received: matched like any AssumeRole of a watched role.
  'assume-role-by-issuer-outside-broker.json': ASSUME,
  // The role account's copy of the broker's call: the rule matches (role watched, call succeeded);
  // the function then skips it as a cross-account copy from the broker account.
  'assume-role-by-broker-target-account-copy.json': ASSUME,
  'assume-role-by-human.json': ASSUME,
  'assume-role-chained-source-identity.json': ASSUME,
  'assume-role-with-saml.json': ASSUME,
  'assume-role-with-web-identity.json': ASSUME,
  'switch-role.json': SWITCH,
  // The STS half of a console switch (invokedBy AWS Internal): the AssumeRole rule delivers it,
  // and the function makes it the same alarm as the SwitchRole record.
  'switch-role-assume-role.json': ASSUME,
  'assume-role-other-role.json': null,
  'get-session-token.json': null,
  'assume-role-failed.json': null,
  // requestParameters (and with it roleArn) is missing, so the roleArn filter cannot match: the
  // rule never delivers it. The function's own "malformed" path is tested with events that pass
  // the rule (test/integration/alerts*.test.ts).
  'malformed.json': null,
};

const fixtureNames = readdirSync(join(EVENTS_DIR, 'cloudtrail'))
  .filter((f) => f.endsWith('.json'))
  .sort();

type Json = Record<string, any>;
const fixture = (name: string): Json => loadEvent<Json>(`cloudtrail/${name}`);

/** Names of the rules in `ruleSet` that match `event`. */
function matchingRules(ruleSet: { name: string; pattern: EventPattern }[], event: unknown): string[] {
  return ruleSet.filter((r) => matchesPattern(r.pattern, event)).map((r) => r.name);
}

describe('infra/alert-rules.cjs', () => {
  it('exports two valid EventBridge patterns, and the same ones in `rules`, all aimed at alertOnAssumeRole', () => {
    expect(validatePattern(assumeRolePattern)).toBe(assumeRolePattern);
    expect(validatePattern(switchRolePattern)).toBe(switchRolePattern);
    expect(rules.map((r) => [r.name, r.target, r.pattern])).toEqual([
      [ASSUME, 'alertOnAssumeRole', assumeRolePattern],
      [SWITCH, 'alertOnAssumeRole', switchRolePattern],
    ]);
    for (const rule of rules) {
      expect(validatePattern(rule.pattern)).toBe(rule.pattern);
      expect(rule.description.length).toBeGreaterThan(10);
      expect(rule.matchBy).toBe('roles');
    }
  });

  it('patterns fit the default 2,048-character EventBridge quota', () => {
    expect(JSON.stringify(assumeRolePattern).length).toBeLessThanOrEqual(2048);
    expect(JSON.stringify(switchRolePattern).length).toBeLessThanOrEqual(2048);
  });

  it('reads the example catalogue by default and watches what the broker watches, in the same order', () => {
    expect(alertRules.catalogueFile).toBe(EXAMPLE_CATALOGUE);
    const expected = watchedRoleArns(loadCatalogueFile(EXAMPLE_CATALOGUE));
    expect(expected).toEqual([
      'arn:aws:iam::111111111111:role/BrokerReadOnly',
      'arn:aws:iam::222222222222:role/BrokerReadOnly',
      // team-readonly's role in each account of its account set.
      'arn:aws:iam::333333333333:role/TeamReadOnly',
      'arn:aws:iam::444444444444:role/TeamReadOnly',
      'arn:aws:iam::222222222222:role/BreakGlassAdmin',
      'arn:aws:iam::111111111111:role/TemporaryAdminRole',
    ]);
    expect(alertRules.watchedRoleArns).toEqual(expected);
  });

  it('AssumeRole rule: the three STS calls (by source and eventName, not detail-type), every watched role name as a case-insensitive suffix, successful calls only', () => {
    expect(assumeRolePattern).toEqual({
      source: ['aws.sts'],
      detail: {
        eventSource: ['sts.amazonaws.com'],
        eventName: ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'],
        requestParameters: {
          roleArn: [
            { suffix: { 'equals-ignore-case': '/BrokerReadOnly' } },
            { suffix: { 'equals-ignore-case': '/TeamReadOnly' } },
            { suffix: { 'equals-ignore-case': '/BreakGlassAdmin' } },
            { suffix: { 'equals-ignore-case': '/TemporaryAdminRole' } },
          ],
        },
        errorCode: [{ exists: false }],
      },
    });
  });

  it('SwitchRole rule: the new session of a watched role, or any record naming SwitchTo', () => {
    expect(switchRolePattern).toEqual({
      source: ['aws.signin'],
      detail: {
        eventSource: ['signin.amazonaws.com'],
        eventName: ['SwitchRole'],
        $or: [
          {
            userIdentity: {
              arn: [
                { prefix: { 'equals-ignore-case': 'arn:aws:sts::111111111111:assumed-role/BrokerReadOnly/' } },
                { prefix: { 'equals-ignore-case': 'arn:aws:sts::222222222222:assumed-role/BrokerReadOnly/' } },
                { prefix: { 'equals-ignore-case': 'arn:aws:sts::333333333333:assumed-role/TeamReadOnly/' } },
                { prefix: { 'equals-ignore-case': 'arn:aws:sts::444444444444:assumed-role/TeamReadOnly/' } },
                { prefix: { 'equals-ignore-case': 'arn:aws:sts::222222222222:assumed-role/BreakGlassAdmin/' } },
                { prefix: { 'equals-ignore-case': 'arn:aws:sts::111111111111:assumed-role/TemporaryAdminRole/' } },
              ],
            },
          },
          { additionalEventData: { SwitchTo: [{ exists: true }] } },
        ],
      },
    });
  });
});

/** The fixture table, run against a set of rules (the module's, then the packaged template's). */
function fixtureSuite(source: string, ruleSet: () => { name: string; pattern: EventPattern }[]) {
  describe(`CloudTrail fixtures against ${source}`, () => {
    it('covers every fixture in events/cloudtrail/', () => {
      expect(fixtureNames).toEqual(Object.keys(EXPECTED).sort());
    });

    it.each(Object.entries(EXPECTED))('%s -> %s', (name, rule) => {
      expect(matchingRules(ruleSet(), fixture(name))).toEqual(rule === null ? [] : [rule]);
    });
  });
}

fixtureSuite('infra/alert-rules.cjs', () => rules);

describe('rules and the alert function agree', () => {
  const scope = {
    watchedRoleArns: watchedRoleArns(loadCatalogueFile(EXAMPLE_CATALOGUE)),
    issuerRoleIds: ['AROA6EXAMPLEBROKER001'],
  };

  it('every fixture the function would alarm on is matched by a rule (the rule never drops an alarm)', () => {
    let alarming = 0;
    for (const name of fixtureNames) {
      const event = fixture(name);
      const use = parseRoleUseEvent(event);
      if (isParseFailure(use) || !decideAlarm(use, scope).alarm) continue;
      alarming++;
      expect(matchingRules(rules, event), name).not.toEqual([]);
    }
    // broker, issuer outside the broker, human, chained, SAML, web identity, switch role (both
    // records), and the
    // malformed fixture (an unparseable-event alarm if a rule delivered it; requestParameters is
    // missing, so none does). The issuer's target-account copy is skipped.
    expect(alarming).toBe(8);
  });

  it('matches a watched role ARN written in another case, which the function treats as the same role', () => {
    const event = fixture('assume-role-by-human.json');
    event.detail.requestParameters.roleArn = 'arn:aws:iam::111111111111:role/temporaryadminrole';
    expect(matchingRules(rules, event)).toEqual([ASSUME]);
    const use = parseRoleUseEvent(event);
    expect(!isParseFailure(use) && decideAlarm(use, scope).alarm).toBe(true);
  });

  it('does not match an unwatched role, nor one whose name merely ends like a watched one', () => {
    for (const roleArn of ['arn:aws:iam::111111111111:role/TemporaryAdminRoleCopy', 'arn:aws:iam::111111111111:role/MyTemporaryAdminRole']) {
      const event = fixture('assume-role-by-human.json');
      event.detail.requestParameters.roleArn = roleArn;
      expect(matchingRules(rules, event), roleArn).toEqual([]);
    }
  });

  it.each([
    'arn:aws:iam::111111111111:role/emergency/TemporaryAdminRole',
    'arn:aws:iam::111111111111:role//TemporaryAdminRole',
    'arn:aws:iam::111111111111:role/a/b/TEMPORARYADMINROLE',
    'ARN:AWS:IAM::111111111111:ROLE/TemporaryAdminRole',
    'arn:aws:IAM::111111111111:Role/temporaryadminrole',
  ])('regression (case and paths): the rule and the function both catch the watched role written as %s', (roleArn) => {
    const event = fixture('assume-role-by-human.json');
    event.detail.requestParameters.roleArn = roleArn;
    expect(matchingRules(rules, event)).toEqual([ASSUME]);
    const use = parseRoleUseEvent(event);
    expect(!isParseFailure(use) && decideAlarm(use, scope).alarm).toBe(true);
  });

  it('the watched role name in another account reaches the function (a superset), which ignores it', () => {
    const event = fixture('assume-role-by-human.json');
    event.detail.requestParameters.roleArn = 'arn:aws:iam::333333333333:role/TemporaryAdminRole';
    expect(matchingRules(rules, event)).toEqual([ASSUME]);
    const use = parseRoleUseEvent(event);
    expect(isParseFailure(use) ? 'parse failure' : decideAlarm(use, scope)).toMatchObject({ alarm: false });
  });

  it.each(['AWS Console Sign In via CloudTrail', 'AWS Console Signin via CloudTrail', 'anything else'])(
    'regression: the SwitchRole rule matches whatever the detail-type says (%s)',
    (detailType) => {
      const event = fixture('switch-role.json');
      event['detail-type'] = detailType;
      expect(matchingRules(rules, event)).toEqual([SWITCH]);
    },
  );

  it('the console AssumeRole records of a switch (invokedBy AWS Internal) are matched by the AssumeRole rule', () => {
    const event = fixture('assume-role-by-human.json');
    event.detail.userIdentity.invokedBy = 'AWS Internal';
    event.detail.requestParameters.roleArn = 'arn:aws:iam::111111111111:role/TemporaryAdminRole';
    expect(matchingRules(rules, event)).toEqual([ASSUME]);
  });

  it('does not match a SwitchRole into an unwatched role, nor one into a role whose name merely starts like a watched one', () => {
    for (const arn of [
      'arn:aws:sts::111111111111:assumed-role/BillingViewer/mallory',
      'arn:aws:sts::111111111111:assumed-role/TemporaryAdminRoleOld/mallory',
    ]) {
      const event = fixture('switch-role.json');
      event.detail.userIdentity.arn = arn;
      expect(matchingRules(rules, event), arn).toEqual([]);
    }
  });

  it('matches a SwitchRole whose session ARN differs in case, and any record carrying SwitchTo (the function filters it)', () => {
    const lower = fixture('switch-role.json');
    lower.detail.userIdentity.arn = 'arn:aws:sts::111111111111:assumed-role/temporaryadminrole/mallory';
    expect(matchingRules(rules, lower)).toEqual([SWITCH]);

    const withSwitchTo = fixture('switch-role.json');
    withSwitchTo.detail.userIdentity = { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/mallory', accountId: '111111111111' };
    withSwitchTo.detail.additionalEventData.SwitchTo = 'arn:aws:iam::111111111111:role/TemporaryAdminRole';
    expect(matchingRules(rules, withSwitchTo)).toEqual([SWITCH]);
    const use = parseRoleUseEvent(withSwitchTo);
    expect(!isParseFailure(use) && decideAlarm(use, scope).alarm).toBe(true);
  });

  it('a failed SwitchRole reaches the function, which drops it', () => {
    const failed = fixture('switch-role.json');
    failed.detail.responseElements.SwitchRole = 'Failure';
    expect(matchingRules(rules, failed)).toEqual([SWITCH]);
    const use = parseRoleUseEvent(failed);
    expect(isParseFailure(use) ? 'parse failure' : decideAlarm(use, scope)).toMatchObject({ alarm: false });
  });
});

describe('building rules from a catalogue', () => {
  const roleArn = (account: string, name: string) => `arn:aws:iam::${account}:role/${name}`;

  it('deduplicates roles, targets first, and keeps aws-cn / aws-us-gov partitions in the session prefixes', () => {
    const built = buildAlertRules({
      targets: [{ roleArn: roleArn('111111111111', 'A') }, { roleArn: 'arn:aws-cn:iam::444444444444:role/path/Cn' }],
      watchedRoles: [{ roleArn: roleArn('111111111111', 'A') }, { roleArn: 'arn:aws-us-gov:iam::555555555555:role/Gov' }],
    });
    expect(built.watchedRoleArns).toEqual([
      roleArn('111111111111', 'A'),
      'arn:aws-cn:iam::444444444444:role/path/Cn',
      'arn:aws-us-gov:iam::555555555555:role/Gov',
    ]);
    const switchOr = (built.switchRolePattern as Json).detail.$or[0].userIdentity.arn;
    expect(switchOr).toEqual([
      { prefix: { 'equals-ignore-case': 'arn:aws:sts::111111111111:assumed-role/A/' } },
      // Assumed-role ARNs carry the role name without its path.
      { prefix: { 'equals-ignore-case': 'arn:aws-cn:sts::444444444444:assumed-role/Cn/' } },
      { prefix: { 'equals-ignore-case': 'arn:aws-us-gov:sts::555555555555:assumed-role/Gov/' } },
    ]);
  });

  it('falls back to one prefix per account when listing every role would exceed the size quota, still matching', () => {
    const targets = Array.from({ length: 40 }, (_, i) => ({ roleArn: roleArn(i % 2 === 0 ? '111111111111' : '222222222222', `BrokerRole${i}WithALongishName`) }));
    const built = buildAlertRules({ targets, watchedRoles: [{ roleArn: roleArn('111111111111', 'TemporaryAdminRole') }] });
    expect(built.rules.map((r) => r.matchBy)).toEqual(['accounts', 'accounts']);
    expect((built.assumeRolePattern as Json).detail.requestParameters.roleArn).toEqual([
      { prefix: { 'equals-ignore-case': 'arn:aws:iam::111111111111:role/' } },
      { prefix: { 'equals-ignore-case': 'arn:aws:iam::222222222222:role/' } },
    ]);
    for (const rule of built.rules) {
      validatePattern(rule.pattern);
      expect(JSON.stringify(rule.pattern).length).toBeLessThanOrEqual(2048);
    }
    // Superset: the watched role matches, and so does an unwatched one in the same account
    // (the function drops that one with decideAlarm).
    expect(matchingRules(built.rules, fixture('assume-role-by-human.json'))).toEqual([ASSUME]);
    expect(matchingRules(built.rules, fixture('assume-role-other-role.json'))).toEqual([ASSUME]);
    expect(matchingRules(built.rules, fixture('switch-role.json'))).toEqual([SWITCH]);
  });

  it('keeps the exact list when the quota was raised and it fits', () => {
    const targets = Array.from({ length: 40 }, (_, i) => ({ roleArn: roleArn('111111111111', `R${i}`) }));
    const built = buildAlertRules({ targets }, { maxPatternChars: 4096 });
    expect(built.rules.map((r) => r.matchBy)).toEqual(['roles', 'roles']);
  });

  it('an account set of many accounts: AssumeRole by role name, SwitchRole falls back to every switch of the partition, still matching', () => {
    const accounts = Array.from({ length: 200 }, (_, i) => String(100000000000 + i));
    const built = buildAlertRules({
      accountSets: { org: accounts },
      targets: [{ accounts: 'org', roleArn: 'arn:aws:iam::${account}:role/BrokerReadOnly' }],
      watchedRoles: [{ roleArn: roleArn('111111111111', 'TemporaryAdminRole') }],
    });
    expect(built.watchedRoleArns).toHaveLength(201);
    expect(built.rules.map((r) => r.matchBy)).toEqual(['roles', 'partitions']);
    expect((built.switchRolePattern as Json).detail.$or[0].userIdentity.arn).toEqual([{ prefix: { 'equals-ignore-case': 'arn:aws:sts::' } }]);
    for (const rule of built.rules) {
      validatePattern(rule.pattern);
      expect(JSON.stringify(rule.pattern).length).toBeLessThanOrEqual(2048);
    }
    expect(matchingRules(built.rules, fixture('assume-role-by-human.json'))).toEqual([ASSUME]);
    expect(matchingRules(built.rules, fixture('switch-role.json'))).toEqual([SWITCH]);
  });

  it('refuses to package a pattern that cannot fit, naming the sizes and the fix', () => {
    const targets = Array.from({ length: 200 }, (_, i) => ({ roleArn: roleArn(String(100000000000 + i), `Role${i}`) }));
    expect(() => buildAlertRules({ targets })).toThrow(/AssumeRole pattern .* over the 2048-character EventBridge limit.*BROKER_EVENT_PATTERN_MAX_CHARS/s);
  });

  it('names the field of a role ARN that is not an IAM role ARN', () => {
    expect(() => buildAlertRules({ targets: [{ roleArn: roleArn('111111111111', 'Ok') }], watchedRoles: [{ roleArn: 'arn:aws:iam::111111111111:user/bob' }] }, { source: 'cat.yaml' })).toThrow(
      'infra/alert-rules.cjs: cat.yaml: watchedRoles[0].roleArn must be a well-formed IAM role ARN',
    );
    expect(() => buildAlertRules({ watchedRoles: [] }, { source: 'cat.yaml' })).toThrow('cat.yaml: `targets` is missing');
  });

  it.each([
    'arn:aws:iam::111111111111:role//Admin',
    'ARN:aws:iam::111111111111:role/Admin',
    'arn:AWS:iam::111111111111:role/Admin',
    'arn:aws:IAM::111111111111:role/Admin',
    'arn:aws:iam::111111111111:Role/Admin',
    'arn:aws:iam::11111111111:role/Admin',
    'arn:aws:iam:us-east-1:111111111111:role/Admin',
    'arn:aws:iam::111111111111:role/',
    'arn:aws:iam::111111111111:role/Admin ',
    'arn:aws:iam::111111111111:role/has space',
    `arn:aws:iam::111111111111:role/${'x'.repeat(65)}`,
  ])('regression: packaging refuses a listed role ARN that is not well formed: %s', (bad) => {
    expect(() => buildAlertRules({ targets: [{ roleArn: bad }] }, { source: 'cat.yaml' })).toThrow(/targets\[0\]\.roleArn must be a well-formed IAM role ARN/);
  });

  it('packaging accepts well-formed role ARNs with paths, in every supported partition', () => {
    const built = buildAlertRules({
      targets: [
        { roleArn: 'arn:aws:iam::111111111111:role/emergency/Admin' },
        { roleArn: 'arn:aws-us-gov:iam::111111111111:role/a/b/Gov' },
        { roleArn: 'arn:aws-cn:iam::111111111111:role/Cn' },
      ],
    });
    expect((built.assumeRolePattern as Json).detail.requestParameters.roleArn).toEqual([
      { suffix: { 'equals-ignore-case': '/Admin' } },
      { suffix: { 'equals-ignore-case': '/Gov' } },
      { suffix: { 'equals-ignore-case': '/Cn' } },
    ]);
  });

  it('loads the catalogue named by BROKER_CATALOGUE_FILE (absolute, or relative to the repository root)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
    const file = join(dir, 'catalogue.yaml');
    writeFileSync(file, 'version: 1\ntargets:\n  - id: one\n    roleArn: arn:aws:iam::777777777777:role/Only\n');
    const fromAbsolute = loadAlertRules({ BROKER_CATALOGUE_FILE: file });
    expect(fromAbsolute.catalogueFile).toBe(file);
    expect(fromAbsolute.watchedRoleArns).toEqual(['arn:aws:iam::777777777777:role/Only']);
    expect(loadAlertRules({ BROKER_CATALOGUE_FILE: 'config/catalogue.example.yaml' }).watchedRoleArns).toEqual(alertRules.watchedRoleArns);
    expect(() => loadAlertRules({ BROKER_CATALOGUE_FILE: join(dir, 'missing.yaml') })).toThrow(/missing\.yaml: cannot read the catalogue/);
    expect(() => loadAlertRules({ BROKER_EVENT_PATTERN_MAX_CHARS: '9000' })).toThrow(/BROKER_EVENT_PATTERN_MAX_CHARS: must be a whole number from 256 to 4096/);
  });
});

describe('serverless.yml', () => {
  const doc = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { functions?: Record<string, { handler?: string }> };
  const text = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');

  it('defines the alert function local mode delivers to', () => {
    expect(doc.functions?.alertOnAssumeRole?.handler).toBe('functions/alert-on-assume-role.handler');
  });

  it('references only exports that exist in infra/alert-rules.cjs', () => {
    const keys = [...text.matchAll(/\$\{file\(\.?\/?infra\/alert-rules\.cjs\):([^}]+)\}/g)].map((m) => m[1]!.trim());
    for (const key of keys) expect(alertRules, key).toHaveProperty([key]);
  });
});

// The packaged template (`osls package`) is what gets deployed. The serverless.yml owner
// provides test/helpers/packaged-template.ts; until it exists these tests are skipped, and
// the comparison above (against the module serverless.yml reads) is the only one.
const PACKAGED_HELPER = join(ROOT, 'test/helpers/packaged-template.ts');
const hasPackagedHelper = existsSync(PACKAGED_HELPER);

interface CfnRule {
  logicalId: string;
  EventPattern: EventPattern;
  State?: string;
  Targets?: Json[];
}

describe.skipIf(!hasPackagedHelper)('packaged CloudFormation template', () => {
  let alertRulesInTemplate: CfnRule[] = [];

  beforeAll(async () => {
    const helper = (await import(/* @vite-ignore */ PACKAGED_HELPER)) as Record<string, unknown>;
    const load = (helper['packagedTemplate'] ?? helper['default']) as (() => unknown) | undefined;
    if (typeof load !== 'function') throw new Error('test/helpers/packaged-template.ts exports no packagedTemplate()');
    const template = (await load()) as { Resources: Record<string, { Type: string; Properties: Json }> };
    alertRulesInTemplate = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Events::Rule')
      .filter(([, r]) => JSON.stringify(r.Properties['Targets'] ?? []).includes('AlertOnAssumeRole'))
      .map(([logicalId, r]) => ({ logicalId, ...(r.Properties as Omit<CfnRule, 'logicalId'>) }));
  }, 300_000);

  it('deploys exactly the two patterns of infra/alert-rules.cjs to alertOnAssumeRole', () => {
    const patterns = alertRulesInTemplate.map((r) => (typeof r.EventPattern === 'string' ? JSON.parse(r.EventPattern) : r.EventPattern));
    expect(patterns).toHaveLength(2);
    expect(patterns).toEqual(expect.arrayContaining([assumeRolePattern, switchRolePattern]));
  });

  it('receives read-only management events (AssumeRole is one) and retries into a dead-letter queue', () => {
    for (const rule of alertRulesInTemplate) {
      expect(rule.State, rule.logicalId).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
      for (const target of rule.Targets ?? []) {
        expect(target['RetryPolicy'], rule.logicalId).toBeDefined();
        expect(target['DeadLetterConfig']?.Arn, rule.logicalId).toBeDefined();
      }
    }
  });

  fixtureSuite('the packaged template', () =>
    alertRulesInTemplate.map((r) => {
      const pattern = typeof r.EventPattern === 'string' ? JSON.parse(r.EventPattern) : r.EventPattern;
      const name = JSON.stringify(pattern) === JSON.stringify(switchRolePattern) ? SWITCH : ASSUME;
      return { name, pattern };
    }),
  );
});

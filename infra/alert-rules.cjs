/**
 * EventBridge rules for the alarms on watched-role use (issue 5), built from the catalogue.
 *
 * serverless.yml uses these plain values (no function is exported at those keys, so osls reads
 * them as they are) in the EventBridge rules whose target is the function `alertOnAssumeRole`
 * (handler functions/alert-on-assume-role.handler):
 *
 *   ${file(infra/alert-rules.cjs):assumeRolePattern}   STS AssumeRole / AssumeRoleWithSAML /
 *                                                      AssumeRoleWithWebIdentity of a watched role
 *   ${file(infra/alert-rules.cjs):switchRolePattern}   console SwitchRole into a watched role
 *
 * Local mode (POST /_local/events, local/local-events.ts) matches events against `rules`, and
 * test/unit/alert-rules.test.ts proves every CloudTrail fixture is matched or not as intended,
 * both here and in the packaged CloudFormation template.
 *
 * CommonJS on purpose: osls loads `${file(x.cjs):key}` with require(), and package.json says
 * "type": "module". Plain Node, no TypeScript, only the `yaml` package.
 *
 * Watched roles: every catalogue target's roleArn (one per account of a target with `accounts`,
 * `${account}` filled in), then every watchedRoles[].roleArn, first
 * occurrence wins (the order of watchedRoleArns() in shared/catalogue). The catalogue file is
 * BROKER_CATALOGUE_FILE (relative to the repository root, as the deployed Lambda reads it
 * relative to its package root), default config/catalogue.example.yaml. Full validation of the
 * catalogue happens where the broker loads it (zod); here a role ARN that is not an IAM role ARN
 * stops packaging with the file and field named.
 *
 * Pattern choices:
 *
 * - Both rules match on `source` and `detail.eventName` (and the event source), never on the
 *   detail-type string: AWS spells the console one two ways ("Sign In" / "Signin").
 *
 * - AssumeRole*: `requestParameters.roleArn` is matched per watched role NAME with a
 *   case-insensitive suffix `/<name>`. STS resolves a role by account and name, so a caller may
 *   write `role/Name`, `role/any/path/Name`, `role//Name`, or the partition, service, `role`
 *   and name in another case, and still obtain the role: every such spelling ends in `/<name>`
 *   (ignoring case). The suffix also matches the same name in other accounts; the function
 *   (decideAlarm, with shared/domain/arn.ts roleKeyOf) alarms only on the watched account's
 *   role. Failed calls (`errorCode` present) are not matched: no session was created.
 *
 * - SwitchRole: the published SwitchRole records carry no `additionalEventData.SwitchTo`; the role
 *   is the new session in `userIdentity.arn` (`arn:<partition>:sts::<account>:assumed-role/<name>/<session>`,
 *   never with a path). So the rule filters on that: a case-insensitive prefix
 *   `...:assumed-role/<name>/` per watched role. Any record that does carry `SwitchTo` is matched
 *   whatever the role (`$or`), because the parser prefers SwitchTo; the function then filters
 *   with decideAlarm. Failed switches (`responseElements.SwitchRole: "Failure"`) are matched and
 *   dropped by the function, which reads the outcome.
 *
 * - Size: an event pattern may be at most 2,048 characters by default (a quota that can be raised
 *   to 4,096; set BROKER_EVENT_PATTERN_MAX_CHARS after raising it). When listing every role would
 *   not fit, the rule falls back to one prefix per account (`arn:aws:iam::<account>:role/`), which
 *   matches a superset; the function still alarms only on watched roles. The SwitchRole rule then
 *   falls back once more, to every switch in the partition (`arn:aws:sts::`): an account set of
 *   hundreds of accounts lists too many accounts, and console switches are few. (The AssumeRole
 *   rule lists role names, which account sets do not multiply.) If nothing fits, packaging
 *   fails with the numbers.
 */
'use strict';

const { arn, absoluteCatalogueFile, catalogueFileSetting, readCatalogue, targetRoleArnsOf } = require('./catalogue-file.cjs');

/** EventBridge's default quota for the size of one event pattern, in characters. */
const DEFAULT_MAX_PATTERN_CHARS = 2048;

/** The function every rule here targets (serverless.yml `functions.alertOnAssumeRole`). */
const ALERT_FUNCTION = 'alertOnAssumeRole';

const ASSUME_ROLE_EVENT_NAMES = ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'];

/** Names of the rules (local mode reports matches by these). */
const RULE_NAMES = {
  assumeRole: 'watched-role-assume-role',
  switchRole: 'watched-role-console-switch-role',
};

function fail(source, message) {
  throw new Error(`infra/alert-rules.cjs: ${source}: ${message}`);
}

/**
 * Every watched role ARN of a parsed catalogue, in watchedRoleArns() order: targets first,
 * then watchedRoles, duplicates dropped.
 */
function watchedRoleArnsOf(catalogue, source) {
  if (catalogue === null || typeof catalogue !== 'object' || Array.isArray(catalogue)) {
    fail(source, 'the catalogue must be a mapping with `targets` (and optionally `watchedRoles`)');
  }
  const arns = [];
  for (const key of ['targets', 'watchedRoles']) {
    const list = catalogue[key];
    if (list === undefined || list === null) {
      if (key === 'targets') fail(source, '`targets` is missing');
      continue;
    }
    if (!Array.isArray(list)) fail(source, `\`${key}\` must be a list`);
    list.forEach((entry, i) => {
      // A target over an account set watches its role in every account of the set.
      const roleArns = key === 'targets' ? targetRoleArnsOf(entry, catalogue) : [entry && typeof entry === 'object' ? entry.roleArn : undefined];
      for (const roleArn of roleArns) {
        if (typeof roleArn !== 'string' || !arn.isWellFormedRoleArn(roleArn)) {
          fail(
            source,
            `${key}[${i}].roleArn must be a well-formed IAM role ARN (arn:aws:iam::123456789012:role/Name or role/path/Name; ` +
              `partition aws, aws-us-gov or aws-cn in lower case; no empty path segment; with \`accounts\`, \${account} as the account), not ${JSON.stringify(roleArn)}`,
          );
        }
        arns.push(roleArn);
      }
    });
  }
  const unique = [...new Set(arns)];
  if (unique.length === 0) fail(source, 'no watched roles: add a target or a watchedRoles entry');
  return unique;
}

function partsOf(roleArn) {
  const { partition, account, name } = arn.parseRoleArn(roleArn);
  return { partition, account, name };
}

const unique = (values) => [...new Set(values)];

/** `arn:aws:iam::111111111111:role/` for each account of the watched roles. */
function roleAccountPrefixes(arns) {
  return unique(arns.map((roleArn) => {
    const { partition, account } = partsOf(roleArn);
    return `arn:${partition}:iam::${account}:role/`;
  }));
}

/** `/<name>` once per watched role name, compared case-insensitively (IAM names are). */
function roleNameSuffixes(arns) {
  const byLower = new Map();
  for (const roleArn of arns) {
    const { name } = partsOf(roleArn);
    if (!byLower.has(name.toLowerCase())) byLower.set(name.toLowerCase(), `/${name}`);
  }
  return [...byLower.values()];
}

function assumeRolePatternWith(roleArnMatchers) {
  return {
    source: ['aws.sts'],
    detail: {
      eventSource: ['sts.amazonaws.com'],
      eventName: [...ASSUME_ROLE_EVENT_NAMES],
      requestParameters: { roleArn: roleArnMatchers },
      errorCode: [{ exists: false }],
    },
  };
}

function switchRolePatternWith(sessionArnMatchers) {
  return {
    source: ['aws.signin'],
    detail: {
      eventSource: ['signin.amazonaws.com'],
      eventName: ['SwitchRole'],
      $or: [
        { userIdentity: { arn: sessionArnMatchers } },
        { additionalEventData: { SwitchTo: [{ exists: true }] } },
      ],
    },
  };
}

/** Length of the pattern as CloudFormation hands it to EventBridge (compact JSON). */
const patternSize = (pattern) => JSON.stringify(pattern).length;

/**
 * The exact pattern if it fits, else the per-account fallback; throws if neither fits.
 * Returns the pattern and which form was used ('roles' or 'accounts').
 */
function fitting(what, exact, perAccount, maxChars, source, perPartition) {
  if (patternSize(exact) <= maxChars) return { pattern: exact, matchBy: 'roles' };
  if (patternSize(perAccount) <= maxChars) return { pattern: perAccount, matchBy: 'accounts' };
  if (perPartition && patternSize(perPartition) <= maxChars) return { pattern: perPartition, matchBy: 'partitions' };
  return fail(
    source,
    `the ${what} pattern is ${patternSize(exact)} characters listing every role and ${patternSize(perAccount)} with one prefix per account, ` +
      `over the ${maxChars}-character EventBridge limit. Raise the "Event pattern size" quota (up to 4096) and set BROKER_EVENT_PATTERN_MAX_CHARS, or watch fewer accounts.`,
  );
}

/**
 * Builds the rules from a parsed catalogue. `source` names the catalogue in errors;
 * `maxPatternChars` is the event pattern size quota.
 */
function buildAlertRules(catalogue, options) {
  const source = (options && options.source) || 'catalogue';
  const maxChars = (options && options.maxPatternChars) || DEFAULT_MAX_PATTERN_CHARS;
  const watchedRoleArns = watchedRoleArnsOf(catalogue, source);

  const assume = fitting(
    'AssumeRole',
    assumeRolePatternWith(roleNameSuffixes(watchedRoleArns).map((suffix) => ({ suffix: { 'equals-ignore-case': suffix } }))),
    assumeRolePatternWith(roleAccountPrefixes(watchedRoleArns).map((prefix) => ({ prefix: { 'equals-ignore-case': prefix } }))),
    maxChars,
    source,
  );

  const sessionPrefixes = unique(watchedRoleArns.map((roleArn) => {
    const { partition, account, name } = partsOf(roleArn);
    return `arn:${partition}:sts::${account}:assumed-role/${name}/`;
  }));
  const accountSessionPrefixes = unique(watchedRoleArns.map((roleArn) => {
    const { partition, account } = partsOf(roleArn);
    return `arn:${partition}:sts::${account}:assumed-role/`;
  }));
  // Console switches are few; with more watched accounts than one pattern can list (account
  // sets), every switch in the partition is delivered and the function alarms on watched roles only.
  const partitionSessionPrefixes = unique(watchedRoleArns.map((roleArn) => `arn:${partsOf(roleArn).partition}:sts::`));
  const switchRole = fitting(
    'SwitchRole',
    switchRolePatternWith(sessionPrefixes.map((prefix) => ({ prefix: { 'equals-ignore-case': prefix } }))),
    switchRolePatternWith(accountSessionPrefixes.map((prefix) => ({ prefix: { 'equals-ignore-case': prefix } }))),
    maxChars,
    source,
    switchRolePatternWith(partitionSessionPrefixes.map((prefix) => ({ prefix: { 'equals-ignore-case': prefix } }))),
  );

  const rules = [
    {
      name: RULE_NAMES.assumeRole,
      description: 'Alarm on AssumeRole, AssumeRoleWithSAML or AssumeRoleWithWebIdentity of a watched role',
      target: ALERT_FUNCTION,
      matchBy: assume.matchBy,
      pattern: assume.pattern,
    },
    {
      name: RULE_NAMES.switchRole,
      description: 'Alarm on a console SwitchRole into a watched role',
      target: ALERT_FUNCTION,
      matchBy: switchRole.matchBy,
      pattern: switchRole.pattern,
    },
  ];
  return { watchedRoleArns, assumeRolePattern: assume.pattern, switchRolePattern: switchRole.pattern, rules };
}

/** Reads and parses the catalogue file named by the environment, then builds the rules. */
function loadAlertRules(env) {
  const environment = env || process.env;
  // Absolute as is (anywhere: local mode and tests build rules from scratch catalogues), otherwise
  // relative to the repository root. Packaging also goes through infra/catalogue-deploy.cjs, which
  // refuses a catalogue outside the repository for the same BROKER_CATALOGUE_FILE.
  const file = absoluteCatalogueFile(catalogueFileSetting(environment));
  const catalogue = readCatalogue(file, (message) => {
    throw new Error(`infra/alert-rules.cjs: ${message}`);
  });
  const rawMax = environment.BROKER_EVENT_PATTERN_MAX_CHARS;
  let maxPatternChars = DEFAULT_MAX_PATTERN_CHARS;
  if (rawMax !== undefined && rawMax !== '') {
    maxPatternChars = Number(rawMax);
    if (!Number.isInteger(maxPatternChars) || maxPatternChars < 256 || maxPatternChars > 4096) {
      fail('BROKER_EVENT_PATTERN_MAX_CHARS', `must be a whole number from 256 to 4096, not ${JSON.stringify(rawMax)}`);
    }
  }
  return { catalogueFile: file, ...buildAlertRules(catalogue, { source: file, maxPatternChars }) };
}

const loaded = loadAlertRules(process.env);

module.exports = {
  /** Absolute path of the catalogue the rules were built from. */
  catalogueFile: loaded.catalogueFile,
  /** Watched role ARNs in watchedRoleArns() order. */
  watchedRoleArns: loaded.watchedRoleArns,
  /** Rule on STS AssumeRole* of a watched role (serverless.yml: `${file(infra/alert-rules.cjs):assumeRolePattern}`). */
  assumeRolePattern: loaded.assumeRolePattern,
  /** Rule on console SwitchRole into a watched role (serverless.yml: `${file(infra/alert-rules.cjs):switchRolePattern}`). */
  switchRolePattern: loaded.switchRolePattern,
  /** [{ name, description, target, matchBy, pattern }] for local mode and tests. */
  rules: loaded.rules,
  ALERT_FUNCTION,
  RULE_NAMES,
  DEFAULT_MAX_PATTERN_CHARS,
  buildAlertRules,
  loadAlertRules,
};

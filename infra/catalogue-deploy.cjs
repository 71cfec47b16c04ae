/**
 * What the deployment derives from the catalogue (serverless.yml reads these with
 * `${file(infra/catalogue-deploy.cjs):<key>}`), so that adding a target is "edit the catalogue,
 * redeploy": the issuer's sts:AssumeRole resources and the approver email subscriptions follow.
 * (The EventBridge rule patterns come from infra/alert-rules.cjs, which reads the same file.)
 *
 * Which catalogue: BROKER_CATALOGUE_FILE, relative to the repository root, default
 * config/catalogue.example.yaml: the same variable infra/alert-rules.cjs reads, and the path the
 * deployed functions read relative to their package root (LAMBDA_TASK_ROOT). The serverless
 * param `catalogueFile` defaults to it; a different value is refused, because the rules would
 * then watch another catalogue's roles than the one the functions load.
 *
 * Only a light check here (YAML, role ARNs, emails): the functions validate the whole catalogue
 * with zod at cold start, and the test suite validates the example.
 *
 * CommonJS: osls loads `${file(x.cjs):key}` with require() and package.json says "type": "module".
 */
'use strict';

const { execFileSync } = require('node:child_process');
const { isAbsolute, join, relative, sep } = require('node:path');
const { DEFAULT_CATALOGUE_FILE, ROLE_ARN, ROOT, absoluteCatalogueFile, catalogueFileSetting, readCatalogue } = require('./catalogue-file.cjs');

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

function fail(message) {
  throw new Error(`infra/catalogue-deploy.cjs: ${message}`);
}

/**
 * The catalogue path relative to the repository root, as the functions' BROKER_CATALOGUE_FILE
 * and the package pattern need it. It must live inside the repository: it is packaged.
 */
function relativeCatalogueFile(file) {
  const rel = relative(ROOT, absoluteCatalogueFile(file));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    fail(`the catalogue ${file} must be a file inside the repository (it is packaged with every function)`);
  }
  return rel.split(sep).join('/');
}

/** BROKER_CATALOGUE_FILE as infra/alert-rules.cjs resolves it, relative to the repository root. */
function catalogueFileFromEnv(env = process.env) {
  return relativeCatalogueFile(catalogueFileSetting(env));
}

/** `file` is relative to the repository root (relativeCatalogueFile). */
function loadCatalogue(file) {
  const catalogue = readCatalogue(file, fail);
  if (catalogue === null || typeof catalogue !== 'object' || !Array.isArray(catalogue.targets)) {
    fail(`${file}: the catalogue must be a mapping with a \`targets\` list`);
  }
  return catalogue;
}

/**
 * Targets grouped by issuer mode. `chained` (the default) targets are assumed with the Lambda
 * issuer role's own credentials, so that role needs sts:AssumeRole on them; `user` targets are
 * assumed with the issuer IAM user's key, so the role needs nothing on them (the user does).
 */
function targetsByIssuer(catalogue, file) {
  const chained = [];
  const user = [];
  catalogue.targets.forEach((target, i) => {
    const roleArn = target && target.roleArn;
    if (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn)) {
      fail(`${file}: targets[${i}].roleArn must be an IAM role ARN, not ${JSON.stringify(roleArn)}`);
    }
    const issuer = (target && target.issuer) || 'chained';
    if (issuer === 'chained') chained.push(roleArn);
    else if (issuer === 'user') user.push(roleArn);
    else fail(`${file}: targets[${i}].issuer must be chained or user, not ${JSON.stringify(issuer)}`);
  });
  const unique = (values) => [...new Set(values)].sort();
  return { chained: unique(chained), user: unique(user) };
}

/**
 * Where the broker writes each target's ended-sessions deny: targets with a `sessionDenyRoleArn`
 * through that role (the broker needs sts:AssumeRole on it), the others with the broker's own
 * credentials (it needs the inline-policy actions on the target role itself; IAM policies act
 * only in their own account, so this can only ever reach roles in the broker's account).
 */
function sessionDenyTargets(catalogue, file) {
  const assume = [];
  const direct = [];
  catalogue.targets.forEach((target, i) => {
    const denyRole = target && target.sessionDenyRoleArn;
    if (denyRole === undefined) direct.push(target.roleArn);
    else if (typeof denyRole === 'string' && ROLE_ARN.test(denyRole)) assume.push(denyRole);
    else fail(`${file}: targets[${i}].sessionDenyRoleArn must be an IAM role ARN, not ${JSON.stringify(denyRole)}`);
  });
  const unique = (values) => [...new Set(values)].sort();
  return { assume: unique(assume), direct: unique(direct) };
}

/** Every approver email of every target, lower-cased (the catalogue compares them so). */
function approverEmailsOf(catalogue) {
  const emails = [];
  for (const target of catalogue.targets) {
    for (const email of (target && target.approvers && target.approvers.emails) || []) emails.push(String(email).toLowerCase());
  }
  return [...new Set(emails)].sort();
}

/**
 * The catalogue file the deployment uses, checked against BROKER_CATALOGUE_FILE (what the alert
 * rules read). `requested` is the serverless param `catalogueFile`.
 */
function checkedCatalogueFile(requested, env = process.env) {
  const fromEnv = catalogueFileFromEnv(env);
  const file = relativeCatalogueFile(requested || fromEnv);
  if (file !== fromEnv) {
    fail(
      `param catalogueFile is ${file} but BROKER_CATALOGUE_FILE (read by infra/alert-rules.cjs for the rule patterns) is ${fromEnv}. ` +
        `Choose the catalogue with BROKER_CATALOGUE_FILE=${file} instead of --param, so the functions and the rules use the same one.`,
    );
  }
  return file;
}

/**
 * `approverEmails` param: empty = every approver email in the catalogue; `none` = no
 * subscriptions; otherwise a comma-separated list.
 */
function parseEmailList(value, what) {
  const text = String(value == null ? '' : value).trim();
  if (text === '' || text.toLowerCase() === 'none') return [];
  const emails = text.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean);
  for (const email of emails) if (!EMAIL.test(email)) fail(`${what}: ${JSON.stringify(email)} is not an email address`);
  return [...new Set(emails)].sort();
}

function approverEmailsFor(param, catalogue) {
  const text = String(param == null ? '' : param).trim();
  if (text === '') return approverEmailsOf(catalogue);
  return parseEmailList(text, 'param approverEmails');
}

/** Everything at once, for tests and for the resolvers below. */
function deployConfig({ catalogueFile, approverEmails } = {}, env = process.env) {
  const file = checkedCatalogueFile(catalogueFile, env);
  const catalogue = loadCatalogue(file);
  const targets = targetsByIssuer(catalogue, file);
  const denies = sessionDenyTargets(catalogue, file);
  return {
    catalogueFile: file,
    chainedTargetRoleArns: targets.chained,
    userTargetRoleArns: targets.user,
    sessionDenyRoleArns: denies.assume,
    directSessionDenyTargetRoleArns: denies.direct,
    approverEmails: approverEmailsFor(approverEmails, catalogue),
  };
}

/** A role ARN in this account that never exists, for a branch CloudFormation never deploys. */
const placeholderRole = (name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${name}` });

const messageOf = (error) => (error && error.message ? error.message : String(error));

/** Where packaging writes the validated catalogue as JSON; the functions read it (BROKER_CATALOGUE_FILE). */
const PACKAGED_CATALOGUE_FILE = 'build/catalogue.json';
const writtenFrom = new Map();

/**
 * Validates the catalogue `file` with the functions' own zod schema (infra/catalogue-json.ts, run
 * with tsx) and writes it as JSON to PACKAGED_CATALOGUE_FILE; returns that path, relative to the
 * repository root. A catalogue that breaks a rule fails the package with the rule's message.
 */
function writePackagedCatalogue(file) {
  if (writtenFrom.has(file)) return writtenFrom.get(file);
  try {
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'infra', 'catalogue-json.ts'), absoluteCatalogueFile(file), join(ROOT, PACKAGED_CATALOGUE_FILE)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
    );
  } catch (error) {
    const detail = error && error.stderr ? String(error.stderr).trim() : messageOf(error);
    fail(`${file}: ${detail}`);
  }
  writtenFrom.set(file, PACKAGED_CATALOGUE_FILE);
  return PACKAGED_CATALOGUE_FILE;
}

/** A serverless param as a string ('' when unset). */
const param = async (resolveVariable, name) => {
  const value = await resolveVariable(`param:${name}`);
  return value == null ? '' : String(value);
};

/** deployConfig from the serverless params catalogueFile and approverEmails. */
const fromParams = async (resolveVariable) =>
  deployConfig({
    catalogueFile: await param(resolveVariable, 'catalogueFile'),
    approverEmails: await param(resolveVariable, 'approverEmails'),
  });

module.exports = {
  /** The catalogue path relative to the repository root (BROKER_CATALOGUE_FILE of the functions, and the package pattern). */
  catalogueFile: async ({ resolveVariable }) => (await fromParams(resolveVariable)).catalogueFile,
  /**
   * The catalogue as the functions ship it: validated (zod) and written as JSON at package time,
   * so no function bundles a YAML parser (BROKER_CATALOGUE_FILE of the functions, and the package pattern).
   */
  packagedCatalogueFile: async ({ resolveVariable }) => writePackagedCatalogue((await fromParams(resolveVariable)).catalogueFile),
  /**
   * Role ARNs of the `chained` targets: the Resource of the issuer role's sts:AssumeRole,
   * sts:TagSession and sts:SetSourceIdentity. With no chained target the whole policy is left
   * out by the HasChainedTargets condition; the list is then a placeholder CloudFormation never
   * deploys (a Resource list must not be empty even in an unused branch).
   */
  chainedTargetRoleArns: async ({ resolveVariable }) => {
    const { chainedTargetRoleArns } = await fromParams(resolveVariable);
    return chainedTargetRoleArns.length > 0 ? chainedTargetRoleArns : ['arn:aws:iam::000000000000:role/no-chained-target'];
  },
  /** 'true' when at least one target is `chained` (a CloudFormation condition compares it). */
  hasChainedTargets: async ({ resolveVariable }) => String((await fromParams(resolveVariable)).chainedTargetRoleArns.length > 0),
  /**
   * Target roles whose ended-sessions deny the broker writes with its own credentials (no
   * sessionDenyRoleArn): the Resource of iam:List/Get/Put/DeleteRolePolicy. A placeholder when
   * there is none (the HasDirectSessionDenyTargets condition then leaves the statement out).
   */
  directSessionDenyTargetRoleArns: async ({ resolveVariable }) => {
    const { directSessionDenyTargetRoleArns } = await fromParams(resolveVariable);
    return directSessionDenyTargetRoleArns.length > 0 ? directSessionDenyTargetRoleArns : [placeholderRole('no-direct-session-deny-target')];
  },
  hasDirectSessionDenyTargets: async ({ resolveVariable }) => String((await fromParams(resolveVariable)).directSessionDenyTargetRoleArns.length > 0),
  /** The targets' session-deny roles in their own accounts: the Resource of sts:AssumeRole (placeholder when none). */
  sessionDenyRoleArns: async ({ resolveVariable }) => {
    const { sessionDenyRoleArns } = await fromParams(resolveVariable);
    return sessionDenyRoleArns.length > 0 ? sessionDenyRoleArns : [placeholderRole('no-session-deny-role')];
  },
  hasSessionDenyRoles: async ({ resolveVariable }) => String((await fromParams(resolveVariable)).sessionDenyRoleArns.length > 0),
  /** Lower-cased approver emails to subscribe to the approvals topic (see parseEmailList). */
  approverEmails: async ({ resolveVariable }) => (await fromParams(resolveVariable)).approverEmails,
  // For tests, scripts and infra/deploy-resources.cjs.
  DEFAULT_CATALOGUE_FILE,
  PACKAGED_CATALOGUE_FILE,
  writePackagedCatalogue,
  deployConfig,
  fromParams,
  param,
  parseEmailList,
  relativeCatalogueFile,
  checkedCatalogueFile,
};

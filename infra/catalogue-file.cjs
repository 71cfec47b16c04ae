/**
 * The catalogue as the deployment reads it, shared by infra/alert-rules.cjs (the EventBridge
 * patterns) and infra/catalogue-deploy.cjs (IAM resources, subscriptions): where the file is,
 * reading and parsing it (once per process), and the role ARN rule of their light checks. Full
 * validation of the catalogue happens where the broker loads it (zod, shared/catalogue).
 *
 * CommonJS: osls loads `${file(x.cjs):key}` with require() and package.json says "type": "module".
 */
'use strict';

const { readFileSync } = require('node:fs');
const { isAbsolute, resolve } = require('node:path');
const YAML = require('yaml');
const { requireTs } = require('./require-ts.cjs');

/** The broker's own ARN module (shared/domain/arn.ts), built for CommonJS: no copied regexes. */
const arn = requireTs('shared/domain/arn.ts');
/** The broker's account-set rules (shared/domain/target-account.ts): `${account}` in role ARNs. */
const targetAccount = requireTs('shared/domain/target-account.ts');

/**
 * The concrete role ARNs of a raw catalogue target: its roleArn, or with `accounts` (an
 * `accountSets` name or a list of ids) one ARN per account, `${account}` filled in. A name that
 * is no account set, or a non-list, yields the template itself, which the callers' ARN check then
 * refuses naming the field.
 */
function targetRoleArnsOf(target, catalogue) {
  const roleArn = target && target.roleArn;
  if (!target || target.accounts === undefined || typeof roleArn !== 'string') return [roleArn];
  const sets = (catalogue && catalogue.accountSets) || {};
  const accounts = typeof target.accounts === 'string' ? sets[target.accounts] : target.accounts;
  if (!Array.isArray(accounts) || accounts.length === 0) return [roleArn];
  return accounts.map((account) => targetAccount.roleArnIn(roleArn, String(account)));
}

/** The repository root: this file lives in infra/. */
const ROOT = resolve(__dirname, '..');

const DEFAULT_CATALOGUE_FILE = 'config/catalogue.example.yaml';

/** A well-formed IAM role ARN, as shared/domain/arn.ts defines it (groups: 1 partition, 2 account). */
const ROLE_ARN = arn.ROLE_ARN;

/** BROKER_CATALOGUE_FILE as written (default config/catalogue.example.yaml). */
function catalogueFileSetting(env) {
  return (env && env.BROKER_CATALOGUE_FILE) || DEFAULT_CATALOGUE_FILE;
}

/** A catalogue path made absolute: absolute as is, otherwise relative to the repository root. */
function absoluteCatalogueFile(file) {
  return isAbsolute(file) ? file : resolve(ROOT, file);
}

const messageOf = (error) => (error && error.message ? error.message : String(error));

/** Parsed catalogues by absolute path: packaging resolves several variables from the same file. */
const parsedByPath = new Map();

/**
 * Reads and parses the catalogue at `file` (absolute, or relative to the repository root).
 * A failure is reported through `fail(message)`, the message starting with `label` (default
 * `file`); only successful reads are remembered. Callers share the result: never modify it.
 */
function readCatalogue(file, fail, label = file) {
  const path = absoluteCatalogueFile(file);
  if (parsedByPath.has(path)) return parsedByPath.get(path);
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`${label}: cannot read the catalogue: ${messageOf(error)}`);
  }
  let catalogue;
  try {
    catalogue = YAML.parse(text);
  } catch (error) {
    return fail(`${label}: the catalogue is not valid YAML: ${messageOf(error)}`);
  }
  parsedByPath.set(path, catalogue);
  return catalogue;
}

module.exports = {
  ROOT,
  DEFAULT_CATALOGUE_FILE,
  ROLE_ARN,
  arn,
  targetRoleArnsOf,
  catalogueFileSetting,
  absoluteCatalogueFile,
  readCatalogue,
};

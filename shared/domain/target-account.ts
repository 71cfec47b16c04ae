/**
 * Which account and role a grant is for. A catalogue target names either one `account` and a
 * concrete `roleArn`, or `accounts` (an account set) and a `roleArn` template containing
 * `${account}`; a request for such a target names the account it wants, and everything after
 * submission (issuance, console, history, alarms) uses the concrete account and role.
 *
 * Free of imports other than the error types, so infra/*.cjs can load it through
 * infra/require-ts.cjs (the issuer's sts:AssumeRole resources and the alarm patterns expand
 * account sets with this same code).
 */
import { ValidationError } from './errors';

/** The placeholder for the granted account, in a role ARN template, a resource ARN or a condition value. */
export const ACCOUNT_PLACEHOLDER = '${account}';
/** The placeholder for the target's region, in a resource ARN or a condition value. */
export const REGION_PLACEHOLDER = '${region}';

/** What a grant resolves placeholders with. */
export interface GrantScope {
  account: string;
  region: string;
}

/** `text` with `${account}` and `${region}` replaced (every occurrence). */
export function resolvePlaceholders(text: string, scope: GrantScope): string {
  return text.split(ACCOUNT_PLACEHOLDER).join(scope.account).split(REGION_PLACEHOLDER).join(scope.region);
}

/** `${...}` placeholders other than `${account}` and `${region}` in `text` (a typo would reach IAM as text). */
export function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}?/g)].map((m) => m[0]).filter((p) => p !== ACCOUNT_PLACEHOLDER && p !== REGION_PLACEHOLDER);
}

/** The role ARN of a target in one account: the template resolved, or the concrete ARN as is. */
export function roleArnIn(roleArn: string, account: string): string {
  return roleArn.split(ACCOUNT_PLACEHOLDER).join(account);
}

/** The shape of a target these rules read (the catalogue's Target, or its raw file entry once expanded). */
export interface AccountTarget {
  id: string;
  account?: string;
  accounts?: readonly string[];
  roleArn: string;
}

/** Every concrete role ARN of a target: one per account of its set, or its one role. */
export function targetRoleArns(target: AccountTarget): string[] {
  if (target.accounts) return target.accounts.map((account) => roleArnIn(target.roleArn, account));
  return [target.roleArn];
}

/** The accounts a request for this target may name. */
export const targetAccounts = (target: AccountTarget): string[] =>
  target.accounts ? [...target.accounts] : target.account !== undefined ? [target.account] : [];

/**
 * The account and role a request for `target` is for. An account-set target needs `requested`
 * to be one of its accounts (400 naming the allowed list otherwise); a single-account target
 * takes its own account, and a `requested` account must then equal it.
 */
export function grantAccount(target: AccountTarget, requested: string | undefined): { account: string; roleArn: string } {
  const allowed = targetAccounts(target);
  if (requested === undefined) {
    if (target.accounts) {
      throw new ValidationError(`${target.id} spans several accounts: name one`, [
        { field: 'account', rule: 'required', message: `${target.id} spans several accounts; name one of: ${allowed.join(', ')}` },
      ]);
    }
    return { account: allowed[0]!, roleArn: target.roleArn };
  }
  if (!allowed.includes(requested)) {
    throw new ValidationError(`Account ${requested} is not an account of ${target.id}`, [
      { field: 'account', rule: 'in-set', message: `"${requested}" is not an account of ${target.id}; allowed: ${allowed.join(', ')}` },
    ]);
  }
  return { account: requested, roleArn: roleArnIn(target.roleArn, requested) };
}

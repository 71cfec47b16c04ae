/**
 * Amazon Resource Names, read in one place: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
 *
 * Also used by the packaging code in infra/*.cjs (through infra/require-ts.cjs, which bundles this
 * file with esbuild when osls loads them), so the EventBridge patterns and the classifier read
 * role ARNs with the same rules. Keep it free of imports.
 *
 * Two kinds of reading:
 * - strict (`ROLE_ARN`, `isWellFormedRoleArn`): for ARNs people write in the catalogue, checked
 *   when packaging and when the broker loads it;
 * - lenient (`parseArn`, `roleKeyOf`): for ARNs found in CloudTrail events, where a caller may
 *   have written the partition, service or resource type in another case, or an IAM path the
 *   role does not have (`role/path/Name`, `role//Name`). STS resolves a role by account and
 *   name, so those spellings reach the same role and must compare equal.
 */

/** The parts of an ARN; region and account may be empty (IAM ARNs have no region). */
export interface Arn {
  /** Lower-cased (aws, aws-us-gov, aws-cn...). */
  partition: string;
  /** Lower-cased (iam, sts...). */
  service: string;
  region: string;
  account: string;
  /** As written; `resourceType` is its first segment, lower-cased. */
  resource: string;
  /** The resource's first `/`-separated segment, lower-cased (role, user, assumed-role...). */
  resourceType: string;
}

const ARN = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/is;

/** Partitions the broker supports. */
export const PARTITIONS = ['aws', 'aws-us-gov', 'aws-cn'] as const;

/** An IAM role name: 1-64 characters of [\w+=,.@-]. */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * A well-formed IAM role ARN as a person writes it in the catalogue: partition aws, aws-us-gov or
 * aws-cn (lower case), service `iam`, a 12-digit account, `role/`, an optional IAM path of
 * non-empty segments of printable ASCII, and a role name of 1-64 [\w+=,.@-]. Groups: 1
 * partition, 2 account. (Not `role//Name`: that spelling reaches the role in an API call, but
 * a catalogue must name it plainly.)
 */
export const ROLE_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role\/(?:[\x21-\x2e\x30-\x7e]+\/)*[\w+=,.@-]{1,64}$/;

/** True for a role ARN the catalogue may list (see ROLE_ARN). */
export const isWellFormedRoleArn = (arn: string): boolean => ROLE_ARN.test(arn);

/**
 * Splits an ARN (surrounding whitespace ignored); undefined when it is not shaped like one.
 * Partition, service and resource type are lower-cased: they compare case-insensitively.
 */
export function parseArn(arn: string): Arn | undefined {
  const m = ARN.exec(arn.trim());
  if (!m) return undefined;
  const resource = m[5]!;
  const slash = resource.indexOf('/');
  return {
    partition: m[1]!.toLowerCase(),
    service: m[2]!.toLowerCase(),
    region: m[3]!,
    account: m[4]!,
    resource,
    resourceType: (slash < 0 ? resource : resource.slice(0, slash)).toLowerCase(),
  };
}

/** The account of an ARN; undefined when it is not an ARN or names no account. */
export function accountOfArn(arn: string): string | undefined {
  const account = parseArn(arn)?.account;
  return account === '' ? undefined : account;
}

/** The partition of an ARN (aws, aws-us-gov, aws-cn...); undefined when it is not an ARN. */
export function partitionOfArn(arn: string): string | undefined {
  return parseArn(arn)?.partition;
}

/** A role named by an IAM role ARN or an STS assumed-role ARN. */
export interface RoleRef {
  partition: string;
  account: string;
  /** The role name as written (case kept). */
  name: string;
  /** The IAM path as written between `role/` and the name (`''` when none); never in assumed-role ARNs. */
  path: string;
  /** The session name, for an assumed-role ARN. */
  sessionName?: string;
}

/**
 * Reads `arn:P:iam::ACCT:role[/path]/NAME` (any path, empty segments included, any case of
 * partition, service and `role`) or `arn:P:sts::ACCT:assumed-role/NAME/SESSION`. Undefined for
 * anything else, or when the account is empty or the name is not a role name.
 */
export function parseRoleArn(arn: string): RoleRef | undefined {
  const parsed = parseArn(arn);
  if (!parsed || parsed.account === '') return undefined;
  const parts = parsed.resource.split('/');
  if (parsed.service === 'iam' && parsed.resourceType === 'role' && parts.length >= 2) {
    const name = parts[parts.length - 1]!;
    if (!ROLE_NAME.test(name)) return undefined;
    return { partition: parsed.partition, account: parsed.account, name, path: parts.slice(1, -1).join('/') };
  }
  if (parsed.service === 'sts' && parsed.resourceType === 'assumed-role' && parts.length >= 3) {
    const name = parts[1]!;
    if (!ROLE_NAME.test(name)) return undefined;
    return { partition: parsed.partition, account: parsed.account, name, path: '', sessionName: parts.slice(2).join('/') };
  }
  return undefined;
}

/**
 * One comparable key per role: `partition:account:name` with the name lower-cased (IAM role
 * names are unique regardless of case) and the path dropped (STS resolves a role by account and
 * name; assumed-role ARNs never carry the path). Undefined when the ARN names no role.
 */
export function roleKeyOf(arn: string): string | undefined {
  const role = parseRoleArn(arn);
  return role === undefined ? undefined : `${role.partition}:${role.account}:${role.name.toLowerCase()}`;
}

/**
 * One comparable form per principal: an assumed-role session and an IAM role (any path, any
 * case) become `arn:P:iam::ACCT:role/<name lower-cased>`, an IAM user likewise
 * `...:user/<name lower-cased>`. Anything unrecognised compares as itself, trimmed.
 */
export function canonicalPrincipal(arn: string): string {
  const role = parseRoleArn(arn);
  if (role) return `arn:${role.partition}:iam::${role.account}:role/${role.name.toLowerCase()}`;
  const parsed = parseArn(arn);
  if (parsed && parsed.service === 'iam' && parsed.resourceType === 'user') {
    const parts = parsed.resource.split('/');
    if (parts.length >= 2) return `arn:${parsed.partition}:iam::${parsed.account}:user/${parts[parts.length - 1]!.toLowerCase()}`;
  }
  return arn.trim();
}

/** True when two principal ARNs name the same principal (see canonicalPrincipal). */
export const samePrincipal = (a: string, b: string): boolean => canonicalPrincipal(a) === canonicalPrincipal(b);

/** `arn:aws:iam::ACCT:role/path/NAME` or an assumed-role ARN -> `NAME`; the input itself otherwise. */
export function roleNameOf(roleArn: string): string {
  const parsed = parseArn(roleArn);
  if (!parsed) return roleArn;
  const parts = parsed.resource.split('/');
  if (parsed.service === 'iam' && parsed.resourceType === 'role' && parts.length >= 2) return parts[parts.length - 1]!;
  if (parsed.service === 'sts' && parsed.resourceType === 'assumed-role' && parts.length >= 3) return parts[1]!;
  return roleArn;
}

/**
 * Amazon Resource Names, read in one place: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
 */

/** The parts of an ARN; region and account may be empty (IAM ARNs have no region). */
export interface Arn {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

const ARN = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/s;

/**
 * An IAM role ARN in a partition the broker supports (aws, aws-us-gov, aws-cn). Role paths
 * are allowed; the role name is 1-64 characters of [\w+=,.@-]. Groups: 1 partition, 2 account.
 */
export const ROLE_ARN = /^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** Splits an ARN (surrounding whitespace ignored); undefined when it is not shaped like one. */
export function parseArn(arn: string): Arn | undefined {
  const m = ARN.exec(arn.trim());
  if (!m) return undefined;
  return { partition: m[1]!, service: m[2]!, region: m[3]!, account: m[4]!, resource: m[5]! };
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

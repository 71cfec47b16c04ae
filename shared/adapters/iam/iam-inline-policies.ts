import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { partitionOfArn, ROLE_ARN } from '../../domain/arn';
import { ValidationError } from '../../domain/errors';
import type { RoleInlinePolicies, RoleInlinePoliciesFor } from '../../ports/session-denies';
import { awsErrorCode } from '../aws-errors';
import { mapIamError } from './iam-errors';

/** The role's name: the last segment of its ARN (IAM's *RolePolicy calls take the name, not the path). */
export function roleNameOf(roleArn: string): string {
  if (!ROLE_ARN.test(roleArn)) {
    throw new ValidationError(`roleArn must be an IAM role ARN; got ${JSON.stringify(roleArn)}`, [
      { field: 'roleArn', rule: 'role-arn', message: 'must be arn:<partition>:iam::<account>:role/[path/]name' },
    ]);
  }
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

const isNoSuchEntity = (error: unknown) => awsErrorCode(error).replace(/Exception$/, '') === 'NoSuchEntity';

/**
 * RoleInlinePolicies on IAM: ListRolePolicies (all pages), GetRolePolicy (IAM returns the
 * document URL-encoded, RFC 3986; it is decoded here), PutRolePolicy and DeleteRolePolicy.
 * Errors are mapped by mapIamError; NoSuchEntity on GetRolePolicy/DeleteRolePolicy means the
 * policy is absent (the role's own existence is settled by ListRolePolicies first).
 */
export function iamInlinePolicies(iam: IAMClient, roleArn: string): RoleInlinePolicies {
  const RoleName = roleNameOf(roleArn);
  return {
    async list() {
      const names: string[] = [];
      let Marker: string | undefined;
      try {
        do {
          const out = await iam.send(new ListRolePoliciesCommand({ RoleName, ...(Marker ? { Marker } : {}) }));
          names.push(...(out.PolicyNames ?? []));
          Marker = out.IsTruncated ? out.Marker : undefined;
        } while (Marker);
      } catch (error) {
        throw mapIamError(error, { operation: 'ListRolePolicies', roleArn });
      }
      return names;
    },
    async get(PolicyName) {
      try {
        const out = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
        return out.PolicyDocument === undefined ? undefined : decodeURIComponent(out.PolicyDocument);
      } catch (error) {
        if (isNoSuchEntity(error)) return undefined;
        throw mapIamError(error, { operation: 'GetRolePolicy', roleArn, policyName: PolicyName });
      }
    },
    async put(PolicyName, PolicyDocument) {
      try {
        await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument }));
      } catch (error) {
        throw mapIamError(error, { operation: 'PutRolePolicy', roleArn, policyName: PolicyName, documentChars: PolicyDocument.length });
      }
    },
    async delete(PolicyName) {
      try {
        await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
      } catch (error) {
        if (isNoSuchEntity(error)) return;
        throw mapIamError(error, { operation: 'DeleteRolePolicy', roleArn, policyName: PolicyName });
      }
    },
  };
}

/** How the broker reaches IAM in the target role's account. */
export interface TargetAccountIamOptions {
  /** The broker's own STS client (its Lambda role), used to assume the session-deny role. */
  sts: STSClient;
  /**
   * The role the broker assumes to edit this target role's inline policies (the output
   * SessionDenyRoleArn of the target-account stack that created the role), or undefined to
   * call IAM with the broker's own credentials (a target role in the broker's own account).
   */
  sessionDenyRoleArn(targetRoleArn: string): string | undefined;
  /** The ExternalId that role's trust policy requires (the target's externalId), if any. */
  externalId(targetRoleArn: string): string | undefined;
  /** IAM's signing region for the partition; defaults to us-east-1 (aws), us-gov-west-1, cn-north-1. */
  region?(partition: string): string;
  /** Builds the IAM client; injectable for tests. */
  iamClient?(config: ConstructorParameters<typeof IAMClient>[0] & object): IAMClient;
}

/** The STS RoleSessionName of the broker's session-deny sessions, as it shows in the target's CloudTrail. */
export const SESSION_DENY_SESSION_NAME = 'access-broker-session-deny';
/** Session-deny sessions last 15 minutes (STS's minimum): one endSessions call takes seconds. */
export const SESSION_DENY_SESSION_SECONDS = 900;

const IAM_REGION: Record<string, string> = { aws: 'us-east-1', 'aws-us-gov': 'us-gov-west-1', 'aws-cn': 'cn-north-1' };

/**
 * RoleInlinePoliciesFor on IAM, one IAM client per session-deny role (kept for the
 * container's life). Cross-account, the client's credentials come from sts:AssumeRole into
 * the target role's session-deny role with the ExternalId; the SDK refreshes them before
 * they expire.
 */
export function targetAccountInlinePolicies(options: TargetAccountIamOptions): RoleInlinePoliciesFor {
  const clients = new Map<string, IAMClient>();
  const build = options.iamClient ?? ((config) => new IAMClient(config));
  const clientFor = (roleArn: string): IAMClient => {
    const partition = partitionOfArn(roleArn)!;
    const assume = options.sessionDenyRoleArn(roleArn);
    const externalId = options.externalId(roleArn);
    const key = `${assume ?? `own:${partition}`}|${externalId ?? ''}`;
    const known = clients.get(key);
    if (known) return known;
    const region = options.region?.(partition) ?? IAM_REGION[partition] ?? 'us-east-1';
    const client = build(
      assume === undefined
        ? { region }
        : {
            region,
            credentials: async () => {
              const out = await options.sts.send(
                new AssumeRoleCommand({
                  RoleArn: assume,
                  RoleSessionName: SESSION_DENY_SESSION_NAME,
                  DurationSeconds: SESSION_DENY_SESSION_SECONDS,
                  ...(externalId === undefined ? {} : { ExternalId: externalId }),
                }),
              );
              const c = out.Credentials;
              if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
                throw new Error(`STS returned no credentials for ${assume}`);
              }
              return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
            },
          },
    );
    clients.set(key, client);
    return client;
  };
  return async (roleArn) => {
    roleNameOf(roleArn);
    return iamInlinePolicies(clientFor(roleArn), roleArn);
  };
}

import { AssumeRoleCommand, STSClient, type AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import { assumeRoleParameters } from '../../domain/issuance';
import { createLogger, type Logger } from '../../log/logger';
import type { CredentialIssuer, IssueCredentialsInput, IssuedCredentials } from '../../ports';
import { awsErrorCode, BrokerErrorName, upstreamError } from '../aws-errors';
import { readIssuerUserKey, type IssuerUserKey, type IssuerUserKeySource } from './issuer-user-key';
import { mapStsError } from './sts-errors';

/** PackedPolicySize is a percentage of STS's limit; above this we warn before it starts failing. */
const PACKED_POLICY_WARN_PERCENT = 90;

export interface StsIssuerDeps {
  /**
   * The module-scope client running on the Lambda's own role credentials: AssumeRole
   * with it is role chaining (sessions capped at 1 hour). Used for `chained` targets.
   */
  sts: STSClient;
  /** Where the IAM user key for `user` targets lives; absent means `user` mode is not deployed. */
  userKey?: IssuerUserKeySource;
  /** Builds the STS client on the user's key. Defaults to the same region as `sts`. Injectable for tests. */
  userStsClient?: (key: IssuerUserKey) => STSClient;
  logger?: Logger;
}

/**
 * CredentialIssuer on STS AssumeRole: the session policy narrows the target role to the
 * approved services, the request id names the session, and the requester's email is the
 * SourceIdentity (kept through chaining and shown in CloudTrail).
 */
export function createStsIssuer(deps: StsIssuerDeps): CredentialIssuer {
  const logger = deps.logger ?? createLogger({ base: { component: 'sts-issuer' } });
  const buildUserClient =
    deps.userStsClient ??
    ((key: IssuerUserKey) =>
      new STSClient({
        region: deps.sts.config.region,
        credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      }));

  // The key comes from Powertools Parameters' cache (re-read after its maxAge, so a rotation is
  // picked up); the STS client on it is rebuilt only when the key changes. A failed read is not
  // cached: the next invocation tries again instead of failing until the next deploy.
  let userClient: { accessKeyId: string; client: STSClient } | undefined;
  const userSts = async (): Promise<STSClient> => {
    const source = deps.userKey;
    if (!source) {
      throw upstreamError(
        'USER_ISSUER_NOT_CONFIGURED',
        "This target uses the 'user' issuer but the broker has no issuer user secret (BROKER_ISSUER_USER_SECRET_ARN)",
        BrokerErrorName.UPSTREAM,
      );
    }
    const key = await readIssuerUserKey(source);
    if (userClient?.accessKeyId !== key.accessKeyId) userClient = { accessKeyId: key.accessKeyId, client: buildUserClient(key) };
    return userClient.client;
  };

  return {
    async issue(input: IssueCredentialsInput): Promise<IssuedCredentials> {
      const params = assumeRoleParameters(input);
      const chained = input.issuer === 'chained';
      const client = chained ? deps.sts : await userSts();

      let out: AssumeRoleCommandOutput;
      try {
        out = await client.send(new AssumeRoleCommand(params));
      } catch (error) {
        const mapped = mapStsError(error, {
          roleArn: params.RoleArn,
          durationSeconds: params.DurationSeconds,
          issuer: input.issuer,
        });
        // AWS's own text is for operators only; it names principals but holds no secret.
        logger.warn('AssumeRole failed', {
          requestId: input.request.id,
          roleArn: params.RoleArn,
          issuer: input.issuer,
          awsError: awsErrorCode(error),
          awsMessage: error instanceof Error ? error.message : undefined,
          awsRequestId: (error as { $metadata?: { requestId?: string } } | null)?.$metadata?.requestId,
          code: mapped.code,
        });
        throw mapped;
      }

      if (out.PackedPolicySize !== undefined && out.PackedPolicySize > PACKED_POLICY_WARN_PERCENT) {
        logger.warn('Session policy is close to the STS packed size limit', {
          requestId: input.request.id,
          roleArn: params.RoleArn,
          packedPolicySizePercent: out.PackedPolicySize,
          services: input.request.services,
        });
      }

      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
        throw upstreamError('STS_ERROR', `STS answered AssumeRole for ${params.RoleArn} without credentials`, BrokerErrorName.UPSTREAM);
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: new Date(c.Expiration).toISOString(),
        chained,
      };
    },
  };
}

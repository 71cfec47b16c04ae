import { randomBytes } from 'node:crypto';
import { mapStsError } from '../shared/adapters/sts/sts-errors';
import { assumeRoleParameters, type SessionTag } from '../shared/domain/issuance';
import type { Clock, CredentialIssuer, IssueCredentialsInput, IssuedCredentials } from '../shared/ports';

/** Every local access key id starts with this: ASIA (a temporary key) then LOCAL, 20 characters in all like AWS's. */
export const LOCAL_ACCESS_KEY_PREFIX = 'ASIALOCAL';
/** Marker inside every local session token, so one pasted into a real tool is recognisable at a glance. */
export const LOCAL_TOKEN_MARKER = 'LOCAL-ONLY';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** What the stand-in was asked, kept so the local console preview can show what a real sign-in would carry. */
export interface AssumeRoleRecord {
  accessKeyId: string;
  roleArn: string;
  account: string;
  target: string;
  roleSessionName: string;
  sourceIdentity: string;
  sessionPolicy: string;
  durationSeconds: number;
  tags: SessionTag[];
  /** Whether an ExternalId was sent; the value itself is a shared secret and is not kept. */
  externalIdSent: boolean;
  issuer: 'chained' | 'user';
  services: string[];
  issuedAt: string;
  expiration: string;
}

export interface LocalStsStandin extends CredentialIssuer {
  /** The AssumeRole inputs behind a local access key id, while it has not been evicted. */
  lastAssumeRole(accessKeyId: string): AssumeRoleRecord | undefined;
}

export interface LocalStsOptions {
  clock?: Clock;
  maxRecords?: number;
  /**
   * Whether a deny on the role covers the session (the local IAM stand-in's answer). Such a
   * session is refused with AccessDenied, mapped as the real adapter maps STS's: in AWS the
   * AssumeRole itself would be allowed, but every call of the session it returns would be
   * denied, so a refresh could never give the requester working credentials.
   */
  isSessionDenied?(roleArn: string, sessionName: string): boolean;
}

/**
 * Local mode's STS. It refuses exactly what STS would (duration range and the chaining
 * cap, session name and source identity rules, the 2,048-character policy limit) through
 * the same validation the real adapter uses, and returns credentials that cannot be
 * mistaken for real ones. A session the role's deny covers is refused (see `isSessionDenied`).
 */
export function createLocalStsStandin(options: LocalStsOptions = {}): LocalStsStandin {
  const now = () => (options.clock ? options.clock.now() : new Date());
  const maxRecords = options.maxRecords ?? 500;
  // Map keeps insertion order, so the first key is the oldest when trimming.
  const records = new Map<string, AssumeRoleRecord>();

  return {
    async issue(input: IssueCredentialsInput): Promise<IssuedCredentials> {
      const params = assumeRoleParameters(input);
      if (options.isSessionDenied?.(params.RoleArn, params.RoleSessionName)) {
        throw mapStsError(Object.assign(new Error('AccessDenied'), { name: 'AccessDenied' }), { roleArn: params.RoleArn, durationSeconds: params.DurationSeconds, issuer: input.issuer });
      }
      const issuedAt = now();
      const expiration = new Date(issuedAt.getTime() + params.DurationSeconds * 1000).toISOString();
      const accessKeyId = LOCAL_ACCESS_KEY_PREFIX + randomBase32(20 - LOCAL_ACCESS_KEY_PREFIX.length);

      records.set(accessKeyId, {
        accessKeyId,
        roleArn: params.RoleArn,
        account: input.request.account,
        target: input.request.target,
        roleSessionName: params.RoleSessionName,
        sourceIdentity: params.SourceIdentity,
        sessionPolicy: params.Policy,
        durationSeconds: params.DurationSeconds,
        tags: params.Tags.map((t) => ({ ...t })),
        externalIdSent: params.ExternalId !== undefined,
        issuer: input.issuer,
        services: [...input.request.services],
        issuedAt: issuedAt.toISOString(),
        expiration,
      });
      while (records.size > maxRecords) {
        const oldest = records.keys().next().value;
        if (oldest === undefined) break;
        records.delete(oldest);
      }

      return {
        accessKeyId,
        // 40 characters of base64, the shape of a real secret access key.
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: `${LOCAL_TOKEN_MARKER}-${randomBytes(96).toString('base64')}`,
        expiration,
        chained: input.issuer === 'chained',
        local: true,
      };
    },

    lastAssumeRole(accessKeyId: string): AssumeRoleRecord | undefined {
      return records.get(accessKeyId);
    },
  };
}

function randomBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += BASE32[byte % 32];
  return out;
}

import { createStsIssuer } from '../../adapters/sts/sts-issuer';
import { stsClient } from '../../clients/sts';
import type { Source } from '../compose';
import { sharedClient } from '../shared-client';
import type { Deps } from '../deps';

/** STS AssumeRole on the issuer role, and on the issuer IAM user's key when that secret is configured. */
export function issuerPort(source: Source, built: Pick<Deps, 'logger'>): Deps['issuer'] {
  const secretId = source.config().BROKER_ISSUER_USER_SECRET_ARN;
  return createStsIssuer({ sts: sharedClient(source, 'sts', stsClient), ...(secretId ? { userKey: { secretId } } : {}), logger: built.logger });
}

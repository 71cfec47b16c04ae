import { targetAccountInlinePolicies } from '../../adapters/iam/iam-inline-policies';
import { createSessionDenies } from '../../adapters/iam/session-denies';
import { iamClient } from '../../clients/iam';
import { stsClient } from '../../clients/sts';
import type { Source } from '../compose';
import type { Deps } from '../deps';

/**
 * The ended-sessions deny on the catalogue's target roles: IAM with the function's own
 * credentials for a target without `sessionDenyRoleArn` (a role in the broker's account), else
 * through that role in the target's account, assumed with the target's ExternalId.
 */
export function sessionDeniesPort(_source: Source, built: Pick<Deps, 'catalogue'>): Deps['sessionDenies'] {
  const targetOfRole = (roleArn: string) => built.catalogue.targets.find((t) => t.roleArn === roleArn);
  return createSessionDenies({
    policiesFor: targetAccountInlinePolicies({
      sts: stsClient(),
      sessionDenyRoleArn: (roleArn) => targetOfRole(roleArn)?.sessionDenyRoleArn,
      externalId: (roleArn) => targetOfRole(roleArn)?.externalId,
      iamClient,
    }),
  });
}


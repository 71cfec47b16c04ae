import { targetAccountInlinePolicies } from '../../adapters/iam/iam-inline-policies';
import { createSessionDenies } from '../../adapters/iam/session-denies';
import { iamClient } from '../../clients/iam';
import { stsClient } from '../../clients/sts';
import { accountOfArn } from '../../domain/arn';
import { roleArnIn, targetRoleArns } from '../../domain/target-account';
import type { Source } from '../compose';
import type { Deps } from '../deps';

/**
 * The ended-sessions deny on the catalogue's target roles: IAM with the function's own
 * credentials for a target without `sessionDenyRoleArn` (a role in the broker's account), else
 * through that role in the target's account, assumed with the target's ExternalId.
 */
export function sessionDeniesPort(_source: Source, built: Pick<Deps, 'catalogue'>): Deps['sessionDenies'] {
  // A request carries its concrete role; an account-set target lists it among its expanded roles.
  const targetOfRole = (roleArn: string) => built.catalogue.targets.find((t) => targetRoleArns(t).includes(roleArn));
  const denyRoleFor = (roleArn: string) => {
    const denyRole = targetOfRole(roleArn)?.sessionDenyRoleArn;
    return denyRole === undefined ? undefined : roleArnIn(denyRole, accountOfArn(roleArn) ?? '');
  };
  return createSessionDenies({
    policiesFor: targetAccountInlinePolicies({
      sts: stsClient(),
      sessionDenyRoleArn: denyRoleFor,
      externalId: (roleArn) => targetOfRole(roleArn)?.externalId,
      iamClient,
    }),
  });
}


import { targetAccountInlinePolicies } from '../../adapters/iam/iam-inline-policies';
import { createSessionDenies } from '../../adapters/iam/session-denies';
import { iamClient } from '../../clients/iam';
import { stsClient } from '../../clients/sts';
import { accountOfArn } from '../../domain/arn';
import { roleArnIn, targetRoleArns } from '../../domain/target-account';
import type { Source } from '../compose';
import { sharedClient } from '../shared-client';
import type { Deps } from '../deps';

/**
 * The ended-sessions deny on the catalogue's target roles: IAM with the function's own
 * credentials for a target without `sessionDenyRoleArn` (a role in the broker's account), else
 * through that role in the target's account, assumed with the target's ExternalId.
 */
export function sessionDeniesPort(source: Source, built: Pick<Deps, 'catalogue'>): Deps['sessionDenies'] {
  // A request carries its concrete role; an account-set target lists it among its expanded roles.
  // Built on first use: an account set expands to a role per account, so one map beats a scan per lookup.
  let byRole: Map<string, Deps['catalogue']['targets'][number]> | undefined;
  const targetOfRole = (roleArn: string) => {
    if (!byRole) {
      byRole = new Map();
      // The first target that lists a role wins, as a scan in catalogue order would.
      for (const t of built.catalogue.targets) for (const role of targetRoleArns(t)) if (!byRole.has(role)) byRole.set(role, t);
    }
    return byRole.get(roleArn);
  };
  const denyRoleFor = (roleArn: string) => {
    const denyRole = targetOfRole(roleArn)?.sessionDenyRoleArn;
    return denyRole === undefined ? undefined : roleArnIn(denyRole, accountOfArn(roleArn) ?? '');
  };
  return createSessionDenies({
    policiesFor: targetAccountInlinePolicies({
      sts: sharedClient(source, 'sts', stsClient),
      sessionDenyRoleArn: denyRoleFor,
      externalId: (roleArn) => targetOfRole(roleArn)?.externalId,
      iamClient,
    }),
  });
}


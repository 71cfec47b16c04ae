import { targetRoleArns } from '../domain/target-account';
import type { Catalogue, Target } from './types';

export type { Catalogue } from './types';
export { SERVICES, SERVICE_KEYS } from './services';
// The YAML loader (./load) is not re-exported: the functions read JSON (./load-json) and must
// not bundle a YAML parser; local mode, tests and packaging import ./load directly.
export { CatalogueError } from './errors';

/** The target with this id, or undefined. */
export function findTarget(catalogue: Catalogue, id: string): Target | undefined {
  return catalogue.targets.find((t) => t.id === id);
}

/**
 * Every role whose assumption should raise an alarm: each target's role (every account of an
 * account-set target), then each watched role, first occurrence wins, so alarm rules are
 * generated in a stable order.
 */
export function watchedRoleArns(catalogue: Catalogue): string[] {
  const arns = [...catalogue.targets.flatMap(targetRoleArns), ...catalogue.watchedRoles.map((w) => w.roleArn)];
  return [...new Set(arns)];
}

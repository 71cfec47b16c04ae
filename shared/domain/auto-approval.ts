import type { Target } from '../catalogue/types';
import type { AccessRequest } from './request';

/** A request qualifies when every service is on the rule's list and the duration is within its limit. */
export function qualifiesForAutoApproval(target: Pick<Target, 'autoApprove'>, request: Pick<AccessRequest, 'services' | 'durationSeconds'>): boolean {
  const rule = target.autoApprove;
  if (!rule) return false;
  return request.durationSeconds <= rule.maxDurationSeconds && request.services.every((s) => rule.services.includes(s));
}

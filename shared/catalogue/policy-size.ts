import { SESSION_POLICY_MAX_CHARS } from '../domain/issuance';
import { sessionPolicyLength } from '../domain/session-policy';
import type { Catalogue, ServiceDefinition } from './types';

/**
 * The cold-start check of a compiled catalogue that the structural one (shared/catalogue/compiled.ts)
 * leaves out: every target's session policy, with all its services, fits STS's limit. The package
 * step refuses an oversized one already (with advice on what to drop), and STS refuses one at
 * AssumeRole; this step makes a hand-edited package fail the cold start of the functions that
 * compile policies instead. getCatalogue does not run it: measuring every target's policy is most
 * of what a catalogue check costs at cold start (it warms up the policy renderer), and a function
 * that only lists targets has no policy to send.
 */
const lengthCache = new Map<string, number>();

/** The largest session policy a target can compile; 12-digit accounts all render alike, so one is enough. */
function policyLength(keys: readonly string[], services: readonly ServiceDefinition[], region: string): number {
  const cacheKey = `${region}|${keys.join(',')}|${services.length}`;
  let length = lengthCache.get(cacheKey);
  if (length === undefined) {
    length = sessionPolicyLength([...keys], services, { account: '000000000000', region });
    lengthCache.set(cacheKey, length);
  }
  return length;
}

/** One `targets[i].services: ...` line per target whose session policy exceeds STS's limit. */
export function sessionPolicyIssues(catalogue: Pick<Catalogue, 'targets' | 'services'>): string[] {
  return catalogue.targets.flatMap((t, i) => {
    const length = policyLength(t.services, catalogue.services, t.region);
    return length > SESSION_POLICY_MAX_CHARS ? [`targets[${i}].services: the session policy of all its services is ${length} characters, over ${SESSION_POLICY_MAX_CHARS}`] : [];
  });
}

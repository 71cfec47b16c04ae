/**
 * Which IdP groups a caller is in, read so that a group name can never be split or merged.
 *
 * API Gateway's HTTP API JWT authorizer hands array claims to the Lambda flattened to one
 * string: `["not engineers", "ops"]` arrives as `"[not engineers ops]"`, which is the same
 * string as `["not", "engineers", "ops"]` gives. The flattened form therefore cannot be
 * trusted for any name with a space. The token itself (in the Authorization header, whose
 * signature the authorizer checked) still carries the real JSON array, so that is the source;
 * the flattened claim is only used, for a cross-check or when no token is at hand, when it
 * has exactly one reading.
 */

/** The outcome: the groups, or why they cannot be read without guessing. */
export type GroupsReading = { ok: true; groups: string[] } | { ok: false; problem: string };

/** The flattened claim, when it has exactly one reading: absent, `[]`, or `[name]` without whitespace. */
export function readFlattenedGroups(flattened: unknown, claimName: string): GroupsReading {
  if (flattened === undefined || flattened === null) return { ok: true, groups: [] };
  if (typeof flattened !== 'string') return { ok: false, problem: `the ${claimName} claim is not a string as API Gateway passes it` };
  const match = /^\[(.*)\]$/s.exec(flattened);
  if (!match) return { ok: false, problem: `the ${claimName} claim is not a list` };
  const inner = match[1]!;
  if (inner === '') return { ok: true, groups: [] };
  if (/\s/u.test(inner)) {
    return { ok: false, problem: `the ${claimName} claim "${flattened}" could be one group with spaces or several groups` };
  }
  return { ok: true, groups: [inner] };
}

/**
 * The groups from the token's own payload (already signature-checked by the authorizer):
 * absent means none; otherwise it must be an array of non-empty strings, taken exactly.
 * When the authorizer's flattened claim is given it must be what this array flattens to,
 * so the header is known to hold the very token the authorizer verified.
 */
export function readTokenGroups(payloadClaim: unknown, flattened: unknown, claimName: string): GroupsReading {
  if (payloadClaim === undefined) {
    return flattened === undefined ? { ok: true, groups: [] } : { ok: false, problem: `the token has no ${claimName} claim but the authorizer passed one` };
  }
  if (!Array.isArray(payloadClaim)) return { ok: false, problem: `the token's ${claimName} claim is not a list of group names` };
  const groups: string[] = [];
  for (const g of payloadClaim) {
    if (typeof g !== 'string' || g.trim() === '') {
      return { ok: false, problem: `the token's ${claimName} claim holds ${typeof g === 'string' ? 'an empty name' : `a ${g === null ? 'null' : typeof g}`}, not only group names` };
    }
    groups.push(g);
  }
  const emptyForms = groups.length === 0 && (flattened === '' || flattened === '[]');
  if (flattened !== undefined && !emptyForms && flattened !== flattenLikeApiGateway(groups)) {
    return { ok: false, problem: `the token's ${claimName} claim does not match the one the authorizer verified` };
  }
  return { ok: true, groups: [...new Set(groups)] };
}

/** What API Gateway's JWT authorizer makes of an array claim: `["a b", "c"]` -> `"[a b c]"`. */
export const flattenLikeApiGateway = (items: readonly string[]): string => `[${items.join(' ')}]`;

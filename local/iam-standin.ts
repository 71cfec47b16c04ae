import { createHash } from 'node:crypto';
import { inlinePoliciesFull, policyMalformed, roleNotFound } from '../shared/adapters/iam/iam-errors';
import { roleNameOf } from '../shared/adapters/iam/iam-inline-policies';
import { policyChars, ROLE_INLINE_POLICIES_MAX_CHARS } from '../shared/domain/session-deny';
import type { RoleInlinePolicies, RoleInlinePoliciesFor } from '../shared/ports/session-denies';

/** `GET /_local/iam`: the target roles and their inline policies, as documents (objects). */
export interface LocalIamView {
  roles: Record<string, { inlinePolicies: Record<string, unknown> }>;
}

export interface LocalIamStandin {
  /** Creates a target role (idempotent), optionally with inline policies (documents as objects). */
  addRole(roleArn: string, inlinePolicies?: Record<string, unknown>): void;
  /** What the session-deny logic calls: the IAM operations on one role, with IAM's rules. */
  policiesFor: RoleInlinePoliciesFor;
  /** The roles and their inline policies, for `GET /_local/iam` (a copy; names and roles sorted). */
  view(): LocalIamView;
  /**
   * Would IAM deny every call of this session? True when an inline policy of the role has a
   * Deny of `*` on `*` whose only condition is StringLike aws:userid matching
   * `<role id>:<session name>`. The local STS stand-in asks this before (re)issuing a session.
   * Statements with any other condition are not evaluated here (local mode writes none).
   */
  isSessionDenied(roleArn: string, sessionName: string): boolean;
  /** The role's unique id as the stand-in reports it in aws:userid (`AROA` + 17 characters, stable per ARN). */
  roleId(roleArn: string): string;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Local mode's IAM for target roles: an in-memory map of their inline policies. It enforces
 * what IAM would for the calls the broker makes: an unknown role is NoSuchEntity, a document
 * must be a JSON policy with a Statement (MalformedPolicyDocument), and all inline policies of
 * a role together may not exceed 10,240 characters without whitespace (LimitExceeded). It
 * raises the same errors the IAM adapter maps AWS's to.
 */
export function createLocalIamStandin(options: { roles?: string[] } = {}): LocalIamStandin {
  const roles = new Map<string, Map<string, string>>();

  const roleOf = (roleArn: string): Map<string, string> => {
    const role = roles.get(roleArn);
    if (!role) throw roleNotFound(roleArn);
    return role;
  };

  const addRole = (roleArn: string, inlinePolicies: Record<string, unknown> = {}) => {
    roleNameOf(roleArn);
    const role = roles.get(roleArn) ?? new Map<string, string>();
    for (const [name, doc] of Object.entries(inlinePolicies)) role.set(name, JSON.stringify(doc));
    roles.set(roleArn, role);
  };
  for (const arn of options.roles ?? []) addRole(arn);

  const roleId = (roleArn: string): string => {
    const digest = createHash('sha256').update(roleArn).digest();
    let id = 'AROA';
    for (let i = 0; i < 17; i++) id += BASE32[digest[i]! % 32];
    return id;
  };

  const policiesFor: RoleInlinePoliciesFor = async (roleArn) => {
    roleNameOf(roleArn);
    const policies: RoleInlinePolicies = {
      async list() {
        return [...roleOf(roleArn).keys()].sort();
      },
      async get(name) {
        return roleOf(roleArn).get(name);
      },
      async put(name, document) {
        const role = roleOf(roleArn);
        let parsed: unknown;
        try {
          parsed = JSON.parse(document);
        } catch {
          throw policyMalformed(roleArn, name);
        }
        if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed)) throw policyMalformed(roleArn, name);
        let total = policyChars(document);
        for (const [other, text] of role) if (other !== name) total += policyChars(text);
        if (total > ROLE_INLINE_POLICIES_MAX_CHARS) throw inlinePoliciesFull(roleArn, name, document.length);
        role.set(name, document);
      },
      async delete(name) {
        roleOf(roleArn).delete(name);
      },
    };
    return policies;
  };

  const isSessionDenied = (roleArn: string, sessionName: string): boolean => {
    const role = roles.get(roleArn);
    if (!role) return false;
    const userId = `${roleId(roleArn)}:${sessionName}`;
    for (const text of role.values()) {
      const doc = JSON.parse(text) as { Statement?: unknown };
      for (const statement of asList(doc.Statement)) {
        if (denies(statement, userId)) return true;
      }
    }
    return false;
  };

  return {
    addRole,
    policiesFor,
    isSessionDenied,
    roleId,
    view() {
      const out: LocalIamView = { roles: {} };
      for (const arn of [...roles.keys()].sort()) {
        const role = roles.get(arn)!;
        out.roles[arn] = {
          inlinePolicies: Object.fromEntries([...role.keys()].sort().map((name) => [name, JSON.parse(role.get(name)!)])),
        };
      }
      return out;
    },
  };
}

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A Deny of everything whose only condition is StringLike aws:userid, matching this userid. */
function denies(statement: unknown, userId: string): boolean {
  if (typeof statement !== 'object' || statement === null) return false;
  const s = statement as Record<string, unknown>;
  if (s.Effect !== 'Deny' || !asList(s.Action).includes('*') || !asList(s.Resource).includes('*')) return false;
  const condition = s.Condition as Record<string, Record<string, unknown>> | undefined;
  if (!condition || Object.keys(condition).join() !== 'StringLike') return false;
  const keys = Object.keys(condition.StringLike ?? {});
  if (keys.join() !== 'aws:userid') return false;
  return asList(condition.StringLike!['aws:userid']).some((pattern) => typeof pattern === 'string' && stringLike(pattern, userId));
}

/** IAM's StringLike: case-sensitive, `*` any run of characters, `?` exactly one. */
export function stringLike(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(value);
}

import type { AccessRequest } from '../domain/request';

/**
 * The request as the API shows it: internal bookkeeping (version, approver groups) left out,
 * and the contract's optional fields always present (null until known) so clients need not
 * test for missing keys.
 */
export type RequestView = Omit<AccessRequest, 'version' | 'approverGroups' | 'approverEmails' | 'ticket' | 'startsAt' | 'expiresAt' | 'executionArn' | 'linkRound'> & {
  approvers: string[];
  ticket: string | null;
  startsAt: string | null;
  expiresAt: string | null;
  executionArn: string | null;
};

export function toView(request: AccessRequest): RequestView {
  const { version: _version, approverGroups: _groups, approverEmails, ticket, startsAt, expiresAt, executionArn, linkRound: _round, ...rest } = request;
  return {
    ...rest,
    ticket: ticket ?? null,
    startsAt: startsAt ?? null,
    expiresAt: expiresAt ?? null,
    executionArn: executionArn ?? null,
    approvers: approverEmails,
  };
}

/** A vote's answer, the same from the emailed link (as JSON) and from POST /requests/{id}/decision. */
export function toDecisionView(outcome: { request: AccessRequest; decided: boolean; timedOut: boolean }) {
  return { request: toView(outcome.request), decided: outcome.decided, timedOut: outcome.timedOut };
}

import type { AccessRequest } from '../domain/request';

/** The request as the API shows it: internal bookkeeping (version, approver groups) left out. */
export type RequestView = Omit<AccessRequest, 'version' | 'approverGroups' | 'approverEmails'> & { approvers: string[] };

export function toView(request: AccessRequest): RequestView {
  const { version: _version, approverGroups: _groups, approverEmails, ...rest } = request;
  return { ...rest, approvers: approverEmails };
}

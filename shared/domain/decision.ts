import type { WorkflowDecision } from '../ports';
import type { AccessRequest } from './request';
import { RequestStatus } from './status';

/** The output handed to the waiting workflow for a request whose decision is recorded. */
export function decisionOf(request: Pick<AccessRequest, 'status' | 'approvals'>): WorkflowDecision {
  const approved = request.status === RequestStatus.APPROVED;
  return {
    decision: approved ? 'approved' : 'denied',
    decidedBy: request.approvals.filter((a) => a.decision === (approved ? 'approve' : 'deny')).map((a) => a.by),
  };
}

/** A decision was recorded (quorum or denial) by people, whether or not the workflow has heard it. */
export const hasRecordedDecision = (request: Pick<AccessRequest, 'status' | 'approvals'>): boolean =>
  (request.status === RequestStatus.APPROVED || request.status === RequestStatus.DENIED) && request.approvals.length > 0;

/** The request still waits for votes (or for its auto-approval): only then are links sent or the task token kept. */
export const awaitsDecision = (request: Pick<AccessRequest, 'status'>): boolean => request.status === RequestStatus.PENDING;

import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { limitsPort } from '../shared/runtime/ports/limits';
import { linksPort } from '../shared/runtime/ports/links';
import { mailerPort } from '../shared/runtime/ports/mailer';
import { requestsPort } from '../shared/runtime/ports/requests';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { notifyApprovers, type NotifyApproversDeps } from '../shared/usecases/notify-approvers';
import { taskHandler } from '../shared/workflow/task-handler';
import { notifyApproversSchema } from '../shared/workflow/task-schemas';

/** This function's ports (composition root): DynamoDB, SNS and Step Functions clients. */
export type Ports = NotifyApproversDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  links: linksPort,
  limits: limitsPort,
  mailer: mailerPort,
  workflow: workflowPort,
};

/** Workflow task (.waitForTaskToken): stores the token, emails each approver a link. */
export const createHandler = (given: Partial<Ports> = {}) => taskHandler(compose(wiring, given), notifyApproversSchema, notifyApprovers);

export const handler = atColdStart(createHandler);

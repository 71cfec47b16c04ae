import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { mailerPort } from '../shared/runtime/ports/mailer';
import { notifierPort } from '../shared/runtime/ports/notifier';
import { requestsPort } from '../shared/runtime/ports/requests';
import { notifyRequesterOfGrant, type NotifyRequesterDeps } from '../shared/usecases/notify-requester';
import { checkBreakGlassReview } from '../shared/usecases/break-glass-review';
import { taskHandler } from '../shared/workflow/task-handler';
import { notifyRequesterSchema } from '../shared/workflow/task-schemas';
import type { Deps } from '../shared/runtime/deps';

/** This function's ports (composition root): DynamoDB, SES or SNS (the requester's mail) and SNS (a break-glass alarm) clients. */
export type Ports = NotifyRequesterDeps & Pick<Deps, 'logger' | 'notifier'>;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
  mailer: mailerPort,
  notifier: notifierPort,
};

/**
 * Workflow task: "your access is active" (event `granted`), or, when a break-glass grant's review
 * is due (event `review-due`), the CRITICAL break-glass-unreviewed alarm if nobody reviewed it.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  taskHandler(compose(wiring, given), notifyRequesterSchema, (deps, payload): Promise<object> =>
    payload.event === 'review-due' ? checkBreakGlassReview(deps, payload.requestId) : notifyRequesterOfGrant(deps, payload.requestId),
  );

export const handler = atColdStart(createHandler);

import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { notifierPort } from '../shared/runtime/ports/notifier';
import { requestsPort } from '../shared/runtime/ports/requests';
import { notifyRequesterOfGrant, type NotifyRequesterDeps } from '../shared/usecases/notify-requester';
import { checkBreakGlassReview } from '../shared/usecases/break-glass-review';
import { taskHandler } from '../shared/workflow/task-handler';
import { notifyRequesterSchema } from '../shared/workflow/task-schemas';
import type { Deps } from '../shared/runtime/deps';

/** This function's ports (composition root): DynamoDB and SNS clients (notifications and, for break-glass, alarms). */
export type Ports = NotifyRequesterDeps & Pick<Deps, 'logger'>;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
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

import type { AlertDeps } from '../../usecases/alert-on-role-use';
import { base, type Wiring } from '../compose';
import type { Settings } from '../deps';
import { eventsPort } from './events';
import { notifierPort } from './notifier';
import { requestsPort } from './requests';

/** The ports of the alarm path (DynamoDB and SNS), shared by the real-time and the trail functions. */
export type AlarmPathPorts = AlertDeps & { settings: Settings };

/** How both alarm functions build those ports from the environment. */
export const alarmPathWiring: Wiring<AlarmPathPorts> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  events: eventsPort,
  notifier: notifierPort,
};

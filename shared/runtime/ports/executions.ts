import { createSfnExecutions } from '../../adapters/sfn/sfn-executions';
import { sfnClient } from '../../clients/sfn';
import type { Source } from '../compose';
import type { Deps } from '../deps';

/** The approval state machine's executions (DescribeExecution), for the sweep. */
export function executionsPort(source: Source): Deps['executions'] {
  return createSfnExecutions({ sfn: sfnClient(), stateMachineArn: source.config().BROKER_STATE_MACHINE_ARN });
}

import { createSfnWorkflow } from '../../adapters/sfn/sfn-workflow';
import { sfnClient } from '../../clients/sfn';
import type { Source } from '../compose';
import type { Deps } from '../deps';

/** The approval state machine in Step Functions. */
export function workflowPort(source: Source): Deps['workflow'] {
  return createSfnWorkflow({ sfn: sfnClient(), stateMachineArn: source.config().BROKER_STATE_MACHINE_ARN });
}

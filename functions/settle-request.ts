import '../shared/runtime/aws-deps';
import { settleRequest } from '../shared/usecases/settle-request';
import { taskHandler } from '../shared/workflow/task-handler';
import { settleRequestSchema } from '../shared/workflow/task-schemas';

/** Workflow task: records the final outcome and tells the requester. */
export const handler = taskHandler(settleRequestSchema, settleRequest);

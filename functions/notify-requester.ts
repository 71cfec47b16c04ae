import '../shared/runtime/aws-deps';
import { notifyRequesterOfGrant } from '../shared/usecases/notify-requester';
import { taskHandler } from '../shared/workflow/task-handler';
import { notifyRequesterSchema } from '../shared/workflow/task-schemas';

/** Workflow task: "your access is active". */
export const handler = taskHandler(notifyRequesterSchema, (deps, payload) => notifyRequesterOfGrant(deps, payload.requestId));

import '../shared/runtime/aws-deps';
import { notifyApprovers } from '../shared/usecases/notify-approvers';
import { taskHandler } from '../shared/workflow/task-handler';
import { notifyApproversSchema } from '../shared/workflow/task-schemas';

/** Workflow task (.waitForTaskToken): stores the token, emails each approver a link. */
export const handler = taskHandler(notifyApproversSchema, notifyApprovers);

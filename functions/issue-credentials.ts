import '../shared/runtime/aws-deps';
import { issueCredentials } from '../shared/usecases/issue-credentials';
import { taskHandler } from '../shared/workflow/task-handler';
import { issueCredentialsSchema } from '../shared/workflow/task-schemas';

/** Workflow task: opens the window and issues the first scoped credentials. */
export const handler = taskHandler(issueCredentialsSchema, (deps, payload) => issueCredentials(deps, payload.requestId));

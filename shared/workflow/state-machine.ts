import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AslDefinition } from './asl-types';

export {
  WORKFLOW_CANCELLED_ERROR,
  WORKFLOW_REQUEST_CLOSED_ERROR,
  WORKFLOW_THROTTLED_ERROR,
  WORKFLOW_TRANSIENT_ERROR,
  WORKFLOW_WINDOW_MOVED_ERROR,
  STATES_TIMEOUT_ERROR,
  WORKFLOW_TASK_CLOSED,
  LAMBDA_SERVICE_ERRORS,
} from './errors';

/**
 * State names of the approval workflow, exactly as in infra/approval-workflow.asl.json.
 * They are readable on purpose (they show in the console and in execution history), and the
 * local runner keys its overrides on them, so code refers to them only through these constants.
 */
export const StateName = {
  /** Choice: executions with approvalWaits remind approvers at 25 % and 60 % of the approval timeout. */
  REMINDERS_CHOICE: 'Reminders on?',
  /** Pass: as PREPARE_APPROVAL_WAIT, the first wait being approvalWaits.first. */
  PREPARE_APPROVAL_WAIT_WITH_REMINDERS: 'Prepare approval wait with reminders',
  /** Choice after a wait ran out: on to a reminder, or the approval timed out. */
  REMIND_CHOICE: 'Remind approvers?',
  /** Pass: the first reminder's wait length (approvalWaits.second). */
  PREPARE_FIRST_REMINDER: 'Prepare first reminder',
  /** Callback task: reminder 1 (NotifyApprovers replaces undecided approvers' links, stores the new token). */
  REMIND_1: 'Remind approvers (1) and wait for decision',
  /** Pass: the second reminder's wait length (approvalWaits.third). */
  PREPARE_SECOND_REMINDER: 'Prepare second reminder',
  /** Callback task: reminder 2; its timeout is the approval timeout. */
  REMIND_2: 'Remind approvers (2) and wait for decision',
  /** Choice after Expire access: break-glass access (reviewDueAt) is checked for its review. */
  REVIEW_CHOICE: 'Break-glass review?',
  /** Wait until $.reviewDueAt. */
  WAIT_FOR_REVIEW_DUE: 'Wait until the review is due',
  /** Choice after a revoke: a revoked break-glass grant is still checked for its review. */
  REVIEW_AFTER_REVOKE_CHOICE: 'Break-glass review after revoke?',
  /** NotifyRequester event review-due: the unreviewed alarm when nobody reviewed. */
  CHECK_REVIEW: 'Check break-glass review',
  /** Succeed: break-glass access ended and its review was checked. */
  REVIEW_CHECKED: 'Break-glass review checked',
  /** Pass state that shapes the data so the wait's TimeoutSecondsPath works in AWS and locally. */
  PREPARE_APPROVAL_WAIT: 'Prepare approval wait',
  /** Callback task: NotifyApprovers gets the task token; waits for SendTaskSuccess/Failure or the timeout. */
  WAIT_FOR_DECISION: 'Notify approvers and wait for decision',
  /** Choice on $.decision.decision: "approved" issues credentials, anything else is a denial. */
  APPROVED_CHOICE: 'Approved?',
  /** Choice: a request with a scheduled start ($.startsAt) waits for it before issuing. */
  SCHEDULED_CHOICE: 'Scheduled start?',
  /** Wait until $.startsAt. */
  WAIT_FOR_START: 'Wait until the scheduled start',
  /** IssueCredentials: assumes the role, marks the request ACTIVE, returns the window into $.grant. */
  ISSUE_CREDENTIALS: 'Issue credentials',
  /** NotifyRequester (event "granted"); best effort, its failure does not stop the grant. */
  NOTIFY_REQUESTER: 'Notify requester of grant',
  /** HoldAccess step "measure": the whole seconds left until the request's expiresAt, into $.Payload.secondsLeft. */
  MEASURE_WINDOW: 'Measure time left in window',
  /** Choice: at least 1 s left holds, otherwise expires at once. */
  WINDOW_OPEN_CHOICE: 'Window still open?',
  /**
   * Callback task (HoldAccess step "hold" stores the token on the ACTIVE request) with
   * TimeoutSecondsPath = seconds left: States.Timeout expires; SendTaskSuccess with an
   * AccessWaitOutput (payloads.ts) ends it early: `revoked` or `extended`.
   */
  HOLD_ACCESS: 'Hold access until the window ends',
  /** Choice on $.hold.outcome: `revoked` succeeds, `extended` (or anything else) measures again. */
  HOLD_OUTCOME_CHOICE: 'How did the hold end?',
  /** Succeed: a revoke ended the window (it already wrote REVOKED and cut the sessions). */
  ACCESS_REVOKED: 'Access revoked',
  /** Succeed on Broker.RequestClosed while holding: the request left ACTIVE before the hold began. */
  ACCESS_ALREADY_ENDED: 'Access already ended',
  /** SettleRequest outcome EXPIRED (and the ended-session deny on the target role). */
  EXPIRE_ACCESS: 'Expire access',
  /** Succeed: the window ran its course. */
  ACCESS_EXPIRED: 'Access expired',
  /** SettleRequest outcome DENIED. */
  RECORD_DENIAL: 'Record denial',
  /** Succeed after a denial. */
  REQUEST_DENIED: 'Request denied',
  /** SettleRequest outcome TIMED_OUT (no decision before approvalTimeoutSeconds). */
  RECORD_TIMEOUT: 'Record timeout',
  /** Succeed after a timeout. */
  APPROVAL_TIMED_OUT: 'Approval timed out',
  /** Succeed on Broker.Cancelled: the cancel API already recorded CANCELLED. */
  CANCELLED: 'Cancelled',
  /** Succeed on Broker.RequestClosed: the request changed status before credentials were issued. */
  REQUEST_ALREADY_CLOSED: 'Request already closed',
  /** SettleRequest outcome FAILED with the caught error and cause. */
  RECORD_FAILURE: 'Record failure',
  /** Fail state: makes failures visible to the ExecutionsFailed alarm. */
  REQUEST_FAILED: 'Request failed',
} as const;

export type StateName = (typeof StateName)[keyof typeof StateName];

/**
 * The Lambda functions the workflow invokes, keyed by the handler name the local runner uses,
 * valued by the `${...}` placeholder in the ASL that serverless.yml fills with the function ARN.
 */
export const WorkflowFunction = {
  /** Stores the task token and emails each approver a link. Payload: NotifyApproversPayload. */
  notifyApprovers: 'NotifyApproversFunctionArn',
  /** Issues credentials for an approved request. Payload: IssueCredentialsPayload. */
  issueCredentials: 'IssueCredentialsFunctionArn',
  /** Tells the requester about the grant. Payload: NotifyRequesterPayload. */
  notifyRequester: 'NotifyRequesterFunctionArn',
  /** Writes a final status (conditional). Payload: SettleRequestPayload. */
  settleRequest: 'SettleRequestFunctionArn',
  /** Measures the window left, then stores the end-of-access wait's task token. Payload: HoldAccessPayload. */
  holdAccess: 'HoldAccessFunctionArn',
} as const;

export type WorkflowFunctionName = keyof typeof WorkflowFunction;
export type FunctionArnPlaceholder = (typeof WorkflowFunction)[WorkflowFunctionName];

/**
 * Stand-in ARNs for local runs: the local runner never calls them (every task is overridden)
 * but it recognises which handler a task calls by them.
 */
export const LOCAL_FUNCTION_ARNS: Readonly<Record<FunctionArnPlaceholder, string>> = {
  NotifyApproversFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:NotifyApprovers',
  IssueCredentialsFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:IssueCredentials',
  NotifyRequesterFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:NotifyRequester',
  SettleRequestFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:SettleRequest',
  HoldAccessFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:HoldAccess',
};

/** Absolute path of the ASL file (serverless.yml includes the same file). */
export const STATE_MACHINE_DEFINITION_PATH = fileURLToPath(new URL('../../infra/approval-workflow.asl.json', import.meta.url));

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** The definition as written, placeholders and all. */
export function loadRawStateMachineDefinition(): AslDefinition {
  return JSON.parse(readFileSync(STATE_MACHINE_DEFINITION_PATH, 'utf8')) as AslDefinition;
}

/**
 * The definition with every `${Name}` placeholder replaced (default: the local stand-in ARNs).
 * Substitution walks the parsed JSON rather than the text, so a value can never break the
 * document; a placeholder without a value throws, naming it, instead of leaking into a run.
 */
export function loadStateMachineDefinition(
  substitutions: Readonly<Record<string, string>> = LOCAL_FUNCTION_ARNS,
): AslDefinition {
  return substitute(loadRawStateMachineDefinition(), substitutions) as AslDefinition;
}

function substitute(value: unknown, substitutions: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_, name: string) => {
      const replacement = substitutions[name];
      if (replacement === undefined) {
        throw new Error(`approval-workflow.asl.json: no substitution for placeholder \${${name}}`);
      }
      return replacement;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, substitutions));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, substitutions)]));
  }
  return value;
}

import type { ExecutionState } from '../domain/stuck';
import type { AccessRequest } from '../domain/request';
import type { AccessWaitOutput, WorkflowInput } from '../workflow/payloads';

/** Wall clock, injectable so tests control time. */
export interface Clock {
  now(): Date;
}

/** Result of a credential issuance. `chained` tells the console sign-in whether SessionDuration may be sent. */
export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO-8601. */
  expiration: string;
  chained: boolean;
  /** True for the local STS stand-in: these cannot work in AWS. */
  local?: boolean;
}

export interface IssueCredentialsInput {
  request: Pick<AccessRequest, 'id' | 'requester' | 'roleArn' | 'account' | 'services' | 'target'>;
  /** Already compiled and size-checked session policy JSON. */
  sessionPolicy: string;
  durationSeconds: number;
  externalId?: string;
  issuer: 'chained' | 'user';
}

/** Assumes the target role for one request. */
export interface CredentialIssuer {
  issue(input: IssueCredentialsInput): Promise<IssuedCredentials>;
}

export interface ConsoleUrlInput {
  credentials: IssuedCredentials;
  /** Full https URL of the console page to open. */
  destination: string;
  partition: string;
  /** Shown by AWS as where the user came from. */
  issuer: string;
}

/** Builds a federated console sign-in URL (valid 15 minutes, so minted on demand). */
export interface ConsoleSignIn {
  signInUrl(input: ConsoleUrlInput): Promise<string>;
}

/** Opaque, storable form of sealed credentials (envelope encryption). */
export interface SealedSecret {
  /** Encrypted data key (KMS CiphertextBlob, or the local key file's wrap), base64. */
  encryptedKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
  /** Which key wrapped the data key, for rotation and the local/KMS switch. */
  keyId: string;
}

/** Seals and opens secrets bound to a request id (the additional authenticated data). */
export interface CredentialVault {
  seal(requestId: string, plaintext: string): Promise<SealedSecret>;
  open(requestId: string, sealed: SealedSecret): Promise<string>;
}

export type TopicName = 'approvals' | 'notifications' | 'alarms';

export interface OutgoingMessage {
  topic: TopicName;
  subject: string;
  /** Plain text body, or the SNS `json` structure when `structure` is set. */
  message: string;
  /** SNS MessageStructure=json: `message` then holds {"default": ..., "email": ..., ...}. */
  structure?: 'json';
  attributes: Record<string, string>;
}

/** Publishes to the broker's SNS topics (or the local outbox). */
export interface Notifier {
  publish(message: OutgoingMessage): Promise<{ messageId: string }>;
}

/** The two streams of mail to people: approvers' links, and requesters' outcomes. */
export type MailTopic = Extract<TopicName, 'approvals' | 'notifications'>;

/** One email to one person: an approver's own link, or a requester's outcome. */
export interface Mail {
  /** Which stream: the SNS topic when mail goes through SNS, the outbox topic in local mode. */
  topic: MailTopic;
  /** The one recipient. */
  to: string;
  subject: string;
  /** The plain-text part (the whole message when mail goes through SNS). */
  text: string;
  /** The HTML part: every value escaped, self-contained (no remote images, styles or scripts). */
  html?: string;
  /**
   * Facts about the mail (`requestId`, `kind` or `event`) and the recipient attribute SNS
   * subscription filter policies match (`approver`, `requester`).
   */
  attributes: Record<string, string>;
}

/** Sends mail to people: Amazon SES (one SendEmail per recipient), SNS topics with filter policies, or the local outbox. */
export interface Mailer {
  send(mail: Mail): Promise<{ messageId: string }>;
}

/** The approval workflow engine (Step Functions, or the local interpreter). */
export interface Workflow {
  /** Idempotent on requestId (the execution name). Returns the execution ARN. */
  start(input: WorkflowInput): Promise<string>;
  sendDecision(taskToken: string, output: WorkflowDecision): Promise<void>;
  /** Ends a waiting execution (cancel). */
  abort(taskToken: string, error: string, cause: string): Promise<void>;
  /**
   * Resumes the end-of-access wait ("Hold access until the window ends") with SendTaskSuccess
   * `{"outcome": ...}`. `closed`: that wait is no longer waiting (it timed out into the
   * expiry, was answered already, or a newer hold holds a newer token), which is not an error.
   */
  resumeAccessWait(taskToken: string, output: AccessWaitOutput): Promise<'resumed' | 'closed'>;
}

/** What Step Functions knows of a request's execution (named after the request id). */
export interface WorkflowExecutions {
  /** DescribeExecution's status, or NOT_FOUND when the request's execution never started. */
  status(requestId: string): Promise<ExecutionState>;
}

export interface WorkflowDecision {
  decision: 'approved' | 'denied';
  decidedBy: string[];
}

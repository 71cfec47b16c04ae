import { REQUEST_ID_PATTERN } from './ids';

/** How a watched role was obtained, as recorded by CloudTrail. */
export const RoleUseKind = {
  /** sts:AssumeRole with AWS credentials (the broker's issuer, a user, a chained role session). */
  ASSUME_ROLE: 'assume-role',
  /** sts:AssumeRoleWithSAML: a federated user straight from an identity provider. */
  ASSUME_ROLE_WITH_SAML: 'assume-role-with-saml',
  /** sts:AssumeRoleWithWebIdentity: an OIDC token (CI pipelines, Cognito, ...). */
  ASSUME_ROLE_WITH_WEB_IDENTITY: 'assume-role-with-web-identity',
  /**
   * A person used "Switch role" in the AWS console: the sign-in `SwitchRole` record, or one of the
   * STS `AssumeRole` records the same switch leaves (`invokedBy: AWS Internal`). The broker never
   * does this.
   */
  CONSOLE_SWITCH_ROLE: 'console-switch-role',
} as const;
export type RoleUseKind = (typeof RoleUseKind)[keyof typeof RoleUseKind];

/** How alarms reach the broker: the EventBridge rules (real time) or reading the trail's log files. */
export const AlarmSource = {
  EVENTBRIDGE: 'eventbridge',
  TRAIL_RECONCILIATION: 'trail-reconciliation',
} as const;
export type AlarmSource = (typeof AlarmSource)[keyof typeof AlarmSource];

/**
 * One use of a role, normalised from whichever CloudTrail record recorded it. Carries no
 * credentials: of `responseElements.credentials` the parser copies only the access key id
 * (an identifier, not a secret), never the secret access key or the session token.
 */
export interface RoleUse {
  /** CloudTrail eventID. */
  eventId: string;
  /** ISO-8601, whole seconds (CloudTrail truncates). */
  eventTime: string;
  kind: RoleUseKind;
  /** The CloudTrail eventName as recorded (AssumeRole, AssumeRoleWithSAML, SwitchRole...). */
  eventName: string;
  /** The role obtained, as an IAM role ARN (as the caller wrote it, or from the session ARN). */
  roleArn: string;
  /** Account that owns the role. */
  roleAccount: string;
  roleSessionName?: string;
  /** The SourceIdentity of the new session (set by this call or inherited through chaining). */
  sourceIdentity?: string;
  /**
   * AssumeRole*: the AccessKeyId of the session STS returned
   * (`responseElements.credentials.accessKeyId`); absent for a failed call or a SwitchRole.
   * Compared with the key ids the broker recorded on its `issued` history entries, it ties a
   * session to the broker's own issuance. Never put in an alarm.
   */
  issuedAccessKeyId?: string;
  /** The caller's ARN when CloudTrail records one (SAML, web identity and cross-account copies have none). */
  callerArn?: string;
  /** For a role session caller: the role behind it. */
  sessionIssuerArn?: string;
  /** CloudTrail userIdentity.type: IAMUser, AssumedRole, SAMLUser, WebIdentityUser, AWSAccount, Root... */
  callerType: string;
  /**
   * CloudTrail userIdentity.principalId: for a role session `<role unique id>:<session name>`.
   * The only thing a cross-account copy (type AWSAccount) tells about the caller.
   */
  callerPrincipalId?: string;
  /** Account of the caller, when known. */
  callerAccount?: string;
  /** Who called, as a person would name it: the ARN, or the federated user and provider. */
  caller: string;
  sourceIp: string;
  userAgent: string;
  awsRegion: string;
  /** Account whose CloudTrail recorded the event (recipientAccountId, else the EventBridge account). */
  account: string;
  /** CloudTrail sharedEventID: the same id on every account's copy of one cross-account call. */
  sharedEventId?: string;
  /** Set when the call failed: no session was created. */
  errorCode?: string;
  errorMessage?: string;
}

/**
 * True for a session name shaped like a request id (26 upper-case Crockford base32
 * characters, see ids.ts). The issuer uses the id as RoleSessionName, which is how a
 * CloudTrail event finds its request.
 */
export const isRequestIdShaped = (sessionName: string | undefined): sessionName is string =>
  sessionName !== undefined && REQUEST_ID_PATTERN.test(sessionName);

/**
 * What could be read of a rule-matched CloudTrail record that did not parse: enough for a
 * person to find it (event id, account) and to judge it (role ARN text, event name). Every
 * field is text as it stood in the record, unchecked.
 */
export interface UnreadableEvent {
  eventId?: string;
  /** recipientAccountId, else the EventBridge envelope's account. */
  account?: string;
  eventName?: string;
  eventSource?: string;
  eventTime?: string;
  /** requestParameters.roleArn, else userIdentity.arn of a SwitchRole. */
  roleArnText?: string;
  /** Why it could not be read (zod paths and messages; never values). */
  error: string;
}

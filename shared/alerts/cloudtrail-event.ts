import * as z from 'zod';
import {
  RoleUseKind,
  isIamRoleArn,
  roleArnOfAssumedRole,
  sessionNameOfAssumedRole,
  type RoleUse,
} from '../domain/alert-classification';
import { accountOfArn, parseArn } from '../domain/arn';
import { zodSummary } from '../http/validation';

export type { RoleUse } from '../domain/alert-classification';

/** detail-type EventBridge gives CloudTrail-recorded API calls (here: STS). */
export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** detail-type EventBridge gives console sign-in events, SwitchRole among them. */
export const CONSOLE_SIGN_IN_DETAIL_TYPE = 'AWS Console Sign In via CloudTrail';

/** STS calls that hand out a role session, mapped to how the alarm names them. */
export const ASSUME_ROLE_EVENT_NAMES = {
  AssumeRole: RoleUseKind.ASSUME_ROLE,
  AssumeRoleWithSAML: RoleUseKind.ASSUME_ROLE_WITH_SAML,
  AssumeRoleWithWebIdentity: RoleUseKind.ASSUME_ROLE_WITH_WEB_IDENTITY,
} as const;

const isoTime = z.iso.datetime({ offset: true });

// Loose objects throughout: CloudTrail adds fields over time (tlsDetails, sessionCredentialFromConsole...)
// and an alarm must never be lost because AWS added one.
const userIdentitySchema = z.looseObject({
  type: z.string().min(1),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  userName: z.string().optional(),
  identityProvider: z.string().optional(),
  sessionContext: z
    .looseObject({
      sessionIssuer: z.looseObject({ arn: z.string().optional() }).optional(),
      sourceIdentity: z.string().optional(),
    })
    .optional(),
});

const envelopeFields = {
  version: z.string().optional(),
  id: z.string().min(1),
  account: z.string().min(1),
  time: isoTime,
  region: z.string().min(1),
  resources: z.array(z.string()).optional(),
};

const commonDetailFields = {
  eventVersion: z.string().optional(),
  userIdentity: userIdentitySchema,
  eventTime: isoTime,
  awsRegion: z.string().min(1),
  // AWS services calling on a user's behalf record a service name here, not an IP.
  sourceIPAddress: z.string().default('unknown'),
  userAgent: z.string().default('unknown'),
  eventID: z.string().min(1),
  recipientAccountId: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
};

/** An STS AssumeRole* call delivered by EventBridge: only what the classifier needs is checked. */
export const assumeRoleEventSchema = z.looseObject({
  ...envelopeFields,
  'detail-type': z.literal(API_CALL_DETAIL_TYPE),
  source: z.literal('aws.sts'),
  detail: z.looseObject({
    ...commonDetailFields,
    eventSource: z.literal('sts.amazonaws.com'),
    eventName: z.enum(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity']),
    requestParameters: z.looseObject({
      roleArn: z.string().min(1),
      roleSessionName: z.string().optional(),
      sourceIdentity: z.string().optional(),
      // AssumeRoleWithSAML names the identity provider here.
      principalArn: z.string().optional(),
    }),
    // null when the call failed.
    responseElements: z
      .looseObject({
        sourceIdentity: z.string().optional(),
        assumedRoleUser: z.looseObject({ arn: z.string().optional() }).optional(),
        // Only the access key id is declared (it binds the session to the broker's issuance); the
        // secret and the session token are left undeclared and are never copied.
        credentials: z.looseObject({ accessKeyId: z.string().optional() }).optional(),
      })
      .nullish(),
  }),
});
export type AssumeRoleEvent = z.infer<typeof assumeRoleEventSchema>;

/** A console "Switch role" delivered by EventBridge. */
export const switchRoleEventSchema = z.looseObject({
  ...envelopeFields,
  'detail-type': z.literal(CONSOLE_SIGN_IN_DETAIL_TYPE),
  source: z.literal('aws.signin'),
  detail: z.looseObject({
    ...commonDetailFields,
    eventSource: z.literal('signin.amazonaws.com'),
    eventName: z.literal('SwitchRole'),
    additionalEventData: z
      .looseObject({
        SwitchFrom: z.string().optional(),
        SwitchTo: z.string().optional(),
        RedirectTo: z.string().optional(),
      })
      .nullish(),
    responseElements: z.looseObject({ SwitchRole: z.string().optional() }).nullish(),
  }),
});
export type SwitchRoleEvent = z.infer<typeof switchRoleEventSchema>;

/** Why an event was not turned into a RoleUse: not ours to judge, or broken. */
export type ParseFailure = { error: string; reason: 'unsupported-event' | 'malformed' };

/**
 * Normalises an EventBridge event carrying an STS AssumeRole* call or a console
 * SwitchRole into a RoleUse. Never throws: anything else comes back as an error the
 * caller counts and logs.
 */
export function parseRoleUseEvent(raw: unknown): RoleUse | ParseFailure {
  const shape = z.looseObject({ 'detail-type': z.string(), source: z.string(), detail: z.looseObject({}) }).safeParse(raw);
  if (!shape.success) {
    return { error: 'not an EventBridge CloudTrail event (detail-type, source or detail missing)', reason: 'malformed' };
  }
  const { 'detail-type': detailType, detail } = shape.data;
  const eventName = typeof detail['eventName'] === 'string' ? detail['eventName'] : undefined;

  if (detailType === API_CALL_DETAIL_TYPE && eventName !== undefined && eventName in ASSUME_ROLE_EVENT_NAMES) {
    const parsed = assumeRoleEventSchema.safeParse(raw);
    return parsed.success ? fromAssumeRole(parsed.data) : malformed(eventName, parsed.error);
  }
  if (detailType === CONSOLE_SIGN_IN_DETAIL_TYPE && eventName === 'SwitchRole') {
    const parsed = switchRoleEventSchema.safeParse(raw);
    return parsed.success ? fromSwitchRole(parsed.data) : malformed(eventName, parsed.error);
  }
  return {
    error: `not a role-use event: ${detailType} / ${eventName ?? 'no eventName'}`,
    reason: 'unsupported-event',
  };
}

export const isParseFailure = (value: RoleUse | ParseFailure): value is ParseFailure => 'error' in value;

function malformed(eventName: string, error: z.ZodError): ParseFailure {
  return { error: `malformed ${eventName} event: ${zodSummary(error)}`, reason: 'malformed' };
}

function fromAssumeRole(event: AssumeRoleEvent): RoleUse {
  const d = event.detail;
  const identity = d.userIdentity;
  const response = d.responseElements ?? undefined;
  const sessionIssuerArn = identity.sessionContext?.sessionIssuer?.arn;
  return withoutUndefined({
    eventId: d.eventID,
    eventTime: toIso(d.eventTime),
    kind: ASSUME_ROLE_EVENT_NAMES[d.eventName],
    roleArn: d.requestParameters.roleArn,
    roleAccount: accountOfArn(d.requestParameters.roleArn) ?? event.account,
    roleSessionName: d.requestParameters.roleSessionName,
    // The response holds the session's effective value, including one inherited through chaining.
    sourceIdentity:
      response?.sourceIdentity ?? d.requestParameters.sourceIdentity ?? identity.sessionContext?.sourceIdentity,
    // The key id of the session STS handed out; never the secret access key or the session token.
    issuedAccessKeyId: response?.credentials?.accessKeyId || undefined,
    callerArn: identity.arn,
    sessionIssuerArn: sessionIssuerArn || undefined,
    callerType: identity.type,
    callerAccount: identity.accountId ?? (identity.arn === undefined ? undefined : accountOfArn(identity.arn)),
    caller: describeCaller(identity, d.requestParameters.principalArn),
    sourceIp: d.sourceIPAddress,
    userAgent: d.userAgent,
    awsRegion: d.awsRegion,
    account: d.recipientAccountId ?? event.account,
    errorCode: d.errorCode,
    errorMessage: d.errorMessage,
  });
}

/**
 * The published SwitchRole records carry the new session as userIdentity
 * (`assumed-role/ROLE/SESSION` in the role's account) and the person in
 * additionalEventData.SwitchFrom; a SwitchTo role ARN is used when present.
 */
function fromSwitchRole(event: SwitchRoleEvent): RoleUse | ParseFailure {
  const d = event.detail;
  const identity = d.userIdentity;
  const extra = d.additionalEventData ?? undefined;
  const switchTo = extra?.SwitchTo !== undefined && isIamRoleArn(extra.SwitchTo) ? extra.SwitchTo : undefined;
  const sessionArn = identity.arn;
  const roleArn = switchTo ?? (sessionArn === undefined ? undefined : roleArnOfAssumedRole(sessionArn));
  if (roleArn === undefined) {
    return {
      error: 'malformed SwitchRole event: no role in additionalEventData.SwitchTo or an assumed-role userIdentity.arn',
      reason: 'malformed',
    };
  }
  const switchFrom = extra?.SwitchFrom;
  const outcome = d.responseElements?.SwitchRole;
  const failed = d.errorCode ?? (outcome !== undefined && outcome !== 'Success' ? outcome : undefined);
  return withoutUndefined({
    eventId: d.eventID,
    eventTime: toIso(d.eventTime),
    kind: RoleUseKind.CONSOLE_SWITCH_ROLE,
    roleArn,
    roleAccount: accountOfArn(roleArn) ?? d.recipientAccountId ?? event.account,
    roleSessionName: sessionArn === undefined ? undefined : sessionNameOfAssumedRole(sessionArn),
    sourceIdentity: identity.sessionContext?.sourceIdentity,
    callerArn: switchFrom ?? sessionArn,
    sessionIssuerArn: identity.sessionContext?.sessionIssuer?.arn || undefined,
    callerType: switchFrom === undefined ? identity.type : principalTypeOf(switchFrom),
    callerAccount: switchFrom === undefined ? identity.accountId : accountOfArn(switchFrom),
    caller: switchFrom ?? describeCaller(identity, undefined),
    sourceIp: d.sourceIPAddress,
    userAgent: d.userAgent,
    awsRegion: d.awsRegion,
    account: d.recipientAccountId ?? event.account,
    errorCode: failed,
    errorMessage: d.errorMessage,
  });
}

type UserIdentity = z.infer<typeof userIdentitySchema>;

function describeCaller(identity: UserIdentity, samlProviderArn: string | undefined): string {
  if (identity.arn) return identity.arn;
  const name = identity.userName ?? identity.principalId ?? 'unknown principal';
  switch (identity.type) {
    case 'SAMLUser':
      return `${name} (SAML user via ${samlProviderArn ?? identity.identityProvider ?? 'unknown provider'})`;
    case 'WebIdentityUser':
      return `${name} (web identity user via ${identity.identityProvider ?? 'unknown provider'})`;
    case 'AWSAccount':
      return `account ${identity.accountId ?? 'unknown'} (principal id ${identity.principalId ?? 'unknown'})`;
    default:
      return `${name} (${identity.type})`;
  }
}

/** CloudTrail's userIdentity.type for the principal an ARN names. */
function principalTypeOf(arn: string): string {
  const parsed = parseArn(arn);
  if (parsed === undefined || parsed.region !== '') return 'Unknown';
  const { service, resource } = parsed;
  if (service === 'iam' && resource.startsWith('user/')) return 'IAMUser';
  if (service === 'sts' && resource.startsWith('assumed-role/')) return 'AssumedRole';
  if (service === 'sts' && resource.startsWith('federated-user/')) return 'FederatedUser';
  if (service === 'iam' && resource === 'root') return 'Root';
  return 'Unknown';
}

function toIso(time: string): string {
  return new Date(Date.parse(time)).toISOString().replace('.000Z', 'Z');
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

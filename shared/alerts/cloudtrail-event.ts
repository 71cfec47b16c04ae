import * as z from 'zod/mini';
import '../zod-english';
import { accountOfArn, parseArn, parseRoleArn } from '../domain/arn';
import { RoleUseKind, type RoleUse, type UnreadableEvent } from '../domain/role-use';
import { zodSummary } from '../http/validation';

export type { RoleUse, UnreadableEvent } from '../domain/role-use';

/** STS calls that hand out a role session, mapped to how the alarm names them. */
export const ASSUME_ROLE_EVENT_NAMES = {
  AssumeRole: RoleUseKind.ASSUME_ROLE,
  AssumeRoleWithSAML: RoleUseKind.ASSUME_ROLE_WITH_SAML,
  AssumeRoleWithWebIdentity: RoleUseKind.ASSUME_ROLE_WITH_WEB_IDENTITY,
} as const;

/** What CloudTrail writes in userIdentity.invokedBy when the console calls STS for a role switch. */
export const CONSOLE_INVOKED_BY = 'AWS Internal';

const isoTime = z.iso.datetime({ offset: true });

/** An optional CloudTrail string: CloudTrail writes `null` as readily as it leaves a field out. */
const optionalString = z.pipe(
  z.nullish(z.string()),
  z.transform((v: string | null | undefined) => v ?? undefined),
);

/** An optional CloudTrail object, `null` read as absent. */
const optionalObject = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(z.nullish(schema), z.transform((v: z.infer<T> | null | undefined) => v ?? undefined));

// Loose objects throughout: CloudTrail adds fields over time (tlsDetails, sessionCredentialFromConsole...)
// and an alarm must never be lost because AWS added one.
const userIdentitySchema = z.looseObject({
  type: z.string().check(z.minLength(1)),
  principalId: optionalString,
  arn: optionalString,
  accountId: optionalString,
  accessKeyId: optionalString,
  userName: optionalString,
  identityProvider: optionalString,
  invokedBy: optionalString,
  sessionContext: optionalObject(
    z.looseObject({
      sessionIssuer: optionalObject(z.looseObject({ arn: optionalString })),
      sourceIdentity: optionalString,
    }),
  ),
});

const commonRecordFields = {
  eventVersion: optionalString,
  userIdentity: userIdentitySchema,
  eventTime: isoTime,
  awsRegion: z.string().check(z.minLength(1)),
  // AWS services calling on a user's behalf record a service name here, not an IP.
  sourceIPAddress: z.pipe(optionalString, z.transform((v) => v ?? 'unknown')),
  userAgent: z.pipe(optionalString, z.transform((v) => v ?? 'unknown')),
  eventID: z.string().check(z.minLength(1)),
  recipientAccountId: optionalString,
  sharedEventID: optionalString,
  errorCode: optionalString,
  errorMessage: optionalString,
};

/** An STS AssumeRole* record: only what the classifier needs is checked. */
export const assumeRoleRecordSchema = z.looseObject({
  ...commonRecordFields,
  eventSource: z.literal('sts.amazonaws.com'),
  eventName: z.enum(['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity']),
  requestParameters: z.looseObject({
    roleArn: z.string().check(z.minLength(1)),
    roleSessionName: optionalString,
    sourceIdentity: optionalString,
    // AssumeRoleWithSAML names the identity provider here.
    principalArn: optionalString,
  }),
  // null when the call failed.
  responseElements: optionalObject(
    z.looseObject({
      sourceIdentity: optionalString,
      assumedRoleUser: optionalObject(z.looseObject({ arn: optionalString })),
      // Only the access key id is declared (it binds the session to the broker's issuance); the
      // secret and the session token are left undeclared and are never copied.
      credentials: optionalObject(z.looseObject({ accessKeyId: optionalString })),
    }),
  ),
});
export type AssumeRoleRecord = z.infer<typeof assumeRoleRecordSchema>;

/** A console "Switch role" sign-in record. */
export const switchRoleRecordSchema = z.looseObject({
  ...commonRecordFields,
  eventSource: z.literal('signin.amazonaws.com'),
  eventName: z.literal('SwitchRole'),
  additionalEventData: optionalObject(
    z.looseObject({
      SwitchFrom: optionalString,
      SwitchTo: optionalString,
      RedirectTo: optionalString,
    }),
  ),
  responseElements: optionalObject(z.looseObject({ SwitchRole: optionalString })),
});
export type SwitchRoleRecord = z.infer<typeof switchRoleRecordSchema>;

/**
 * Why a record was not turned into a RoleUse: not a role use at all (`unsupported-event`), or a
 * role use that cannot be read (`malformed`, with what could be read of it).
 */
export type ParseFailure =
  | { error: string; reason: 'unsupported-event' }
  | { error: string; reason: 'malformed'; unreadable: UnreadableEvent };

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Normalises an EventBridge event carrying a CloudTrail record (in `detail`) of an STS
 * AssumeRole* call or a console SwitchRole into a RoleUse. The record is recognised by its
 * `eventSource` and `eventName` (and the envelope's `source`), never by the detail-type, which
 * AWS spells more than one way. Never throws.
 */
export function parseRoleUseEvent(raw: unknown): RoleUse | ParseFailure {
  if (!isRecord(raw) || !isRecord(raw['detail'])) {
    return malformedOf(raw, undefined, 'not an EventBridge CloudTrail event (detail missing or not an object)');
  }
  return parseCloudTrailRecord(raw['detail'], text(raw['account']));
}

/**
 * Normalises one CloudTrail record (as in a trail's log file, or an EventBridge event's `detail`).
 * `fallbackAccount` is used when the record has no recipientAccountId. Never throws.
 */
export function parseCloudTrailRecord(record: unknown, fallbackAccount?: string): RoleUse | ParseFailure {
  if (!isRecord(record)) return malformedOf(undefined, fallbackAccount, 'the CloudTrail record is not an object');
  const eventName = text(record['eventName']);
  const eventSource = text(record['eventSource']);
  if (eventName === undefined || eventSource === undefined) {
    return malformedOf(record, fallbackAccount, 'the CloudTrail record has no eventSource or eventName');
  }
  if (eventSource === 'sts.amazonaws.com' && eventName in ASSUME_ROLE_EVENT_NAMES) {
    const parsed = assumeRoleRecordSchema.safeParse(record);
    return parsed.success ? fromAssumeRole(parsed.data, fallbackAccount) : malformed(record, fallbackAccount, eventName, parsed.error);
  }
  if (eventSource === 'signin.amazonaws.com' && eventName === 'SwitchRole') {
    const parsed = switchRoleRecordSchema.safeParse(record);
    if (!parsed.success) return malformed(record, fallbackAccount, eventName, parsed.error);
    const use = fromSwitchRole(parsed.data, fallbackAccount);
    return typeof use === 'string' ? malformedOf(record, fallbackAccount, use) : use;
  }
  return { error: `not a role-use event: ${eventSource} / ${eventName}`, reason: 'unsupported-event' };
}

export const isParseFailure = (value: RoleUse | ParseFailure): value is ParseFailure => 'error' in value;

function malformed(record: Json, fallbackAccount: string | undefined, eventName: string, error: z.core.$ZodError): ParseFailure {
  return malformedOf(record, fallbackAccount, `malformed ${eventName} event: ${zodSummary(error)}`);
}

function malformedOf(raw: unknown, fallbackAccount: string | undefined, error: string): ParseFailure {
  return { error, reason: 'malformed', unreadable: readWhatCanBeRead(raw, fallbackAccount, error) };
}

/** At most this many characters of any field copied from an unreadable record. */
const MAX_UNREADABLE_TEXT = 300;
const clip = (value: string | undefined) =>
  value === undefined ? undefined : value.length <= MAX_UNREADABLE_TEXT ? value : `${value.slice(0, MAX_UNREADABLE_TEXT)}...`;

/**
 * The identifying fields of a record (or of an EventBridge event around one) that did not parse,
 * each taken only if it is a string. Never the credentials: nothing from responseElements.
 */
export function readWhatCanBeRead(raw: unknown, fallbackAccount: string | undefined, error: string): UnreadableEvent {
  const envelope = isRecord(raw) && isRecord(raw['detail']) ? raw : undefined;
  const record = envelope ? (envelope['detail'] as Json) : isRecord(raw) ? raw : {};
  const params = isRecord(record['requestParameters']) ? record['requestParameters'] : {};
  const identity = isRecord(record['userIdentity']) ? record['userIdentity'] : {};
  const extra = isRecord(record['additionalEventData']) ? record['additionalEventData'] : {};
  const result: UnreadableEvent = { error };
  const fields: [keyof Omit<UnreadableEvent, 'error'>, string | undefined][] = [
    ['eventId', text(record['eventID'])],
    ['account', text(record['recipientAccountId']) ?? text(envelope?.['account']) ?? fallbackAccount],
    ['eventName', text(record['eventName'])],
    ['eventSource', text(record['eventSource'])],
    ['eventTime', text(record['eventTime'])],
    // A SwitchRole names the role as its new session (userIdentity); any other record's identity is the caller.
    ['roleArnText', text(params['roleArn']) ?? text(extra['SwitchTo']) ?? (record['eventName'] === 'SwitchRole' ? text(identity['arn']) : undefined)],
  ];
  for (const [key, value] of fields) if (value !== undefined) result[key] = clip(value)!;
  return result;
}

function fromAssumeRole(d: AssumeRoleRecord, fallbackAccount: string | undefined): RoleUse {
  const identity = d.userIdentity;
  const response = d.responseElements;
  const sessionIssuerArn = identity.sessionContext?.sessionIssuer?.arn;
  // A console role switch makes the console call STS on the person's behalf.
  const viaConsole = d.eventName === 'AssumeRole' && identity.invokedBy === CONSOLE_INVOKED_BY;
  return withoutUndefined({
    eventId: d.eventID,
    eventTime: toIso(d.eventTime),
    kind: viaConsole ? RoleUseKind.CONSOLE_SWITCH_ROLE : ASSUME_ROLE_EVENT_NAMES[d.eventName],
    eventName: d.eventName,
    roleArn: d.requestParameters.roleArn,
    roleAccount: accountOfArn(d.requestParameters.roleArn) ?? d.recipientAccountId ?? fallbackAccount ?? 'unknown',
    roleSessionName: d.requestParameters.roleSessionName,
    // The response holds the session's effective value, including one inherited through chaining.
    sourceIdentity:
      response?.sourceIdentity ?? d.requestParameters.sourceIdentity ?? identity.sessionContext?.sourceIdentity,
    // The key id of the session STS handed out; never the secret access key or the session token.
    issuedAccessKeyId: response?.credentials?.accessKeyId || undefined,
    callerArn: identity.arn,
    sessionIssuerArn: sessionIssuerArn || undefined,
    callerType: identity.type,
    callerPrincipalId: identity.principalId,
    callerAccount: identity.accountId ?? (identity.arn === undefined ? undefined : accountOfArn(identity.arn)),
    caller: describeCaller(identity, d.requestParameters.principalArn),
    sourceIp: d.sourceIPAddress,
    userAgent: d.userAgent,
    awsRegion: d.awsRegion,
    account: d.recipientAccountId ?? fallbackAccount ?? 'unknown',
    sharedEventId: d.sharedEventID,
    errorCode: d.errorCode,
    errorMessage: d.errorMessage,
  });
}

/**
 * The published SwitchRole records carry the new session as userIdentity
 * (`assumed-role/ROLE/SESSION` in the role's account) and the person in
 * additionalEventData.SwitchFrom; a SwitchTo role ARN is used when present. Returns an error
 * text when neither names a role.
 */
function fromSwitchRole(d: SwitchRoleRecord, fallbackAccount: string | undefined): RoleUse | string {
  const identity = d.userIdentity;
  const extra = d.additionalEventData;
  const switchToRole = extra?.SwitchTo === undefined ? undefined : parseRoleArn(extra.SwitchTo);
  const switchTo = switchToRole !== undefined && switchToRole.sessionName === undefined ? extra!.SwitchTo : undefined;
  const sessionArn = identity.arn;
  const session = sessionArn === undefined ? undefined : parseRoleArn(sessionArn);
  const sessionRole = session?.sessionName === undefined ? undefined : session;
  const roleArn =
    switchTo ?? (sessionRole === undefined ? undefined : `arn:${sessionRole.partition}:iam::${sessionRole.account}:role/${sessionRole.name}`);
  if (roleArn === undefined) {
    return 'malformed SwitchRole event: no role in additionalEventData.SwitchTo or an assumed-role userIdentity.arn';
  }
  const switchFrom = extra?.SwitchFrom;
  const outcome = d.responseElements?.SwitchRole;
  const failed = d.errorCode ?? (outcome !== undefined && outcome !== 'Success' ? outcome : undefined);
  return withoutUndefined({
    eventId: d.eventID,
    eventTime: toIso(d.eventTime),
    kind: RoleUseKind.CONSOLE_SWITCH_ROLE,
    eventName: d.eventName,
    roleArn,
    roleAccount: accountOfArn(roleArn) ?? d.recipientAccountId ?? fallbackAccount ?? 'unknown',
    roleSessionName: sessionRole?.sessionName,
    sourceIdentity: identity.sessionContext?.sourceIdentity,
    callerArn: switchFrom ?? sessionArn,
    sessionIssuerArn: identity.sessionContext?.sessionIssuer?.arn || undefined,
    callerType: switchFrom === undefined ? identity.type : principalTypeOf(switchFrom),
    callerPrincipalId: switchFrom === undefined ? identity.principalId : undefined,
    callerAccount: switchFrom === undefined ? identity.accountId : accountOfArn(switchFrom),
    caller: switchFrom ?? describeCaller(identity, undefined),
    sourceIp: d.sourceIPAddress,
    userAgent: d.userAgent,
    awsRegion: d.awsRegion,
    account: d.recipientAccountId ?? fallbackAccount ?? 'unknown',
    sharedEventId: d.sharedEventID,
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
  const { service, resourceType, resource } = parsed;
  if (service === 'iam' && resourceType === 'user') return 'IAMUser';
  if (service === 'sts' && resourceType === 'assumed-role') return 'AssumedRole';
  if (service === 'sts' && resourceType === 'federated-user') return 'FederatedUser';
  if (service === 'iam' && resource.toLowerCase() === 'root') return 'Root';
  return 'Unknown';
}

function toIso(time: string): string {
  return new Date(Date.parse(time)).toISOString().replace('.000Z', 'Z');
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

import * as z from 'zod/mini';
import '../zod-english';
import { ConfigError, configProblem } from './config-error';

export { ConfigError } from './config-error';

/**
 * Every environment variable the broker reads, parsed once at cold start. A bad or missing
 * value fails fast with a message naming the variable, before any request is served.
 */
const arn = (service: string) =>
  z.string().check(z.regex(new RegExp(`^arn:aws[a-z-]*:${service}:`), `must be an ARN of service ${service}`));

const envSchema = z.object({
  BROKER_STAGE: z._default(z.string().check(z.minLength(1)), 'dev'),
  BROKER_TABLE_NAME: z.string().check(z.regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
  /** The catalogue as packaged: JSON written by `npm run package` (infra/catalogue-json.ts), relative to LAMBDA_TASK_ROOT. */
  BROKER_CATALOGUE_FILE: z._default(z.string().check(z.minLength(1)), 'build/catalogue.json'),
  BROKER_GROUPS_CLAIM: z._default(z.string().check(z.minLength(1)), 'groups'),
  /** 'false' only for an IdP whose tokens never carry email_verified but whose emails are all verified. */
  BROKER_REQUIRE_EMAIL_VERIFIED: z.pipe(
    z._default(z.enum(['true', 'false'], { error: 'must be true or false' }), 'true'),
    z.transform((v) => v === 'true'),
  ),
  // https only: approval links carry their token in the path.
  BROKER_PUBLIC_BASE_URL: z.url({ protocol: /^https$/, error: 'must be an https URL (approval links carry a credential)' }),
  /** How approvers and requesters are mailed: `ses` (one SendEmail per person) or `sns` (topics with filter policies). */
  BROKER_MAIL_DELIVERY: z._default(z.enum(['ses', 'sns'], { error: 'must be ses or sns' }), 'ses'),
  /** With ses: the From address, of (or under) a verified SES identity. */
  BROKER_MAIL_FROM: z.optional(z.email({ error: 'must be an email address (a verified SES identity, or an address of a verified domain)' })),
  /** With ses, optional: the SES configuration set (event publishing of bounces, complaints, deliveries). */
  BROKER_SES_CONFIGURATION_SET: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an SES configuration set name (letters, digits, _ and -, at most 64)'))),
  /** With sns: the topics approvers' and requesters' email subscriptions filter. */
  BROKER_APPROVALS_TOPIC_ARN: z.optional(arn('sns')),
  BROKER_NOTIFICATIONS_TOPIC_ARN: z.optional(arn('sns')),
  BROKER_ALARMS_TOPIC_ARN: arn('sns'),
  BROKER_STATE_MACHINE_ARN: arn('states'),
  BROKER_KMS_KEY_ID: z.string().check(z.minLength(1)),
  /** Secrets Manager secret holding the IAM user key for `user` issuer targets; absent disables that mode. */
  BROKER_ISSUER_USER_SECRET_ARN: z.optional(arn('secretsmanager')),
  /** Principals whose AssumeRole calls are the broker's own (issuer role, IAM user), comma separated. */
  BROKER_ISSUER_PRINCIPAL_ARNS: z.pipe(
    z._default(z.string(), ''),
    z.transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean)),
  ),
  /** Unique ids of the issuer roles (`!GetAtt <IssuerRole>.RoleId`, AROA...), comma separated. */
  BROKER_ISSUER_ROLE_IDS: z.pipe(
    z.pipe(
      z._default(z.string(), ''),
      z.transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean)),
    ),
    z.array(z.string().check(z.regex(/^AROA[A-Z0-9]{4,124}$/, 'must be IAM role unique ids (AROA...)'))),
  ),
  /** Only for local mode and tests: a DynamoDB-protocol endpoint such as http://127.0.0.1:4567. */
  BROKER_DYNAMODB_ENDPOINT: z.optional(z.url()),
  /** Days an alarm's event id is remembered to drop duplicate deliveries. */
  BROKER_EVENT_DEDUPE_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(30)), 7),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
});

export type Config = z.infer<typeof envSchema>;

/** Variables one mail delivery needs and the other does not. */
function mailProblems(config: Config): string[] {
  const needed =
    config.BROKER_MAIL_DELIVERY === 'ses'
      ? (['BROKER_MAIL_FROM'] as const)
      : (['BROKER_APPROVALS_TOPIC_ARN', 'BROKER_NOTIFICATIONS_TOPIC_ARN'] as const);
  return needed.filter((name) => config[name] === undefined).map((name) => `${name} is required (BROKER_MAIL_DELIVERY is ${config.BROKER_MAIL_DELIVERY})`);
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) {
    const problems = mailProblems(parsed.data);
    if (problems.length) throw new ConfigError(problems);
    return parsed.data;
  }
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const variable = issue.path.join('.');
      return configProblem(variable, env[variable], issue.message);
    }),
  );
}

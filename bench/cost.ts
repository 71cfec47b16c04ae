/**
 * AWS list prices (us-east-1, on-demand) used to turn measured counts into a cost per 1,000
 * requests. Each price is per one unit so the arithmetic below is plain multiplication.
 */
export const PRICES = {
  /** Step Functions Standard: $0.025 per 1,000 state transitions. */
  stateTransition: 0.025 / 1000,
  /** Lambda: $0.20 per 1M requests. */
  lambdaRequest: 0.2 / 1_000_000,
  /** Lambda arm64: $0.0000133334 per GB-second. */
  lambdaGbSecond: 0.0000133334,
  /** DynamoDB on-demand: $0.625 per million write request units. */
  dynamoWrite: 0.625 / 1_000_000,
  /** DynamoDB on-demand: $0.125 per million read request units. */
  dynamoRead: 0.125 / 1_000_000,
  /** API Gateway HTTP API: $1.00 per million requests. */
  apiRequest: 1 / 1_000_000,
  /** SNS: $0.50 per million publishes, plus $2.00 per 100,000 email deliveries. */
  snsPublish: 0.5 / 1_000_000,
  snsEmail: 2 / 100_000,
  /** SES: $0.10 per 1,000 outbound emails (approvalMail ses, the default). */
  sesEmail: 0.1 / 1000,
  /** KMS: $0.03 per 10,000 requests. */
  kmsRequest: 0.03 / 10_000,
} as const;

/**
 * Assumed Lambda footprint: 1024 MB (serverless.yml) and 150 ms billed per invocation. Local
 * handler times are far below that; the figure covers a cold start now and then.
 */
export const LAMBDA_GB_SECONDS_PER_INVOCATION = 1 * 0.15;

export interface PerRequestCounts {
  stateTransitions: number;
  dynamoReads: number;
  dynamoWrites: number;
  apiRequests: number;
  lambdaInvocations: number;
  /** Emails to people (approvers' links, requesters' outcomes): SES messages, or SNS publishes with approvalMail sns. */
  snsPublishes: number;
  emailDeliveries: number;
  kmsRequests: number;
}

/**
 * Cost per 1,000 requests with mail as deployed (`ses` by default: one SES message per email;
 * `sns`: one publish and one email delivery each), and the total with the other delivery.
 */
export function costPer1000Requests(c: PerRequestCounts, mailDelivery: 'ses' | 'sns' = 'ses') {
  const n = 1000;
  const mailCost = (delivery: 'ses' | 'sns') =>
    (delivery === 'ses' ? c.emailDeliveries * PRICES.sesEmail : c.snsPublishes * PRICES.snsPublish + c.emailDeliveries * PRICES.snsEmail) * n;
  const parts = {
    stepFunctions: c.stateTransitions * PRICES.stateTransition * n,
    lambda: c.lambdaInvocations * (PRICES.lambdaRequest + LAMBDA_GB_SECONDS_PER_INVOCATION * PRICES.lambdaGbSecond) * n,
    // On-demand units: items here are under 1 KB written / 4 KB read, so one unit per operation.
    dynamodb: (c.dynamoReads * PRICES.dynamoRead + c.dynamoWrites * PRICES.dynamoWrite) * n,
    apiGateway: c.apiRequests * PRICES.apiRequest * n,
    mail: mailCost(mailDelivery),
    kms: c.kmsRequests * PRICES.kmsRequest * n,
  };
  const round = (x: number) => Math.round(x * 10000) / 10000;
  const rounded = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(v)]));
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  const other = mailDelivery === 'ses' ? 'sns' : 'ses';
  return {
    countsPerRequest: c,
    mailDelivery,
    usdPer1000Requests: { ...rounded, total: round(total) },
    [`totalWithMailThrough${other.toUpperCase()}`]: round(total - parts.mail + mailCost(other)),
  };
}

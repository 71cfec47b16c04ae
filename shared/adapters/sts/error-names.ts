/** Moved to shared/adapters/aws-errors.ts; kept as a re-export for local/console-preview.ts. */
export { BrokerErrorName, upstreamError } from '../aws-errors';

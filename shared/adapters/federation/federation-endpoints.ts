import { ValidationError } from '../../domain/errors';

/** The federation endpoint per AWS partition; the login URL uses the same host. */
const FEDERATION_ENDPOINTS: Record<string, string> = {
  aws: 'https://signin.aws.amazon.com/federation',
  'aws-us-gov': 'https://signin.amazonaws-us-gov.com/federation',
  'aws-cn': 'https://signin.amazonaws.cn/federation',
};

export function federationEndpoint(partition: string): string {
  const endpoint = FEDERATION_ENDPOINTS[partition];
  if (!endpoint) {
    throw new ValidationError(`Unknown AWS partition ${JSON.stringify(partition)}: expected aws, aws-us-gov or aws-cn`, [
      { field: 'partition', rule: 'enum', message: 'must be aws, aws-us-gov or aws-cn' },
    ]);
  }
  return endpoint;
}

import type { ServiceDefinition } from '../catalogue/types';
import { ValidationError } from './errors';
import { REGION } from './issuance';

/** The console host per partition: regional services get a `<region>.` prefix in the commercial partition. */
function consoleHost(partition: string, region: string, global: boolean): string {
  switch (partition) {
    case 'aws':
      return global ? 'console.aws.amazon.com' : `${region}.console.aws.amazon.com`;
    case 'aws-us-gov':
      return 'console.amazonaws-us-gov.com';
    case 'aws-cn':
      return 'console.amazonaws.cn';
    default:
      throw new ValidationError(`Unknown AWS partition ${JSON.stringify(partition)}: expected aws, aws-us-gov or aws-cn`, [
        { field: 'partition', rule: 'enum', message: 'must be aws, aws-us-gov or aws-cn' },
      ]);
  }
}

/**
 * The console page a sign-in URL opens for one service, e.g.
 * https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1.
 * Global consoles (IAM, Cost Explorer, Health) take no region. A `#fragment` in the
 * catalogue's consolePath (the console's client-side route, e.g. `#LoadBalancers:`) must
 * follow the query string or the console never sees `region`.
 */
export function consoleDestination(input: { partition: string; region: string; service: ServiceDefinition }): string {
  const { partition, region, service } = input;
  if (!REGION.test(region)) {
    throw new ValidationError(`Region ${JSON.stringify(region)} is not an AWS region name`, [
      { field: 'region', rule: 'pattern', message: 'must look like us-east-1' },
    ]);
  }
  if (!service.consolePath.startsWith('/')) {
    throw new ValidationError(`consolePath of service ${service.key} must start with /`, [
      { field: 'consolePath', rule: 'pattern', message: 'must start with /' },
    ]);
  }
  const global = service.globalConsole === true;
  const hashAt = service.consolePath.indexOf('#');
  const pathAndQuery = hashAt >= 0 ? service.consolePath.slice(0, hashAt) : service.consolePath;
  const fragment = hashAt >= 0 ? service.consolePath.slice(hashAt) : '';
  const regionQuery = global ? '' : `${pathAndQuery.includes('?') ? '&' : '?'}region=${encodeURIComponent(region)}`;
  return `https://${consoleHost(partition, region, global)}${pathAndQuery}${regionQuery}${fragment}`;
}

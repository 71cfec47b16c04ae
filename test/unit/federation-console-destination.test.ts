import { describe, expect, it } from 'vitest';
import { serviceByKey } from '../../shared/catalogue/services';
import type { ServiceDefinition } from '../../shared/catalogue/types';
import { consoleDestination } from '../../shared/domain/console-destination';
import { ValidationError } from '../../shared/domain/errors';

const service = (key: string): ServiceDefinition => {
  const found = serviceByKey(key);
  if (!found) throw new Error(`no service ${key}`);
  return found;
};

describe('consoleDestination', () => {
  it('opens a regional service on the regional console with ?region', () => {
    expect(consoleDestination({ partition: 'aws', region: 'us-east-1', service: service('ec2') })).toBe(
      'https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1',
    );
  });

  it('opens a global service on the global console without a region', () => {
    expect(consoleDestination({ partition: 'aws', region: 'eu-west-1', service: service('iam') })).toBe(
      'https://console.aws.amazon.com/iam/home',
    );
    expect(consoleDestination({ partition: 'aws', region: 'eu-west-1', service: service('costexplorer') })).toBe(
      'https://console.aws.amazon.com/cost-management/home',
    );
  });

  it('puts a hash fragment after the query string', () => {
    expect(consoleDestination({ partition: 'aws', region: 'eu-west-1', service: service('loadbalancers') })).toBe(
      'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#LoadBalancers:',
    );
  });

  it('uses the GovCloud and China console hosts', () => {
    expect(consoleDestination({ partition: 'aws-us-gov', region: 'us-gov-west-1', service: service('ec2') })).toBe(
      'https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1',
    );
    expect(consoleDestination({ partition: 'aws-cn', region: 'cn-north-1', service: service('loadbalancers') })).toBe(
      'https://console.amazonaws.cn/ec2/home?region=cn-north-1#LoadBalancers:',
    );
    expect(consoleDestination({ partition: 'aws-us-gov', region: 'us-gov-west-1', service: service('iam') })).toBe(
      'https://console.amazonaws-us-gov.com/iam/home',
    );
  });

  it('joins onto an existing query with &', () => {
    const custom: ServiceDefinition = { key: 'x', name: 'X', sid: 'X', actions: [], consolePath: '/x/home?tab=a#b' };
    expect(consoleDestination({ partition: 'aws', region: 'eu-west-1', service: custom })).toBe(
      'https://eu-west-1.console.aws.amazon.com/x/home?tab=a&region=eu-west-1#b',
    );
  });

  it('refuses an unknown partition, a bad region and a relative path', () => {
    expect(() => consoleDestination({ partition: 'aws-iso', region: 'us-east-1', service: service('ec2') })).toThrow(ValidationError);
    expect(() => consoleDestination({ partition: 'aws', region: 'evil.com/', service: service('ec2') })).toThrow(ValidationError);
    const relative: ServiceDefinition = { key: 'x', name: 'X', sid: 'X', actions: [], consolePath: 'x/home' };
    expect(() => consoleDestination({ partition: 'aws', region: 'us-east-1', service: relative })).toThrow(ValidationError);
  });
});

import { describe, expect, it } from 'vitest';
import { SERVICE_KEYS } from '../../shared/catalogue/services';
import type { ServiceDefinition } from '../../shared/catalogue/types';
import { ValidationError } from '../../shared/domain/errors';
import { SESSION_POLICY_MAX_CHARS } from '../../shared/domain/issuance';
import {
  compileSessionPolicy,
  sessionPolicyDocument,
  sessionPolicyLength,
} from '../../shared/domain/session-policy';

/** The thrown error, so its fields can be asserted; fails the test if nothing is thrown. */
function thrownBy(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

/** A service whose statement is long: `count` actions named `<key>:Action000…`. */
const bulky = (key: string, count: number): ServiceDefinition => ({
  key,
  name: key,
  sid: key.toUpperCase(),
  consolePath: `/${key}/home`,
  actions: Array.from({ length: count }, (_, i) => `${key}:Action${String(i).padStart(20, '0')}`),
});

describe('compileSessionPolicy', () => {
  it('compiles a two-service request to this exact compact JSON', () => {
    expect(compileSessionPolicy(['ec2', 'databases'])).toBe(
      '{"Version":"2012-10-17","Statement":[' +
        '{"Sid":"EC2","Effect":"Allow","Action":["ec2:Describe*"],"Resource":"*"},' +
        '{"Sid":"Databases","Effect":"Allow","Action":["rds:Describe*","rds:List*"],"Resource":"*"}' +
        ']}',
    );
  });

  it('orders statements by the catalogue, whatever order they were asked in', () => {
    const expected = compileSessionPolicy(['ec2', 'secretsmanager', 'health']);
    expect(compileSessionPolicy(['health', 'ec2', 'secretsmanager'])).toBe(expected);
    expect(compileSessionPolicy(['secretsmanager', 'health', 'ec2'])).toBe(expected);
    expect(sessionPolicyDocument(['health', 'ec2', 'secretsmanager']).Statement.map((s) => s.Sid)).toEqual([
      'EC2',
      'SecretsManager',
      'Health',
    ]);
  });

  it('removes duplicate services', () => {
    expect(compileSessionPolicy(['cloudwatch', 'ec2', 'cloudwatch', 'ec2'])).toBe(
      compileSessionPolicy(['ec2', 'cloudwatch']),
    );
    expect(sessionPolicyDocument(['ec2', 'ec2']).Statement).toHaveLength(1);
  });

  it('grants SES reads only', () => {
    expect(JSON.parse(compileSessionPolicy(['ses']))).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'SES', Effect: 'Allow', Action: ['ses:Get*', 'ses:List*', 'ses:Describe*'], Resource: '*' },
      ],
    });
  });

  it('fits all 13 services well under the STS limit', () => {
    const all = compileSessionPolicy([...SERVICE_KEYS]);
    expect(all.length).toBe(1312);
    expect(all.length).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS);
    expect(sessionPolicyLength([...SERVICE_KEYS])).toBe(1312);
    expect(JSON.parse(all).Statement).toHaveLength(13);
  });

  it('reports the same length it compiles', () => {
    expect(sessionPolicyLength(['ec2', 'databases'])).toBe(compileSessionPolicy(['ec2', 'databases']).length);
    expect(sessionPolicyLength(['ec2', 'databases'])).toBe(202);
  });

  it('rejects an unknown service by name', () => {
    const error = thrownBy(() => compileSessionPolicy(['ec2', 's3', 'lambda', 's3']));
    expect(error.code).toBe('UNKNOWN_SERVICE');
    expect(error.message).toBe(`unknown service "s3", "lambda"; known: ${SERVICE_KEYS.join(', ')}`);
    expect(error.details).toEqual([{ field: 'services', rule: 'known-service', message: error.message }]);
  });

  it('rejects an empty service list rather than compile a policy that grants nothing', () => {
    const error = thrownBy(() => compileSessionPolicy([]));
    expect(error.details).toEqual([{ field: 'services', rule: 'required', message: 'name at least one service' }]);
  });

  it('says how far over the limit a policy is and which services to drop', () => {
    // Statement sizes: alpha 1108, beta 1247, gamma 933, delta 233 characters; 3563 in all.
    const services = [bulky('alpha', 30), bulky('beta', 35), bulky('gamma', 25), bulky('delta', 5)];
    const keys = ['delta', 'gamma', 'beta', 'alpha'];
    expect(sessionPolicyLength(keys, services)).toBe(3563);

    const error = thrownBy(() => compileSessionPolicy(keys, services));
    expect(error.code).toBe('SESSION_POLICY_TOO_LARGE');
    expect(error.message).toBe(
      'the session policy for these services is 3563 characters, 1515 over the 2048-character limit ' +
        'STS allows; drop beta, alpha to bring it to 1206 characters',
    );
    expect(error.details).toEqual([
      {
        field: 'services',
        rule: 'session-policy-size',
        message: 'drop beta, alpha to bring it to 1206 characters',
      },
    ]);
    // The suggestion is sound: what is left compiles, and at the length promised.
    expect(compileSessionPolicy(['gamma', 'delta'], services)).toHaveLength(1206);
  });

  it('says when no subset fits', () => {
    const error = thrownBy(() => compileSessionPolicy(['huge'], [bulky('huge', 80)]));
    expect(error.code).toBe('SESSION_POLICY_TOO_LARGE');
    expect(error.message).toMatch(
      /^the session policy for these services is 2816 characters, 768 over the 2048-character limit STS allows; no subset of these services fits/,
    );
  });
});

/**
 * infra/region-forwarder.yaml: deployed in other regions and target accounts, it must forward
 * at least every event the broker's rules would alarm on (a superset of their patterns), to the
 * broker's bus only, and never loop in the broker's own region.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';
import { EVENTS_DIR, loadEvent } from '../../events/load';
import { matchesPattern, validatePattern, type EventPattern } from '../../shared/eventbridge/pattern';
import { ROOT, type Json } from '../helpers/packaged-template';

const require = createRequire(import.meta.url);
const alertRules = require('../../infra/alert-rules.cjs') as {
  assumeRolePattern: EventPattern;
  switchRolePattern: EventPattern;
  buildAlertRules(catalogue: unknown): { assumeRolePattern: EventPattern; switchRolePattern: EventPattern };
};

/** CloudFormation short-form tags, read into their long JSON form. */
function cloudFormationTags(): Tags {
  const names = ['Ref', 'Sub', 'If', 'GetAtt', 'Equals', 'Not', 'And', 'Or', 'Join', 'Select', 'Split', 'Condition'];
  const key = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);
  return names.flatMap((name) => [
    { tag: `!${name}`, resolve: (value: string) => ({ [key(name)]: name === 'GetAtt' ? value.split('.') : value }) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (node: { toJSON(): unknown }) => ({ [key(name)]: node.toJSON() }) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (node: { toJSON(): unknown }) => ({ [key(name)]: node.toJSON() }) },
  ]);
}

const text = readFileSync(join(ROOT, 'infra/region-forwarder.yaml'), 'utf8');
const template: Json = parse(text, { customTags: cloudFormationTags() });
const rule = (id: string) => template.Resources[id].Properties;
const BROKER_BUS = {
  'Fn::Sub': [
    'arn:${AWS::Partition}:events:${BrokerRegion}:${Account}:event-bus/default',
    { Account: { 'Fn::If': ['ToThisAccount', { Ref: 'AWS::AccountId' }, { Ref: 'BrokerAccountId' }] } },
  ],
};

const fixtures = readdirSync(join(EVENTS_DIR, 'cloudtrail'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f, event: loadEvent(`cloudtrail/${f}`) }));

describe('region forwarder template', () => {
  it('uses no YAML anchors or aliases (CloudFormation does not support them)', () => {
    expect(text).not.toMatch(/(^|[\s[{,])[&*][A-Za-z_]/m);
  });

  it('has valid patterns receiving read-only management events', () => {
    for (const id of ['AssumeRoleForwardRule', 'SwitchRoleForwardRule']) {
      expect(() => validatePattern(rule(id).EventPattern), id).not.toThrow();
      expect(rule(id).State, id).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    }
  });

  it("forwards every fixture the broker's rules match (a superset of them), with the example and a foreign catalogue", () => {
    const foreign = alertRules.buildAlertRules({ targets: [{ roleArn: 'arn:aws:iam::555555555555:role/Elsewhere' }] });
    let matchedByBroker = 0;
    for (const rules of [alertRules, foreign]) {
      for (const { name, event } of fixtures) {
        if (matchesPattern(rules.assumeRolePattern, event)) {
          matchedByBroker++;
          expect(matchesPattern(rule('AssumeRoleForwardRule').EventPattern, event), name).toBe(true);
        }
        if (matchesPattern(rules.switchRolePattern, event)) {
          matchedByBroker++;
          expect(matchesPattern(rule('SwitchRoleForwardRule').EventPattern, event), name).toBe(true);
        }
      }
    }
    expect(matchedByBroker).toBeGreaterThan(3);
  });

  it('does not forward failed calls or calls that are no role use', () => {
    for (const name of ['assume-role-failed.json', 'get-session-token.json']) {
      const event = fixtures.find((f) => f.name === name)!.event;
      expect(matchesPattern(rule('AssumeRoleForwardRule').EventPattern, event), name).toBe(false);
      expect(matchesPattern(rule('SwitchRoleForwardRule').EventPattern, event), name).toBe(false);
    }
  });

  it("targets only the broker's default bus, with a retry policy and a dead-letter queue", () => {
    for (const id of ['AssumeRoleForwardRule', 'SwitchRoleForwardRule']) {
      const [target] = rule(id).Targets as Json[];
      expect(target.Arn, id).toEqual(BROKER_BUS);
      expect(target.RoleArn, id).toEqual({ 'Fn::GetAtt': ['ForwarderRole', 'Arn'] });
      expect(target.RetryPolicy.MaximumRetryAttempts, id).toBeGreaterThan(0);
      expect(target.DeadLetterConfig.Arn, id).toEqual({ 'Fn::GetAtt': ['ForwarderDlq', 'Arn'] });
    }
    const role = template.Resources.ForwarderRole.Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(role.Policies).toHaveLength(1);
    expect(role.Policies[0].PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BROKER_BUS }]);
  });

  it("creates no rule in the broker's own account and region (no loop)", () => {
    expect(template.Conditions.IsBrokerHome).toEqual({
      'Fn::And': [{ Condition: 'ToThisAccount' }, { 'Fn::Equals': [{ Ref: 'BrokerRegion' }, { Ref: 'AWS::Region' }] }],
    });
    for (const id of ['AssumeRoleForwardRule', 'SwitchRoleForwardRule', 'ForwarderDlqPolicy']) {
      expect(template.Resources[id].Condition, id).toBe('Forwards');
    }
  });

  it('hard-codes no account or region', () => {
    const resources = JSON.stringify([template.Resources, template.Conditions, template.Outputs]);
    expect(resources).not.toMatch(/\b\d{12}\b|\b(us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b/);
  });
});

/**
 * Catalogue additions: custom services (checked against IAM's list of actions), resources and
 * conditions with ${account}/${region} resolved per grant, account sets, the `*` rule and the
 * session-policy size of each target's services, all refused at load naming field and rule; and
 * the compiled form the functions read.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CatalogueError, findTarget, SERVICE_KEYS, SERVICES, type Catalogue } from '../../shared/catalogue';
import { compileCatalogue, readCompiledCatalogue } from '../../shared/catalogue/compiled';
import { unknownActionReason } from '../../shared/catalogue/iam-actions';
import { parseCatalogue } from '../../shared/catalogue/load';
import { ValidationError } from '../../shared/domain/errors';
import { compileSessionPolicy } from '../../shared/domain/session-policy';
import { grantAccount, targetRoleArns } from '../../shared/domain/target-account';

/** A valid catalogue with one custom service and one account-set target; each test breaks one thing. */
function config(): Record<string, any> {
  return {
    version: 1,
    services: {
      's3-data-read': {
        name: 'S3 data buckets (read)',
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: ['arn:aws:s3:::data-${account}', 'arn:aws:s3:::data-${account}/*'],
        console: '/s3/buckets',
      },
      'logs-read': {
        name: 'CloudWatch Logs (read)',
        actions: ['logs:Describe*', 'logs:Get*', 'logs:FilterLogEvents'],
        resources: ['arn:aws:logs:${region}:${account}:log-group:/team/*'],
        conditions: { StringEquals: { 'aws:ResourceAccount': '${account}' } },
        console: '/cloudwatch/home#logsV2:log-groups',
      },
    },
    accountSets: { teams: ['333333333333', '444444444444'] },
    targets: [
      {
        id: 'team-readonly',
        accounts: 'teams',
        roleArn: 'arn:aws:iam::${account}:role/TeamReadOnly',
        region: 'eu-west-1',
        maxDuration: '2h',
        services: ['s3-data-read', 'ec2', 'logs-read'],
        requesterGroups: ['engineers'],
        approvers: { emails: ['carol@example.com'] },
      },
      {
        id: 'sandbox',
        account: '111111111111',
        roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
        maxDuration: '1h',
        services: ['ec2', 's3-data-read'],
        requesterGroups: ['engineers'],
        approvers: { emails: ['carol@example.com'] },
      },
    ],
  };
}

const load = (c: unknown): Catalogue => parseCatalogue(stringify(c), 'test.yaml');

function issuesOf(edit: (c: Record<string, any>) => void): string[] {
  const c = config();
  edit(c);
  try {
    load(c);
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogueError);
    return (error as CatalogueError).issues;
  }
  throw new Error('expected the catalogue to be refused');
}

describe('custom services', () => {
  const catalogue = load(config());

  it('extend the built-in services, which keep their keys, in file order after them', () => {
    expect(catalogue.services.map((s) => s.key)).toEqual([...SERVICE_KEYS, 's3-data-read', 'logs-read']);
    expect(catalogue.services.find((s) => s.key === 'logs-read')).toMatchObject({ sid: 'LogsRead', custom: true, consolePath: '/cloudwatch/home#logsV2:log-groups' });
  });

  it('put a target\'s services in catalogue order: built-in first', () => {
    expect(findTarget(catalogue, 'team-readonly')!.services).toEqual(['ec2', 's3-data-read', 'logs-read']);
  });

  it('resolve ${account} and ${region} per grant in resources and conditions', () => {
    const policy = JSON.parse(compileSessionPolicy(['s3-data-read', 'logs-read'], catalogue.services, { account: '444444444444', region: 'eu-west-1' }));
    expect(policy.Statement).toEqual([
      { Sid: 'S3DataRead', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::data-444444444444', 'arn:aws:s3:::data-444444444444/*'] },
      {
        Sid: 'LogsRead',
        Effect: 'Allow',
        Action: ['logs:Describe*', 'logs:Get*', 'logs:FilterLogEvents'],
        Resource: ['arn:aws:logs:eu-west-1:444444444444:log-group:/team/*'],
        Condition: { StringEquals: { 'aws:ResourceAccount': '444444444444' } },
      },
    ]);
  });

  it('cannot be compiled without a grant when they have placeholders (no ${account} reaches STS)', () => {
    expect(() => compileSessionPolicy(['s3-data-read'], catalogue.services)).toThrow(/placeholders/);
  });

  it('refuses an action AWS does not know, naming the field and the action', () => {
    expect(issuesOf((c) => (c.services['s3-data-read'].actions = ['s3:GetObjekt', 's3:ListBucket']))).toEqual([
      'services.s3-data-read.actions[0]: "s3:GetObjekt" is not an action AWS knows: service s3 has no action GetObjekt',
    ]);
    expect(issuesOf((c) => (c.services['s3-data-read'].actions = ['s4:GetObject']))).toEqual([
      'services.s3-data-read.actions[0]: "s4:GetObject" is not an action AWS knows: no IAM service has the prefix "s4"',
    ]);
    expect(issuesOf((c) => (c.services['logs-read'].actions = ['logs:Frobnicate*']))).toEqual([
      'services.logs-read.actions[0]: "logs:Frobnicate*" is not an action AWS knows: the pattern matches no action of service logs',
    ]);
  });

  it('knows actions case-insensitively and wildcards that match something', () => {
    expect(unknownActionReason('s3:getobject')).toBeUndefined();
    expect(unknownActionReason('ecs:UpdateService')).toBeUndefined();
    expect(unknownActionReason('ec2:Describe?nstances')).toBeUndefined();
  });

  it('refuses a malformed action, resource, placeholder, console path or key', () => {
    expect(issuesOf((c) => (c.services['s3-data-read'].actions = ['GetObject']))).toEqual([
      'services.s3-data-read.actions[0]: "GetObject" is not an IAM action such as s3:GetObject or s3:List* (service prefix, colon, action name)',
    ]);
    expect(issuesOf((c) => (c.services['s3-data-read'].resources = ['s3://data-bucket']))).toEqual([
      'services.s3-data-read.resources[0]: "s3://data-bucket" is not a resource ARN such as arn:aws:s3:::data-${account}/* (arn:partition:service:region:account:resource, or *)',
    ]);
    expect(issuesOf((c) => (c.services['s3-data-read'].resources = ['arn:aws:s3:::data-${acount}']))).toEqual([
      'services.s3-data-read.resources[0]: "arn:aws:s3:::data-${acount}" has the placeholder ${acount}; only ${account} and ${region} exist',
    ]);
    expect(issuesOf((c) => (c.services['s3-data-read'].console = 's3/buckets'))).toEqual([
      'services.s3-data-read.console: must be a console path starting with /, such as /s3/buckets',
    ]);
    expect(issuesOf((c) => (c.services['S3_Data'] = c.services['s3-data-read']))).toEqual([
      'services.S3_Data: is not a service key: 1-63 characters of a-z, 0-9 and -, starting with a letter or digit',
    ]);
  });

  it('refuses a built-in key, a repeated key, a repeated action and a statement id taken by another service', () => {
    expect(issuesOf((c) => (c.services['ec2'] = c.services['s3-data-read']))).toEqual([
      'services.ec2: "ec2" is a built-in service; a custom service needs a key of its own',
    ]);
    expect(() =>
      parseCatalogue('version: 1\nservices:\n  a: {name: A, actions: [s3:GetObject], console: /s3}\n  a: {name: B, actions: [s3:GetObject], console: /s3}\ntargets: []\n', 'dup.yaml'),
    ).toThrow(/dup\.yaml[\s\S]*Map keys must be unique/);
    expect(issuesOf((c) => (c.services['s3-data-read'].actions = ['s3:GetObject', 's3:GetObject']))).toEqual([
      'services.s3-data-read.actions[1]: action "s3:GetObject" is already listed at [0]',
    ]);
    expect(issuesOf((c) => (c.services['cloud-watch'] = { name: 'CW', actions: ['cloudwatch:Get*'], console: '/cloudwatch/home' }))).toEqual([
      'services.cloud-watch: its statement id CloudWatch is already used by service "cloudwatch"; choose another key',
    ]);
  });

  it('refuses an unknown service on a target, listing built-in and custom ones', () => {
    expect(issuesOf((c) => (c.targets[1].services = ['ec2', 's3-data-write']))).toEqual([
      `targets[1].services[1]: unknown service "s3-data-write"; known: ${[...SERVICE_KEYS, 's3-data-read', 'logs-read'].join(', ')}`,
    ]);
  });

  it('keeps `services: all` to the built-in services (a new custom service never joins silently)', () => {
    const c = config();
    c.targets[1].services = 'all';
    expect(findTarget(load(c), 'sandbox')!.services).toEqual([...SERVICE_KEYS]);
  });

  it('refuses a * action unless the target allows it explicitly', () => {
    const withWildcard = (c: Record<string, any>) => {
      c.services['ecs-admin'] = { name: 'ECS (all)', actions: ['ecs:*'], console: '/ecs/v2/clusters' };
      c.targets[1].services = ['ec2', 'ecs-admin'];
    };
    expect(issuesOf(withWildcard)).toEqual([
      'targets[1].services[1]: service "ecs-admin" grants "ecs:*" (every action of a service); set allowWildcardActions: true on this target to allow it',
    ]);
    const c = config();
    withWildcard(c);
    c.targets[1].allowWildcardActions = true;
    expect(findTarget(load(c), 'sandbox')!.services).toEqual(['ec2', 'ecs-admin']);
  });

  it('refuses a target whose services together exceed the session-policy limit, naming the target, the size and what to drop', () => {
    const issues = issuesOf((c) => {
      c.services['big-read'] = {
        name: 'Everything described',
        actions: ['ec2:Describe*', 'rds:Describe*', 'eks:Describe*', 'ecs:Describe*', 'lambda:Get*', 'lambda:List*'],
        resources: Array.from({ length: 12 }, (_, i) => `arn:aws:s3:::a-rather-long-bucket-name-for-team-${i}-\${account}/*`),
        console: '/console/home',
      };
      c.targets[1].services = [...SERVICE_KEYS, 'big-read'];
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^targets\[1\]\.services: the session policy of all 14 services of target sandbox is 2,\d{3} characters, \d+ over the 2,048 STS allows; drop big-read \(leaving 1,312 characters\) or split the target$/,
    );
  });
});

describe('account sets', () => {
  const catalogue = load(config());
  const team = findTarget(catalogue, 'team-readonly')!;

  it('expand a set name into the target\'s accounts and one watched role per account', () => {
    expect(team.accounts).toEqual(['333333333333', '444444444444']);
    expect(team.account).toBeUndefined();
    expect(targetRoleArns(team)).toEqual(['arn:aws:iam::333333333333:role/TeamReadOnly', 'arn:aws:iam::444444444444:role/TeamReadOnly']);
  });

  it('take a list of ids too', () => {
    const c = config();
    c.targets[0].accounts = ['555555555555'];
    expect(findTarget(load(c), 'team-readonly')!.accounts).toEqual(['555555555555']);
  });

  it.each([
    ['a set name that does not exist', (c: Record<string, any>) => (c.targets[0].accounts = 'team'), 'targets[0].accounts: unknown account set "team"; known: teams'],
    ['an account written as a number', (c: Record<string, any>) => (c.accountSets.teams = [333333333333]), 'accountSets.teams[0]: must be a quoted string such as "333333333333": a YAML number loses leading zeros'],
    ['an account listed twice in a set', (c: Record<string, any>) => (c.accountSets.teams = ['333333333333', '333333333333']), 'accountSets.teams[1]: account "333333333333" is already listed at [0]'],
    ['an account listed twice on a target', (c: Record<string, any>) => (c.targets[0].accounts = ['333333333333', '333333333333']), 'targets[0].accounts[1]: account "333333333333" is already listed at [0]'],
    ['both account and accounts', (c: Record<string, any>) => (c.targets[0].account = '333333333333'), 'targets[0].accounts: must not be set together with `account`: a target has one account or an account set'],
    ['neither account nor accounts', (c: Record<string, any>) => delete c.targets[0].accounts, 'targets[0].account: is required (or `accounts`, with a roleArn containing ${account})'],
    ['accounts with a concrete roleArn', (c: Record<string, any>) => (c.targets[0].roleArn = 'arn:aws:iam::333333333333:role/TeamReadOnly'), 'targets[0].roleArn: must contain ${account} as its account when `accounts` is set, e.g. arn:aws:iam::${account}:role/TeamReadOnly'],
    ['${account} on a single-account target', (c: Record<string, any>) => (c.targets[1].roleArn = 'arn:aws:iam::${account}:role/BrokerReadOnly'), 'targets[1].roleArn: contains ${account}, which only a target with `accounts` may use'],
  ])('refuse %s', (_, edit, issue) => {
    expect(issuesOf(edit)).toEqual([issue]);
  });

  it('grant only an account of the set, and name the allowed ones otherwise (400)', () => {
    expect(grantAccount(team, '444444444444')).toEqual({ account: '444444444444', roleArn: 'arn:aws:iam::444444444444:role/TeamReadOnly' });
    const refusal = (account: string | undefined) => {
      try {
        grantAccount(team, account);
      } catch (e) {
        expect(e).toBeInstanceOf(ValidationError);
        return (e as ValidationError).details;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal(undefined)).toEqual([{ field: 'account', rule: 'required', message: 'team-readonly spans several accounts; name one of: 333333333333, 444444444444' }]);
    expect(refusal('555555555555')).toEqual([{ field: 'account', rule: 'in-set', message: '"555555555555" is not an account of team-readonly; allowed: 333333333333, 444444444444' }]);
    const sandbox = findTarget(catalogue, 'sandbox')!;
    expect(grantAccount(sandbox, undefined)).toEqual({ account: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly' });
    expect(() => grantAccount(sandbox, '222222222222')).toThrow(ValidationError);
  });
});

describe('the compiled catalogue the functions read', () => {
  const catalogue = load(config());
  const roundTrip = (data: unknown) => readCompiledCatalogue(JSON.parse(JSON.stringify(data)));

  it("reads back into the same catalogue, with this code's frozen built-in services and frozen custom ones", () => {
    const result = roundTrip(compileCatalogue(catalogue));
    expect(result).toEqual({ catalogue });
    const read = 'catalogue' in result ? result.catalogue : undefined;
    SERVICES.forEach((service, i) => expect(read!.services[i]).toBe(service));
    const custom = read!.services[SERVICES.length]!;
    expect(custom.custom).toBe(true);
    expect(Object.isFrozen(custom) && Object.isFrozen(custom.actions)).toBe(true);
  });

  it('refuses a package of another format (a stale or hand-written file)', () => {
    expect(roundTrip({ ...compileCatalogue(catalogue), compiledCatalogue: 0 })).toEqual({
      issues: ["(top level): not a catalogue compiled by this broker's `npm run package` (format 0, expected 2); package again"],
    });
  });

  it('lists every service, the built-in ones first, as the broker reads them', () => {
    const data = JSON.parse(JSON.stringify(compileCatalogue(catalogue)));
    expect(data.services.map((s: { key: string }) => s.key)).toEqual(catalogue.services.map((s) => s.key));
    expect(data.services.slice(0, SERVICES.length)).toEqual(JSON.parse(JSON.stringify(SERVICES)));
  });

  const issuesOf = (edit: (data: { services: Record<string, unknown>[] }) => void) => {
    const data = JSON.parse(JSON.stringify(compileCatalogue(catalogue)));
    edit(data);
    const result = readCompiledCatalogue(data);
    return 'issues' in result ? result.issues : [];
  };
  const rule = 'as this broker defines it (the package is stale or edited by hand); package again';

  it.each([
    ['a widened built-in service, naming the field', (d: { services: Record<string, unknown>[] }) => { d.services[0]!.actions = ['ec2:*']; }, [`services[0].actions: must be the built-in service "ec2" ${rule}`]],
    ['a field added to a built-in service', (d: { services: Record<string, unknown>[] }) => { d.services[1]!.resources = ['*']; }, [`services[1].resources: must be the built-in service "${SERVICES[1]!.key}" ${rule}`]],
    ['a built-in service left out: one issue, not one per later index', (d: { services: Record<string, unknown>[] }) => { d.services.splice(2, 1); }, [`services[2]: must be the built-in service "${SERVICES[2]!.key}" ${rule} (found "${SERVICES[3]!.key}")`]],
    ['a format-1 list (custom services only) under the format-2 number', (d: { services: Record<string, unknown>[] }) => { d.services = d.services.slice(SERVICES.length); }, [`services[0]: must be the built-in service "ec2" ${rule} (found "s3-data-read")`]],
    ['no services at all', (d: { services: Record<string, unknown>[] }) => { d.services = []; }, [`services[0]: must be the built-in service "ec2" ${rule} (found nothing)`]],
    ['a custom service placed before the built-in ones', (d: { services: Record<string, unknown>[] }) => { d.services.unshift(d.services.splice(SERVICES.length, 1)[0]!); }, [`services[0]: must be the built-in service "ec2" ${rule} (found "s3-data-read")`]],
    ['a custom service reusing a built-in key', (d: { services: Record<string, unknown>[] }) => { d.services[SERVICES.length]!.key = 'ec2'; }, [`services[${SERVICES.length}].key: must be a new service key`]],
  ] as [string, (d: { services: Record<string, unknown>[] }) => void, string[]][])('refuses %s', (_, edit, expected) => {
    expect(issuesOf(edit).slice(0, expected.length)).toEqual(expected);
    expect(issuesOf(edit).filter((i) => i.startsWith('services'))).toEqual(expected);
  });

  it('refuses hand edits that break a rule: a widened service, a role outside the set, an unknown service', () => {
    const data = JSON.parse(JSON.stringify(compileCatalogue(catalogue)));
    data.services[SERVICES.length].actions = ['s3:*'];
    data.targets[0].roleArn = 'arn:aws:iam::333333333333:role/TeamReadOnly';
    data.targets[1].services = ['ec2', 'nope'];
    expect(readCompiledCatalogue(data)).toEqual({
      issues: [
        'targets[0].roleArn: must be a role ARN with ${account} as its account',
        'targets[0].services[1]: service "s3-data-read" grants a * action the target does not allow',
        'targets[1].services[1]: unknown service "nope"',
      ],
    });
  });
});

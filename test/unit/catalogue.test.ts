import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DEFAULT_TICKET_PATTERN } from '../../shared/domain/text';
import {
  CatalogueError,
  findTarget,
  SERVICE_KEYS,
  SERVICES,
  watchedRoleArns,
  type Catalogue,
} from '../../shared/catalogue';
import { loadCatalogueFile, parseCatalogue } from '../../shared/catalogue/load';

const EXAMPLE = fileURLToPath(new URL('../../config/catalogue.example.yaml', import.meta.url));
const KNOWN = SERVICE_KEYS.join(', ');

/** A small valid catalogue; each bad-config test breaks exactly one thing in a copy. */
function validConfig() {
  return {
    version: 1,
    watchedRoles: [{ roleArn: 'arn:aws:iam::111111111111:role/TemporaryAdminRole' }],
    targets: [
      {
        id: 'sandbox-readonly',
        account: '111111111111',
        roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
        maxDuration: '4h',
        services: ['ec2', 'databases', 'cloudwatch'],
        requesterGroups: ['engineers'],
        approvers: { emails: ['carol@example.com', 'dave@example.com'] },
      },
      {
        id: 'prod-readonly',
        account: '222222222222',
        roleArn: 'arn:aws:iam::222222222222:role/BrokerReadOnly',
        maxDuration: '1h',
        services: ['ec2', 'databases', 'cloudwatch'],
        requesterGroups: ['engineers'],
        approvers: { emails: ['carol@example.com', 'erin@example.com'], groups: ['approvers'] },
        approvalsRequired: 2,
      },
    ],
  };
}

type Config = ReturnType<typeof validConfig> & Record<string, unknown>;
type TargetConfig = Config['targets'][number] & Record<string, unknown>;

function parseYamlOf(config: unknown): Catalogue {
  return parseCatalogue(stringify(config), 'test.yaml');
}

/** The CatalogueError's issues for `text`; fails the test if the text is accepted. */
function issuesOfText(text: string): string[] {
  try {
    parseCatalogue(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogueError);
    return (error as CatalogueError).issues;
  }
  throw new Error('expected the catalogue to be rejected');
}

const issuesOf = (edit: (config: Config) => void): string[] => {
  const config = validConfig() as Config;
  edit(config);
  return issuesOfText(stringify(config));
};

const target = (config: Config, index: number) => config.targets[index] as TargetConfig;

describe('the example catalogue', () => {
  const catalogue = loadCatalogueFile(EXAMPLE);

  it('defines sandbox-readonly exactly as the local defaults say', () => {
    expect(findTarget(catalogue, 'sandbox-readonly')).toStrictEqual({
      id: 'sandbox-readonly',
      description: 'Read-only access to the sandbox account.',
      account: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
      partition: 'aws',
      region: 'us-east-1',
      issuer: 'chained',
      roleMaxSessionSeconds: 3600,
      maxDurationSeconds: 4 * 3600,
      services: [...SERVICE_KEYS],
      requesterGroups: ['engineers'],
      approverEmails: ['carol@example.com', 'dave@example.com'],
      approverGroups: ['approvers'],
      approvalsRequired: 1,
      approvalTimeoutSeconds: 4 * 3600,
      ticketPattern: DEFAULT_TICKET_PATTERN,
      openRequests: { active: 1, pending: 2 },
      // Extensions up to 2, 8 h in all; scheduled starts up to 7 days ahead; reminders on.
      maxScheduleAheadSeconds: 7 * 24 * 3600,
      maxExtensions: 2,
      maxExtendedDurationSeconds: 8 * 3600,
      reminders: true,
    });
  });

  it('defines prod-readonly exactly as the local defaults say', () => {
    expect(findTarget(catalogue, 'prod-readonly')).toStrictEqual({
      id: 'prod-readonly',
      description: 'Read-only access to production. Two approvers must agree.',
      account: '222222222222',
      roleArn: 'arn:aws:iam::222222222222:role/BrokerReadOnly',
      partition: 'aws',
      region: 'us-east-1',
      issuer: 'chained',
      roleMaxSessionSeconds: 3600,
      maxDurationSeconds: 3600,
      services: ['ec2', 'databases', 'cloudwatch'],
      requesterGroups: ['engineers'],
      approverEmails: ['carol@example.com', 'erin@example.com'],
      approverGroups: ['approvers'],
      approvalsRequired: 2,
      approvalTimeoutSeconds: 4 * 3600,
      ticketPattern: DEFAULT_TICKET_PATTERN,
      openRequests: { active: 1, pending: 2 },
      maxScheduleAheadSeconds: 7 * 24 * 3600,
      maxExtensions: 2,
      reminders: true,
    });
  });

  it('defines prod-breakglass exactly as the local defaults say', () => {
    expect(findTarget(catalogue, 'prod-breakglass')).toStrictEqual({
      id: 'prod-breakglass',
      description: expect.stringContaining('Break-glass'),
      account: '222222222222',
      roleArn: 'arn:aws:iam::222222222222:role/BreakGlassAdmin',
      partition: 'aws',
      region: 'us-east-1',
      issuer: 'chained',
      roleMaxSessionSeconds: 3600,
      maxDurationSeconds: 3600,
      services: ['ec2', 'databases', 'cloudwatch'],
      requesterGroups: ['oncall'],
      approverEmails: ['carol@example.com', 'erin@example.com'],
      approverGroups: ['approvers'],
      approvalsRequired: 2,
      approvalTimeoutSeconds: 4 * 3600,
      ticketPattern: DEFAULT_TICKET_PATTERN,
      maxScheduleAheadSeconds: 7 * 24 * 3600,
      maxExtensions: 2,
      reminders: true,
      openRequests: { active: 1, pending: 2 },
      breakGlass: { maxDurationSeconds: 3600, requireTicket: true, reviewWithinSeconds: 24 * 3600, requesterGroups: ['oncall'] },
    });
  });

  it('watches the emergency admin role and every target role, each account of an account set included', () => {
    expect(catalogue.watchedRoles).toEqual([
      {
        roleArn: 'arn:aws:iam::111111111111:role/TemporaryAdminRole',
        description: expect.stringContaining('Never granted through the broker'),
      },
    ]);
    expect(watchedRoleArns(catalogue)).toEqual([
      'arn:aws:iam::111111111111:role/BrokerReadOnly',
      'arn:aws:iam::222222222222:role/BrokerReadOnly',
      'arn:aws:iam::333333333333:role/TeamReadOnly',
      'arn:aws:iam::444444444444:role/TeamReadOnly',
      'arn:aws:iam::222222222222:role/BreakGlassAdmin',
      'arn:aws:iam::111111111111:role/TemporaryAdminRole',
    ]);
  });

  it('carries the 13 built-in services, then its custom service s3-data-read', () => {
    expect(catalogue.services.slice(0, 13)).toEqual([...SERVICES]);
    expect(catalogue.services.slice(13)).toEqual([
      {
        key: 's3-data-read',
        name: 'S3 data buckets (read)',
        sid: 'S3DataRead',
        description: "Read the objects of this account's data bucket.",
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: ['arn:aws:s3:::data-${account}', 'arn:aws:s3:::data-${account}/*'],
        consolePath: '/s3/buckets',
        custom: true,
      },
    ]);
    expect(catalogue.targets.map((t) => t.id)).toEqual(['sandbox-readonly', 'prod-readonly', 'team-readonly', 'prod-breakglass']);
  });

  it('defines team-readonly over the account set teams, with its roleArn template', () => {
    const team = findTarget(catalogue, 'team-readonly')!;
    expect(team.account).toBeUndefined();
    expect(team.accounts).toEqual(['333333333333', '444444444444']);
    expect(team.roleArn).toBe('arn:aws:iam::${account}:role/TeamReadOnly');
    expect(team.services).toEqual(['ec2', 'cloudwatch', 's3-data-read']);
  });
});

describe('parseCatalogue: limits against abuse', () => {
  it('takes open-request limits and the submission rate from defaults, a target may override, the auto-approval cool-down defaults to its maxDuration', () => {
    const config = validConfig();
    const catalogue = parseYamlOf({
      ...config,
      defaults: { openRequests: { active: 2, pending: 3 }, submissionRate: { count: 4, per: '30m' } },
      targets: [
        { ...target(config, 0), openRequests: { active: 1, pending: 1 }, autoApprove: { services: ['ec2'], maxDuration: '1h', cooldown: '2h' } },
        { ...target(config, 0), id: 'other', autoApprove: { services: ['ec2'], maxDuration: '30m' } },
      ],
    });
    expect(catalogue.targets.map((t) => [t.id, t.openRequests, t.autoApprove?.cooldownSeconds])).toEqual([
      ['sandbox-readonly', { active: 1, pending: 1 }, 7200],
      ['other', { active: 2, pending: 3 }, 1800],
    ]);
    expect(catalogue.submissionRate).toEqual({ count: 4, periodSeconds: 1800 });
  });

  it.each([
    [{ openRequests: { active: 0, pending: 2 } }, 'defaults.openRequests.active: must be at least 1'],
    [{ openRequests: { active: 1 } }, 'defaults.openRequests.pending'],
    [{ submissionRate: { count: 10, per: '30s' } }, 'defaults.submissionRate.per'],
    [{ submissionRate: { count: 1.5, per: '1h' } }, 'defaults.submissionRate.count: must be a whole number'],
  ])('refuses %j naming the field', (defaults, message) => {
    expect(() => parseYamlOf({ ...validConfig(), defaults })).toThrow(message);
  });
});

describe('parseCatalogue: derived values and defaults', () => {
  it('applies built-in defaults to a minimal target', () => {
    const target = parseYamlOf(validConfig()).targets[0];
    expect(target).toStrictEqual({
      id: 'sandbox-readonly',
      account: '111111111111',
      roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
      partition: 'aws',
      region: 'us-east-1',
      issuer: 'chained',
      roleMaxSessionSeconds: 3600,
      maxDurationSeconds: 14400,
      services: ['ec2', 'databases', 'cloudwatch'],
      requesterGroups: ['engineers'],
      approverEmails: ['carol@example.com', 'dave@example.com'],
      approverGroups: [],
      approvalsRequired: 1,
      approvalTimeoutSeconds: 14400,
      ticketPattern: DEFAULT_TICKET_PATTERN,
      openRequests: { active: 1, pending: 2 },
      maxScheduleAheadSeconds: 7 * 24 * 3600,
      maxExtensions: 2,
      reminders: true,
    });
  });

  it('uses file defaults, derives the partition, lower-cases emails and orders services', () => {
    const catalogue = parseYamlOf({
      version: 1,
      defaults: { region: 'us-gov-west-1', approvalTimeout: '30m' },
      targets: [
        {
          id: 'govcloud',
          account: '333333333333',
          roleArn: 'arn:aws-us-gov:iam::333333333333:role/ops/BrokerReadOnly',
          externalId: 'broker:govcloud-1',
          issuer: 'user',
          roleMaxSessionDuration: '12h',
          maxDuration: 'PT8H',
          services: ['health', 'ec2', 'cloudwatch'],
          requesterGroups: ['sre'],
          approvers: { emails: ['Carol@Example.COM'] },
          autoApprove: { services: ['health', 'cloudwatch'], maxDuration: '1h30m' },
        },
      ],
    });
    expect(catalogue.targets[0]).toStrictEqual({
      id: 'govcloud',
      account: '333333333333',
      roleArn: 'arn:aws-us-gov:iam::333333333333:role/ops/BrokerReadOnly',
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      externalId: 'broker:govcloud-1',
      issuer: 'user',
      roleMaxSessionSeconds: 43200,
      maxDurationSeconds: 8 * 3600,
      services: ['ec2', 'cloudwatch', 'health'],
      requesterGroups: ['sre'],
      approverEmails: ['carol@example.com'],
      approverGroups: [],
      approvalsRequired: 1,
      approvalTimeoutSeconds: 1800,
      ticketPattern: DEFAULT_TICKET_PATTERN,
      openRequests: { active: 1, pending: 2 },
      maxScheduleAheadSeconds: 7 * 24 * 3600,
      maxExtensions: 2,
      reminders: true,
      autoApprove: { services: ['cloudwatch', 'health'], maxDurationSeconds: 5400, cooldownSeconds: 5400 },
    });
    expect(catalogue.watchedRoles).toEqual([]);
    expect(catalogue.submissionRate).toEqual({ count: 10, periodSeconds: 3600 });
  });

  it('accepts JSON', () => {
    const catalogue = parseCatalogue(JSON.stringify(validConfig()), 'test.json');
    expect(catalogue.targets.map((t) => t.id)).toEqual(['sandbox-readonly', 'prod-readonly']);
  });

  it('reads the operator groups (default none) and a target\'s session-deny role', () => {
    expect(parseYamlOf(validConfig()).operatorGroups).toEqual([]);
    const config = validConfig() as Config;
    config.operators = { groups: ['security', 'sre on call'] };
    (config.targets[1] as TargetConfig).sessionDenyRoleArn = 'arn:aws:iam::222222222222:role/t-SessionDenyRole-1A2B';
    const catalogue = parseYamlOf(config);
    expect(catalogue.operatorGroups).toEqual(['security', 'sre on call']);
    expect(catalogue.targets[1]!.sessionDenyRoleArn).toBe('arn:aws:iam::222222222222:role/t-SessionDenyRole-1A2B');
    expect(catalogue.targets[0]!).not.toHaveProperty('sessionDenyRoleArn');
  });

  it('refuses a session-deny role in another account than the target, duplicate or unknown operator keys', () => {
    expect(issuesOf((c) => ((c.targets[1] as TargetConfig).sessionDenyRoleArn = 'arn:aws:iam::111111111111:role/SessionDeny'))).toEqual([
      "targets[1].sessionDenyRoleArn: must be a role in the target's account 222222222222 (the stack that created roleArn outputs it as SessionDenyRoleArn)",
    ]);
    expect(issuesOf((c) => (c.operators = { groups: ['security', 'security'] }))).toEqual([expect.stringMatching(/^operators\.groups\[1\]: /)]);
    expect(issuesOf((c) => (c.operators = { group: ['security'] }))).toEqual(['operators.group: unknown key; allowed here: groups']);
  });

  it('the example catalogue names security as its operator group', () => {
    expect(loadCatalogueFile(EXAMPLE).operatorGroups).toEqual(['security']);
  });

  it('lists a role that is both a target and watched only once', () => {
    const config = validConfig();
    config.watchedRoles.push({ roleArn: 'arn:aws:iam::222222222222:role/BrokerReadOnly' });
    expect(watchedRoleArns(parseYamlOf(config))).toEqual([
      'arn:aws:iam::111111111111:role/BrokerReadOnly',
      'arn:aws:iam::222222222222:role/BrokerReadOnly',
      'arn:aws:iam::111111111111:role/TemporaryAdminRole',
    ]);
  });

  it('findTarget answers undefined for an unknown id', () => {
    expect(findTarget(parseYamlOf(validConfig()), 'nope')).toBeUndefined();
  });
});

describe('parseCatalogue: each broken rule is named with its path', () => {
  it('rejects an account that is not 12 digits', () => {
    expect(issuesOf((c) => (target(c, 0).account = '11111111111'))).toEqual([
      'targets[0].account: must be a 12-digit AWS account id',
    ]);
  });

  it('rejects an account written as a YAML number, saying why', () => {
    const text = stringify(validConfig()).replace('account: "111111111111"', 'account: 011111111111');
    expect(text).toContain('account: 011111111111');
    expect(issuesOfText(text)).toEqual([
      'targets[0].account: must be a quoted string such as "111111111111": a YAML number loses leading zeros',
    ]);
  });

  it('rejects a role ARN in another account', () => {
    expect(
      issuesOf((c) => (target(c, 1).roleArn = 'arn:aws:iam::333333333333:role/BrokerReadOnly')),
    ).toEqual(['targets[1].roleArn: is in account 333333333333 but account is 222222222222']);
  });

  it('rejects a role ARN in an unknown partition or not a role', () => {
    const rule =
      'must be an IAM role ARN such as arn:aws:iam::111111111111:role/BrokerReadOnly (partition aws, aws-us-gov or aws-cn)';
    expect(
      issuesOf((c) => (target(c, 0).roleArn = 'arn:aws-iso:iam::111111111111:role/BrokerReadOnly')),
    ).toEqual([`targets[0].roleArn: ${rule}`]);
    expect(
      issuesOf((c) => (target(c, 0).roleArn = 'arn:aws:iam::111111111111:user/BrokerReadOnly')),
    ).toEqual([`targets[0].roleArn: ${rule}`]);
  });

  it('rejects an unknown service, listing the known ones', () => {
    expect(issuesOf((c) => (target(c, 0).services = ['ec2', 'databases', 's3']))).toEqual([
      `targets[0].services[2]: unknown service "s3"; known: ${KNOWN}`,
    ]);
  });

  it('rejects a service listed twice', () => {
    expect(issuesOf((c) => (target(c, 0).services = ['ec2', 'iam', 'ec2']))).toEqual([
      'targets[0].services[2]: service "ec2" is already listed at [0]',
    ]);
  });

  it('rejects more required approvals than approver emails', () => {
    expect(issuesOf((c) => (target(c, 1).approvalsRequired = 3))).toEqual([
      'targets[1].approvalsRequired: is 3 but only 2 approver email(s) are listed, so no request could ever be approved',
    ]);
  });

  it('rejects zero or fractional approvals', () => {
    expect(issuesOf((c) => (target(c, 0).approvalsRequired = 0))).toEqual([
      'targets[0].approvalsRequired: must be at least 1',
    ]);
    expect(issuesOf((c) => (target(c, 0).approvalsRequired = 1.5))).toEqual([
      'targets[0].approvalsRequired: must be a whole number, got number 1.5',
    ]);
  });

  it('rejects duplicate target ids', () => {
    expect(issuesOf((c) => (target(c, 1).id = 'sandbox-readonly'))).toEqual([
      'targets[1].id: target id "sandbox-readonly" is already listed at targets[0].id',
    ]);
  });

  it('rejects a malformed target id', () => {
    expect(issuesOf((c) => (target(c, 0).id = 'Sandbox_ReadOnly'))).toEqual([
      'targets[0].id: must be 2-63 characters of a-z, 0-9 and -, starting with a letter or digit',
    ]);
  });

  it('rejects a duration it cannot read', () => {
    expect(issuesOf((c) => (target(c, 0).maxDuration = '4 hours'))).toEqual([
      'targets[0].maxDuration: "4 hours" is not a duration such as 15m, 2h, 1h30m or PT2H',
    ]);
  });

  it('rejects a duration outside its range', () => {
    expect(issuesOf((c) => (target(c, 0).maxDuration = '13h'))).toEqual([
      'targets[0].maxDuration: must be between 15m and 12h, got 13h',
    ]);
    expect(issuesOf((c) => (target(c, 0).approvalTimeout = '169h'))).toEqual([
      'targets[0].approvalTimeout: must be between 5m and 168h, got 169h',
    ]);
    expect(issuesOf((c) => (target(c, 0).roleMaxSessionDuration = '10m'))).toEqual([
      'targets[0].roleMaxSessionDuration: must be between 15m and 12h, got 10m',
    ]);
  });

  it('rejects a duration written as a number', () => {
    expect(issuesOf((c) => ((target(c, 0) as Record<string, unknown>).maxDuration = 3600))).toEqual([
      'targets[0].maxDuration: must be a duration such as 15m, 2h, 1h30m or PT2H, got number 3600',
    ]);
  });

  it('rejects unknown keys at their own path, listing the allowed ones', () => {
    expect(
      issuesOf((c) => {
        (target(c, 0).approvers as Record<string, unknown>).emailz = ['x@example.com'];
        c.colour = 'blue';
      }),
    ).toEqual([
      'targets[0].approvers.emailz: unknown key; allowed here: emails, groups',
      'colour: unknown key; allowed here: version, defaults, watchedRoles, operators, services, accountSets, targets',
    ]);
  });

  it('rejects a bad approver email', () => {
    expect(issuesOf((c) => (target(c, 1).approvers.emails = ['carol at example.com', 'erin@example.com']))).toEqual(
      ['targets[1].approvers.emails[0]: must be an email address'],
    );
  });

  it('rejects the same approver twice, comparing emails case-insensitively', () => {
    expect(
      issuesOf((c) => (target(c, 1).approvers.emails = ['carol@example.com', 'CAROL@example.com'])),
    ).toEqual([
      'targets[1].approvers.emails[1]: approver "carol@example.com" is already listed at approvers.emails[0]',
      'targets[1].approvalsRequired: is 2 but only 1 approver email(s) are listed, so no request could ever be approved',
    ]);
  });

  it('rejects approver emails that reach one mailbox, at the path of the alias', () => {
    expect(
      issuesOf((c) => {
        target(c, 1).approvers.emails = ['carol@example.com', 'erin@example.com', 'Carol+prod@example.com'];
        target(c, 1).approvalsRequired = 2;
      }),
    ).toEqual([
      'targets[1].approvers.emails[2]: approver "carol+prod@example.com" reaches the same mailbox (carol@example.com) as ' +
        '"carol@example.com" at approvers.emails[0]; each approver must be a different mailbox (case, +tags and a trailing dot do not make another person)',
    ]);
  });

  it('rejects a quorum only aliases of one mailbox could meet (regression: carol@ and carol+prod@ as two votes)', () => {
    expect(
      issuesOf((c) => {
        target(c, 1).approvers.emails = ['carol@example.com', 'carol+prod@example.com'];
        target(c, 1).approvalsRequired = 2;
      }),
    ).toEqual([
      'targets[1].approvers.emails[1]: approver "carol+prod@example.com" reaches the same mailbox (carol@example.com) as ' +
        '"carol@example.com" at approvers.emails[0]; each approver must be a different mailbox (case, +tags and a trailing dot do not make another person)',
      'targets[1].approvalsRequired: is 2 but the 2 approver emails reach only 1 distinct mailbox(es), so only aliases could meet it (one mailbox, one vote)',
    ]);
  });

  it('takes a ticket id pattern from defaults and applies it to every target', () => {
    const file = { ...validConfig(), defaults: { ticketPattern: '^(OPS|SEC)-[0-9]{1,6}$' } };
    expect(parseYamlOf(file).targets.map((t) => t.ticketPattern)).toEqual(['^(OPS|SEC)-[0-9]{1,6}$', '^(OPS|SEC)-[0-9]{1,6}$']);
  });

  it.each([
    ['[A-Z]+-[0-9]+', 'defaults.ticketPattern: must be anchored with ^ at the start and $ at the end, so nothing can surround the id'],
    ['^[A-Z]+-[0-9]+', 'defaults.ticketPattern: must be anchored with ^ at the start and $ at the end, so nothing can surround the id'],
    ['^(INC-[0-9]+', 'defaults.ticketPattern: is not a regular expression: Invalid regular expression: /^(INC-[0-9]+/u: Unterminated group'],
    ['^.+$', 'defaults.ticketPattern: must accept ticket ids only, but accepts "https://tickets.example.com/INC-4411"'],
    ['^[\\w:/.-]+$', 'defaults.ticketPattern: must accept ticket ids only, but accepts "https://tickets.example.com/INC-4411"'],
    ['^[A-Z]*$', 'defaults.ticketPattern: must accept ticket ids only, but accepts ""'],
  ])('refuses the ticket pattern %s', (pattern, issue) => {
    expect(issuesOf((c) => (c.defaults = { ticketPattern: pattern }))).toEqual([issue]);
  });

  it('rejects an auto-approve service the target does not offer', () => {
    expect(
      issuesOf((c) => {
        target(c, 1).autoApprove = { services: ['cloudwatch', 'iam'], maxDuration: '30m' };
      }),
    ).toEqual([
      `targets[1].autoApprove.services[1]: "iam" is not one of this target's services (ec2, databases, cloudwatch)`,
    ]);
  });

  it('rejects an auto-approve window longer than the target allows', () => {
    expect(
      issuesOf((c) => {
        target(c, 1).autoApprove = { services: ['cloudwatch'], maxDuration: '2h' };
      }),
    ).toEqual(["targets[1].autoApprove.maxDuration: 2h is longer than the target's maxDuration 1h"]);
  });

  it('rejects a region outside the role ARN partition', () => {
    expect(issuesOf((c) => (target(c, 0).region = 'cn-north-1'))).toEqual([
      'targets[0].region: cn-north-1 is not in partition aws of roleArn',
    ]);
  });

  it('requires a region when the default is in another partition', () => {
    expect(
      issuesOf((c) => {
        target(c, 0).account = '333333333333';
        target(c, 0).roleArn = 'arn:aws-cn:iam::333333333333:role/BrokerReadOnly';
      }),
    ).toEqual(['targets[0].region: is required: the default region us-east-1 is not in partition aws-cn of roleArn']);
  });

  it('accepts any group name an IdP may use (groups are read from the token, not API Gateway\'s "[a b]")', () => {
    const names = ['platform engineers', 'a,b', 'team "alpha", [ops]', '[x]'];
    expect(parseYamlOf({ ...validConfig(), targets: [{ ...validConfig().targets[0], requesterGroups: names }] }).targets[0]?.requesterGroups).toEqual(names);
  });

  it('rejects group names with control or format characters, empty ones and padded ones', () => {
    expect(issuesOf((c) => (target(c, 0).requesterGroups = ['ops\nadmins', 'ops\u202e', '', ' ops']))).toEqual([
      'targets[0].requesterGroups[0]: must be a group name without control, format, line or paragraph separator characters',
      'targets[0].requesterGroups[1]: must be a group name without control, format, line or paragraph separator characters',
      'targets[0].requesterGroups[2]: must not be empty',
      'targets[0].requesterGroups[3]: must not start or end with whitespace',
    ]);
  });

  it('requires requester groups, approvers and services', () => {
    expect(
      issuesOf((c) => {
        target(c, 0).requesterGroups = [];
        target(c, 0).services = [];
        delete (target(c, 1) as Record<string, unknown>).approvers;
      }),
    ).toEqual([
      'targets[0].services: must list at least one service',
      'targets[0].requesterGroups: must list at least one group',
      'targets[1].approvers: is required',
    ]);
  });

  it('accepts `services: all` but not "all" inside a list', () => {
    expect(parseYamlOf({ ...validConfig(), targets: [{ ...validConfig().targets[0], services: 'all' }] }).targets[0]?.services).toEqual([
      ...SERVICE_KEYS,
    ]);
    expect(issuesOf((c) => (target(c, 0).services = ['all']))).toEqual([
      `targets[0].services[0]: unknown service "all"; known: ${KNOWN}; to allow every built-in service write \`services: all\`, not in a list`,
    ]);
  });

  it('rejects a version other than 1 and a missing one', () => {
    expect(issuesOf((c) => (c.version = 2))).toEqual([
      'version: must be 1, the only catalogue version this broker reads',
    ]);
    expect(issuesOf((c) => delete (c as Record<string, unknown>).version)).toEqual(['version: is required']);
  });

  it('reports every problem at once', () => {
    expect(
      issuesOf((c) => {
        target(c, 0).account = 'abc';
        target(c, 1).services = ['s3'];
        target(c, 1).issuer = 'lambda';
      }),
    ).toEqual([
      'targets[0].account: must be a 12-digit AWS account id',
      'targets[1].issuer: must be chained or user',
      `targets[1].services[0]: unknown service "s3"; known: ${KNOWN}`,
    ]);
  });

  it('names the YAML syntax error line', () => {
    const text = [
      'version: 1',
      'targets:',
      '  - id: sandbox-readonly',
      '    services: [ec2, databases',
      '    account: "111111111111"',
    ].join('\n');
    const issues = issuesOfText(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^line 5, column \d+: /);
  });

  it('names the line of a repeated key', () => {
    const issues = issuesOfText('version: 1\ntargets: []\nversion: 1\n');
    expect(issues).toEqual(['line 3, column 1: Map keys must be unique']);
  });

  it('rejects an empty file', () => {
    expect(issuesOfText('# nothing here\n')).toEqual(['(top level): the file is empty']);
    expect(issuesOfText('[1, 2]')).toEqual(['(top level): must be a mapping, got a list']);
  });
});

describe('CatalogueError', () => {
  it('names the file and every problem in its message', () => {
    let caught: unknown;
    try {
      parseCatalogue('version: 3\nextra: true\ntargets: []\n', 'config/broken.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CatalogueError);
    expect((caught as CatalogueError).source).toBe('config/broken.yaml');
    expect((caught as CatalogueError).message).toBe(
      [
        'Invalid catalogue config/broken.yaml:',
        '  - version: must be 1, the only catalogue version this broker reads',
        '  - extra: unknown key; allowed here: version, defaults, watchedRoles, operators, services, accountSets, targets',
      ].join('\n'),
    );
  });

  it('refuses the example catalogue file once an alias of carol is added to prod-readonly, naming path and rule', () => {
    const text = readFileSync(EXAMPLE, 'utf8').replace(
      'emails: [carol@example.com, erin@example.com]',
      'emails: [carol@example.com, erin@example.com, Carol+prod@example.com]',
    );
    expect(text).toContain('Carol+prod@example.com');
    expect(() => parseCatalogue(text, 'config/aliased.yaml')).toThrow(
      'targets[1].approvers.emails[2]: approver "carol+prod@example.com" reaches the same mailbox (carol@example.com) as "carol@example.com" at approvers.emails[0]',
    );
  });

  it('names a file that cannot be read', () => {
    expect(() => loadCatalogueFile('/nonexistent/catalogue.yaml')).toThrow(
      /^Invalid catalogue \/nonexistent\/catalogue\.yaml:\n {2}- cannot read the file: ENOENT/,
    );
  });
});

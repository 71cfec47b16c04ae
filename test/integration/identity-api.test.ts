/**
 * Who the caller is, through the local HTTP server and the real handlers: the groups claim
 * (here configured as Cognito's `cognito:groups`) arrives in requestContext flattened as API
 * Gateway flattens it, and the broker reads the real array from the verified token instead.
 * Also: what a caller who may not request a target learns about it (nothing).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { claimsAsApiGatewayGivesThem } from '../../local/jwt';
import { relaxedCatalogueFile, startTestBroker, type TestBroker } from '../helpers/broker';
import { httpApiEvent } from '../helpers/http-api-event';

const QUOTED_GROUP = 'team "alpha", [ops]';
const ON_CALL = 'on call';

/** A target whose groups hold every character the flattened claim mangles. */
const EXTRA_TARGET = `
  - id: quoted-readonly
    account: "333333333333"
    roleArn: arn:aws:iam::333333333333:role/BrokerReadOnly
    maxDuration: 1h
    services: [ec2]
    requesterGroups: [${JSON.stringify(QUOTED_GROUP)}]
    approvers:
      emails: [erin@example.com]
      groups: [${JSON.stringify(ON_CALL)}]
`;

const SANDBOX = { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'debugging INC-4411 in the sandbox' };
const PROD = { target: 'prod-readonly', services: ['ec2'], duration: '30m', reason: 'checking prod instances for INC-4412' };
const QUOTED = { target: 'quoted-readonly', services: ['ec2'], duration: '30m', reason: 'checking instances for OPS-77' };

let tb: TestBroker;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'identity-api-'));
  const catalogueFile = join(dir, 'catalogue.yaml');
  writeFileSync(catalogueFile, readFileSync(relaxedCatalogueFile(), 'utf8') + EXTRA_TARGET);
  tb = await startTestBroker({ catalogueFile, groupsClaim: 'cognito:groups' });
});

afterAll(async () => {
  await tb?.broker.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tokenOf = (sub: string, groups: string[]) => tb.broker.token({ sub, email: `${sub}@example.com`, groups });

describe('group names are read exactly (regressions of the group claim confusion)', () => {
  it('local mode hands the handler what API Gateway does: cognito:groups flattened to "[not engineers]"', async () => {
    const token = await tokenOf('nora', ['not engineers']);
    const payload = await tb.broker.idp.verify(token);
    expect(payload['cognito:groups']).toEqual(['not engineers']);
    expect(claimsAsApiGatewayGivesThem(payload)['cognito:groups']).toBe('[not engineers]');
  });

  it('a member of "not engineers" may not request prod-readonly and sees no target', async () => {
    const nora = await tokenOf('nora', ['not engineers']);
    const res = await tb.call('POST', '/requests', { token: nora, json: PROD });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.details).toEqual([{ field: 'target', rule: 'known-target', message: '"prod-readonly" is not a target you can request; yours: none' }]);
    const catalogue = await tb.call('GET', '/catalogue', { token: nora });
    expect(catalogue.status).toBe(200);
    expect(catalogue.body).toEqual({ targets: [], services: [] });
  });

  it('a member of "former approvers" reads no one else\'s request', async () => {
    const alices = (await tb.call('POST', '/requests', { as: 'alice', json: SANDBOX })).body.request;
    const fran = await tokenOf('fran', ['former approvers']);
    expect((await tb.call('GET', `/requests/${alices.id}`, { token: fran })).status).toBe(404);
    const listed = await tb.call('GET', '/requests?scope=approvals&limit=100', { token: fran });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([]);
    // The real `approvers` group, for contrast, reads it.
    const gina = await tokenOf('gina', ['approvers']);
    expect((await tb.call('GET', `/requests/${alices.id}`, { token: gina })).status).toBe(200);
  });

  it('a group named with spaces, commas, quotes and brackets matches only itself', async () => {
    const member = await tokenOf('quinn', [QUOTED_GROUP]);
    const created = await tb.call('POST', '/requests', { token: member, json: QUOTED });
    expect(created.status, created.text).toBe(201);
    const id = created.body.request.id as string;

    // Each piece the flattened "[team "alpha", [ops]]" would split into is nobody.
    for (const piece of ['team', '"alpha",', '[ops]', 'team "alpha",', '[ops']) {
      const other = await tokenOf('pieter', [piece]);
      const res = await tb.call('POST', '/requests', { token: other, json: QUOTED });
      expect(res.status, piece).toBe(400);
      expect(res.body.error.details[0].rule).toBe('known-target');
    }

    const onCall = await tokenOf('oscar', [ON_CALL]);
    expect((await tb.call('GET', `/requests/${id}`, { token: onCall })).status).toBe(200);
    for (const pieces of [['on', 'call'], ['on'], ['call']]) {
      const other = await tokenOf('otto', pieces);
      expect((await tb.call('GET', `/requests/${id}`, { token: other })).status, pieces.join('|')).toBe(404);
    }
  });

  it('the catalogue a member sees names no groups at all', async () => {
    const member = await tokenOf('quinn', [QUOTED_GROUP, 'engineers']);
    const res = await tb.call('GET', '/catalogue', { token: member });
    expect(res.body.targets.map((t: { id: string }) => t.id)).toEqual(['sandbox-readonly', 'prod-readonly', 'team-readonly', 'quoted-readonly']);
    expect(res.text).not.toMatch(/"engineers"|"approvers"|alpha|on call|carol@|erin@|requesterGroups|approverGroups/);
  });
});

describe('tokens whose groups cannot be read unambiguously are refused (401)', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
  /** The event API Gateway would hand getCatalogue after verifying `payload`'s token. */
  const eventFor = (payload: Record<string, unknown>, authorization?: string) =>
    httpApiEvent({
      routeKey: 'GET /catalogue',
      path: '/catalogue',
      claims: claimsAsApiGatewayGivesThem(payload),
      ...(authorization === undefined ? {} : { headers: { authorization } }),
      requestId: 'identity-test',
    });
  const person = { sub: 'henry', email: 'henry@example.com', email_verified: true };
  const invoke = async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
    const res = (await tb.broker.invoke('getCatalogue', event)) as { statusCode: number; body: string };
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };

  it('no token in the header and a flattened claim with a space: one group or two?', async () => {
    const res = await invoke(eventFor({ ...person, 'cognito:groups': ['not engineers'] }));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    expect(res.body.error.message).toBe(
      'The token\'s groups cannot be read unambiguously: the cognito:groups claim "[not engineers]" could be one group with spaces or several groups',
    );
    // The same without a space has one reading and is served.
    expect((await invoke(eventFor({ ...person, 'cognito:groups': ['engineers'] }))).status).toBe(200);
  });

  it('a groups claim that is not a list of strings', async () => {
    for (const groups of ['engineers', ['engineers', 1], [{ name: 'engineers' }]]) {
      const payload = { ...person, 'cognito:groups': groups };
      const res = await invoke(eventFor(payload, `Bearer ${b64({ alg: 'ES256' })}.${b64(payload)}.c2ln`));
      expect(res.status, JSON.stringify(groups)).toBe(401);
      expect(res.body.error.message).toMatch(/^The token's groups cannot be read unambiguously: the token's cognito:groups claim /);
    }
  });

  it('a real token through the server whose claim is fine is served; the same header with another payload is not', async () => {
    const token = await tokenOf('ivy', ['engineers', 'not engineers']);
    // The example's three targets for engineers (sandbox-readonly, prod-readonly, team-readonly).
    expect((await tb.call('GET', '/catalogue', { token })).body.targets.length).toBe(3);
    const payload = { ...person, 'cognito:groups': ['engineers'] };
    const swapped = { ...payload, 'cognito:groups': ['approvers'] };
    const res = await invoke(eventFor(payload, `Bearer ${b64({ alg: 'ES256' })}.${b64(swapped)}.c2ln`));
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('does not match the one the authorizer verified');
  });
});

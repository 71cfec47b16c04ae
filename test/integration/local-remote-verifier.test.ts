import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteVerifier, type TokenVerifier } from '../../local/jwt';

/** A minimal OpenID issuer: a discovery document and a JWKS, as Cognito, Okta or Entra ID publish them. */
describe('local mode --issuer: tokens checked as the HTTP API JWT authorizer checks them', () => {
  let server: Server;
  let issuer = '';
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let verifier: TokenVerifier;
  let discoveryIssuer: string | undefined;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer: discoveryIssuer ?? issuer, jwks_uri: `${issuer}/jwks` }));
      if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
      res.writeHead(404).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    verifier = await createRemoteVerifier({ issuer, audience: 'broker-client' });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sign = (claims: { iss?: string; aud?: string | string[]; exp?: number; nbf?: number }, signWith = key, kid = 'k1') => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ email: 'alice@example.com', email_verified: true, groups: ['engineers'] })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('alice')
      .setIssuer(claims.iss ?? issuer)
      .setAudience(claims.aud ?? 'broker-client')
      .setIssuedAt(now - 10)
      .setExpirationTime(claims.exp ?? now + 3600);
    if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
    return jwt.sign(signWith);
  };
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a token from the issuer for the audience, signed with a key of its JWKS', async () => {
    await expect(verifier.verify(await sign({}))).resolves.toMatchObject({ sub: 'alice', email: 'alice@example.com', groups: ['engineers'] });
    await expect(verifier.verify(await sign({ aud: ['other', 'broker-client'] }))).resolves.toMatchObject({ sub: 'alice' });
  });

  it.each([
    ['another issuer', () => sign({ iss: 'https://evil.example.com' }), /iss/],
    ['another audience', () => sign({ aud: 'someone-else' }), /aud/],
    ['an expired token', () => sign({ exp: now() - 120 }), /exp/],
    ['a token not valid yet (nbf)', () => sign({ nbf: now() + 600 }), /nbf/],
    ['a signature from a key not in the JWKS', () => sign({}, otherKey), /signature/],
    ['an unknown kid', () => sign({}, key, 'k2'), /no applicable key|matching key/i],
  ])('refuses %s', async (_name, make, reason) => {
    await expect(verifier.verify(await make())).rejects.toThrow(reason);
  });

  it('refuses an unsigned token (alg none)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'alice', iss: issuer, aud: 'broker-client', exp: now() + 600 })).toString('base64url');
    await expect(verifier.verify(`${header}.${payload}.`)).rejects.toThrow();
  });

  it('fails at start-up when discovery names another issuer or cannot be read', async () => {
    discoveryIssuer = 'https://other.example.com';
    await expect(createRemoteVerifier({ issuer, audience: 'a' })).rejects.toThrow(/names the issuer "https:\/\/other.example.com"/);
    discoveryIssuer = undefined;
    await expect(createRemoteVerifier({ issuer: `${issuer}/nowhere`, audience: 'a' })).rejects.toThrow(/discovery at .* failed: HTTP 404/);
  });
});

import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, type JWTPayload } from 'jose';
import * as z from 'zod';

/** What POST /_local/token accepts: the claims a real IdP would put in the token. */
export const tokenRequestSchema = z.strictObject({
  sub: z.string().min(1).max(128),
  email: z.email({ error: 'must be an email address' }),
  groups: z.array(z.string().min(1).max(128)).max(50).default([]),
  /** Seconds; defaults to an hour like most IdPs. */
  expiresIn: z.number().int().min(60).max(86_400).default(3600),
});

export type TokenRequest = z.input<typeof tokenRequestSchema>;

export const LOCAL_AUDIENCE = 'access-broker-local';

/**
 * The local dev IdP: an ES256 key made at start-up. Tokens are verified like the HTTP API
 * JWT authorizer does (signature, issuer, audience, expiry) before a handler sees them.
 */
export async function createLocalIdp(issuer: string, groupsClaim = 'groups') {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = 'local-dev-key';
  return {
    issuer,
    audience: LOCAL_AUDIENCE,
    jwks: async () => ({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }),
    async mint(input: TokenRequest): Promise<string> {
      const claims = tokenRequestSchema.parse(input);
      // Like an IdP's ID token: the address has been verified (the broker refuses unverified ones).
      return new SignJWT({ email: claims.email, email_verified: true, [groupsClaim]: claims.groups })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(issuer)
        .setAudience(LOCAL_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${claims.expiresIn}s`)
        .sign(privateKey);
    },
    async verify(token: string): Promise<JWTPayload> {
      const { payload } = await jwtVerify(token, publicKey, { issuer, audience: LOCAL_AUDIENCE, algorithms: ['ES256'] });
      return payload;
    },
  };
}

export type LocalIdp = Awaited<ReturnType<typeof createLocalIdp>>;

/** What the local HTTP server needs from an identity provider: the authorizer's check of a bearer token. */
export interface TokenVerifier {
  issuer: string;
  audience: string;
  verify(token: string): Promise<JWTPayload>;
}

/** Signature algorithms an API Gateway HTTP API JWT authorizer accepts (RSA and ECDSA keys from the JWKS). */
const AUTHORIZER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'];

/**
 * Tokens from a real OpenID Connect provider, checked as API Gateway's JWT authorizer checks
 * them: the issuer's discovery document gives the JWKS URI; the signature must verify with a
 * key from that set (fetched and cached by jose, refetched for an unknown `kid`); `iss` must be
 * the issuer, `aud` must hold the audience, and `exp`/`nbf` must allow now.
 */
export async function createRemoteVerifier(options: { issuer: string; audience: string; fetch?: typeof fetch }): Promise<TokenVerifier> {
  const issuer = options.issuer;
  const discoveryUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await (options.fetch ?? fetch)(discoveryUrl, { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    document = (await res.json()) as typeof document;
  } catch (e) {
    throw new Error(`--issuer: OpenID discovery at ${discoveryUrl} failed: ${(e as Error).message}`);
  }
  if (document.issuer !== issuer) {
    throw new Error(`--issuer: the discovery document names the issuer ${JSON.stringify(document.issuer)}, not ${JSON.stringify(issuer)} (tokens carry the document's value)`);
  }
  if (typeof document.jwks_uri !== 'string') throw new Error(`--issuer: the discovery document at ${discoveryUrl} has no jwks_uri`);
  const keys = createRemoteJWKSet(new URL(document.jwks_uri));
  return {
    issuer,
    audience: options.audience,
    async verify(token: string): Promise<JWTPayload> {
      const { payload } = await jwtVerify(token, keys, { issuer, audience: options.audience, algorithms: AUTHORIZER_ALGORITHMS });
      return payload;
    },
  };
}

/**
 * API Gateway hands JWT claims to the Lambda as strings: an array claim becomes "[a b]",
 * numbers and booleans their text. Local mode reproduces that so handlers meet the real shape.
 */
export function claimsAsApiGatewayGivesThem(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [
      key,
      Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
    ]),
  );
}

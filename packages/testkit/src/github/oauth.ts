// The runner OAuth token endpoint (U2, spec §6): client-credentials with an RS256 JWT assertion.
import { decodeJwt, verifyRs256 } from './crypto.js';
import { oauthError, sendJson, type Ctx } from './http.js';
import { oauthUrl } from './jit.js';
import type { World } from './world.js';

const SKEW_S = 300;

export function handleOAuth(world: World, ctx: Ctx): boolean {
  if (ctx.path !== '/_oauth/token') return false;
  if (ctx.method !== 'POST') return oauthError(ctx, 405, 'invalid_request', 'Only POST is supported'), true;
  const form = new URLSearchParams(ctx.rawBody);
  if (form.get('grant_type') !== 'client_credentials') return oauthError(ctx, 400, 'unsupported_grant_type', 'grant_type must be client_credentials'), true;
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return oauthError(ctx, 400, 'invalid_request', 'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer'), true;
  }
  const jwt = decodeJwt(form.get('client_assertion') ?? '');
  if (!jwt) return oauthError(ctx, 400, 'invalid_request', 'client_assertion is not a JWT'), true;
  const iss = jwt.claims.iss;
  const runner = typeof iss === 'string' ? world.runnerByClientId(iss) : undefined;
  if (!runner || runner.state !== 'registered') return oauthError(ctx, 400, 'invalid_client', 'Registration was not found or is not active.'), true;
  if (!verifyRs256(jwt, runner.publicKey)) return oauthError(ctx, 400, 'invalid_client', 'The client assertion signature is invalid.'), true;
  if (jwt.claims.sub !== iss) return oauthError(ctx, 400, 'invalid_client', 'The client assertion sub must equal iss.'), true;
  if (jwt.claims.aud !== oauthUrl(world)) return oauthError(ctx, 400, 'invalid_client', `The client assertion audience must be the string ${oauthUrl(world)}.`), true;
  if (typeof jwt.claims.jti !== 'string' || !jwt.claims.jti) return oauthError(ctx, 400, 'invalid_client', 'The client assertion must carry a jti.'), true;
  const now = world.clock.now() / 1000;
  const nbf = jwt.claims.nbf;
  const exp = jwt.claims.exp;
  if (typeof nbf !== 'number' || typeof exp !== 'number' || nbf > now + SKEW_S || exp < now - SKEW_S) {
    return oauthError(ctx, 400, 'invalid_client', `The client assertion is not valid at this time. Current server time is ${new Date(world.clock.now()).toISOString()}.`), true;
  }
  const tok = world.mintToken('runner-oauth', String(runner.id), world.timings.oauthTokenTtlMs, 'rt_');
  sendJson(ctx, 200, { access_token: tok.token, token_type: 'bearer', expires_in: Math.floor(world.timings.oauthTokenTtlMs / 1000), scope: '/' });
  return true;
}

// Which kind of credential a request presented, for the request log.
import { decodeJwt } from './crypto.js';
import type { CredentialKind } from './state.js';
import type { World } from './world.js';

export function parseAuthorization(header: string | undefined): { scheme?: string; token?: string } {
  if (!header) return {};
  const m = /^(\S+)\s+(.+)$/.exec(header.trim());
  return m ? { scheme: m[1]!, token: m[2]!.trim() } : { token: header.trim() };
}

export function classifyCredential(world: World, scheme: string | undefined, token: string | undefined): CredentialKind {
  if (!token) return 'none';
  if (scheme?.toLowerCase() === 'remoteauth') return 'remote-auth';
  const rec = world.tokens.get(token);
  if (rec) return rec.kind;
  const jwt = decodeJwt(token);
  if (jwt) {
    const iss = jwt.claims.iss;
    if ([...world.apps.values()].some((a) => String(a.appId) === String(iss) || a.clientId === iss)) return 'app-jwt';
  }
  return 'unknown';
}

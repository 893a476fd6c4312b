// What the dashboard reads from a token, to decide what to show (the server decides what is allowed).
import { isRecord, num, str } from './model';

export type Role = 'viewer' | 'operator' | 'admin';

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface TokenInfo {
  /** The highest known role in the token's role claim. */
  role: Role | null;
  user: string | null;
  /** Expiry in ms since the epoch, when the token says. */
  expiresAt: number | null;
}

/** The claims of a JWT, or null when it is not one. The signature is the server's business. */
export function readToken(token: string): TokenInfo | null {
  const payload = token.trim().split('.')[1];
  if (!payload) {
    return null;
  }
  let claims: unknown;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  if (!isRecord(claims)) {
    return null;
  }
  const roles = Array.isArray(claims.role) ? claims.role : [claims.role];
  const exp = num(claims.exp);
  return {
    role: [...ROLES].reverse().find((r) => roles.includes(r)) ?? null,
    user: str(claims.sub),
    expiresAt: exp === null ? null : exp * 1000,
  };
}

export function canCallTools(role: Role | null): boolean {
  return role === 'operator' || role === 'admin';
}

import { describe, expect, it } from 'vitest';
import { canCallTools, readToken } from '../src/token';

const base64url = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const encode = (value: unknown) => base64url(JSON.stringify(value));
const jwt = (claims: unknown) => `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;

describe('readToken', () => {
  it('reads role, user and expiry', () => {
    expect(readToken(jwt({ sub: 'ann', role: 'operator', exp: 2000000000 }))).toEqual({ role: 'operator', user: 'ann', expiresAt: 2000000000000 });
  });

  it('takes the highest known role of several', () => {
    expect(readToken(jwt({ role: ['viewer', 'admin', 'root'] }))?.role).toBe('admin');
  });

  it('unknown or missing roles and claims are null', () => {
    expect(readToken(jwt({ role: 'root' }))).toEqual({ role: null, user: null, expiresAt: null });
    expect(readToken(jwt({ sub: 7, exp: 'soon' }))).toEqual({ role: null, user: null, expiresAt: null });
  });

  it('reads non-ASCII claims', () => {
    expect(readToken(jwt({ sub: 'zoë', role: 'viewer' }))?.user).toBe('zoë');
  });

  it.each(['', 'not a token', 'a.%%%.c', `a.${encode('just a string')}.c`, `a.${encode(null)}.c`, `a.${base64url('{oops')}.c`])(
    'is null for %j', (token) => {
      expect(readToken(token)).toBeNull();
    });

  it('only operators and admins call tools', () => {
    expect([canCallTools('viewer'), canCallTools('operator'), canCallTools('admin'), canCallTools(null)]).toEqual([false, true, true, false]);
  });
});

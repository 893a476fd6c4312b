// The HTTP API as the dashboard uses it. Nothing here throws: every outcome is a result.
import type { PollPort } from './connection';
import { isRecord, str } from './model';

export interface ApiResult {
  status: number;
  ok: boolean;
  body: unknown;
  headers: Headers | null;
}

export async function request(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResult> {
  const all: Record<string, string> = { Accept: 'application/json', ...headers };
  if (token) {
    all.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    all['Content-Type'] = 'application/json';
  }
  try {
    const response = await fetch(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, ok: response.ok, body: parsed, headers: response.headers };
  } catch (error) {
    return { status: 0, ok: false, body: error instanceof Error ? error.message : String(error), headers: null };
  }
}

/** A failed result in words: the problem's title, detail and field errors, or what is known. */
export function describeError(result: ApiResult): string {
  if (result.status === 0) {
    return `The server could not be reached (${typeof result.body === 'string' ? result.body : 'network error'}).`;
  }
  const body = result.body;
  if (!isRecord(body)) {
    return `HTTP ${result.status}${typeof body === 'string' && body ? `: ${body.slice(0, 300)}` : ''}`;
  }
  const parts = [str(body.title), str(body.detail)].filter((p): p is string => !!p);
  if (isRecord(body.errors)) {
    for (const [field, messages] of Object.entries(body.errors)) {
      if (Array.isArray(messages)) {
        parts.push(...messages.filter((m): m is string => typeof m === 'string').map((m) => `${field} ${m}`));
      }
    }
  }
  return `HTTP ${result.status}${parts.length > 0 ? `: ${parts.join(' — ')}` : ''}`;
}

/** GET /api/v1/mcp/status with If-None-Match: the polling fallback. */
export const pollStatus: PollPort = async (token, etag) => {
  const result = await request('GET', '/api/v1/mcp/status', token, undefined, etag ? { 'If-None-Match': etag } : {});
  if (result.status === 304) {
    return { kind: 'unchanged' };
  }
  if (result.status === 401 || result.status === 403) {
    return { kind: 'unauthorized' };
  }
  return result.ok ? { kind: 'changed', body: result.body, etag: result.headers?.get('ETag') ?? null } : { kind: 'failed' };
};

const servers = '/api/v1/mcp/servers/';

export const api = {
  tools: (token: string, server: string) => request('GET', `/api/v1/mcp/tools/capabilities?server=${encodeURIComponent(server)}`, token),
  /**
   * The server's transitions since a time, newest first: pages of 500 followed up to 4 of them, so a
   * server flapping all day costs the page a bounded read (its oldest part is then not drawn).
   */
  healthLogSince: async (token: string, server: string, since: Date): Promise<ApiResult & { events: unknown[] }> => {
    const events: unknown[] = [];
    let before: unknown = null;
    for (let page = 0; page < 4; page++) {
      const query = `since=${encodeURIComponent(since.toISOString())}&limit=500${typeof before === 'number' ? `&before=${before}` : ''}`;
      const result = await request('GET', `${servers}${encodeURIComponent(server)}/health-log?${query}`, token);
      if (!result.ok || !isRecord(result.body)) {
        return { ...result, events };
      }
      events.push(...(Array.isArray(result.body.events) ? result.body.events : []));
      before = result.body.next_before;
      if (typeof before !== 'number') {
        return { ...result, events };
      }
    }
    return { status: 200, ok: true, body: null, headers: null, events };
  },
  /** The fleet's status counts over the last <paramref name="minutes"/> in buckets of <paramref name="bucketSeconds"/>. */
  fleetHistory: (token: string, minutes: number, bucketSeconds: number) =>
    request('GET', `/api/v1/mcp/status/history?minutes=${minutes}&bucket_seconds=${bucketSeconds}`, token),
  call: (token: string, server: string, tool: string, args: Record<string, unknown>) =>
    request('POST', '/api/v1/mcp/tools/call', token, { server, tool, arguments: args }),
  /** The server's tools with their pins (admins only). */
  toolPins: (token: string, server: string) => request('GET', `${servers}${encodeURIComponent(server)}/tools`, token),
  approveTools: (token: string, server: string, tools: string[]) => request('POST', `${servers}${encodeURIComponent(server)}/tools/approve`, token, { tools }),
  admin: (token: string, server: string, action: string) => request('POST', `${servers}${encodeURIComponent(server)}/${action}`, token),
  /** The roles the host offers a one-click dev sign-in for (the embedded default only). */
  devSignInRoles: async (): Promise<string[]> => {
    const result = await request('GET', '/api/v1/dashboard/settings', null);
    const roles = result.ok && isRecord(result.body) ? result.body.dev_sign_in_roles : null;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
  },
  devToken: (role: string) => request('POST', '/api/v1/auth/dev-token', null, { role }),
};

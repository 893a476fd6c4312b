import { describe, expect, it } from 'vitest';
import { applyMessage, describeAlert, dismissAlert, emptyFleet, replaceFleet, type FleetState } from '../src/fleet';
import { changedFields, parseServer, parseServers } from '../src/model';

const view = (name: string, version: number, health_status = 'healthy', extra: Record<string, unknown> = {}) => ({
  name, transport: 'streamable_http', enabled: true, health_status, circuit_state: 'closed', consecutive_failures: 0,
  last_check_at: '2026-11-24T10:00:00Z', tool_count: 4, version, ...extra,
});

const snapshot = (...servers: unknown[]) => applyMessage(emptyFleet, { type: 'snapshot', timestamp: 't', snapshot: servers });

const statusOf = (state: FleetState, name: string) => state.servers.get(name)?.health_status;

const checked = (...checks: [string, unknown][]) =>
  ({ type: 'health_checks', timestamp: '2026-11-24T10:00:06Z', checks: checks.map(([mcp_name, last_check_at]) => ({ mcp_name, last_check_at })) });

const lastCheckOf = (state: FleetState, name: string) => state.servers.get(name)?.last_check_at;

describe('snapshot', () => {
  it('replaces the fleet and marks it loaded', () => {
    const state = applyMessage(snapshot(view('a', 1)), { type: 'snapshot', snapshot: [view('b', 1)] });
    expect([...state.servers.keys()]).toEqual(['b']);
    expect(state.loaded).toBe(true);
  });

  it('an empty snapshot is an empty, loaded fleet', () => {
    const state = snapshot();
    expect(state.servers.size).toBe(0);
    expect(state.loaded).toBe(true);
  });

  it('skips entries without a name and fills missing fields', () => {
    const state = snapshot(null, 3, 'x', {}, { name: '' }, { name: 42 }, { name: 'bare' });
    expect([...state.servers.keys()]).toEqual(['bare']);
    expect(state.servers.get('bare')).toMatchObject({ health_status: 'unknown', version: 0, tool_count: null, circuit_state: null });
  });

  it('a snapshot that is not a list changes nothing', () => {
    const before = snapshot(view('a', 1));
    expect(applyMessage(before, { type: 'snapshot', snapshot: { a: 1 } })).toBe(before);
    expect(applyMessage(before, { type: 'snapshot' })).toBe(before);
  });
});

describe('paged snapshot', () => {
  const page = (page: number, pages: number, ...servers: unknown[]) => ({ type: 'snapshot', timestamp: 't', page, pages, snapshot: servers });
  const apply = (state: FleetState, ...messages: unknown[]) => messages.reduce<FleetState>(applyMessage, state);

  it('replaces the fleet only at its last page, with every page together', () => {
    const old = snapshot(view('old', 1));
    const midway = apply(old, page(1, 3, view('a', 1)), page(2, 3, view('b', 1)));
    expect([...midway.servers.keys()]).toEqual(['old']);

    const done = applyMessage(midway, page(3, 3, view('c', 1)));
    expect([...done.servers.keys()]).toEqual(['a', 'b', 'c']);
    expect(done.loaded).toBe(true);
    expect(done.incoming).toBeNull();
  });

  it('a first page starts over, dropping a snapshot that did not finish', () => {
    const state = apply(emptyFleet, page(1, 2, view('a', 1)), page(1, 2, view('b', 1)), page(2, 2, view('c', 1)));
    expect([...state.servers.keys()]).toEqual(['b', 'c']);
  });

  it('a page out of turn is dropped, and the fleet stays as it was', () => {
    const before = snapshot(view('old', 1));
    const state = apply(before, page(1, 3, view('a', 1)), page(3, 3, view('c', 1)));
    expect([...state.servers.keys()]).toEqual(['old']);
    expect(state.incoming).toBeNull();
    expect(applyMessage(state, page(2, 3, view('b', 1)))).toBe(state);
  });

  it('events after the last page apply to the new fleet', () => {
    const state = apply(emptyFleet, page(1, 2, view('a', 1)), page(2, 2, view('b', 1)),
      { type: 'mcp_status_change', mcp_name: 'a', status: view('a', 2, 'disconnected') });
    expect(statusOf(state, 'a')).toBe('disconnected');
    expect(statusOf(state, 'b')).toBe('healthy');
  });
});

describe('server events', () => {
  it('a newer status replaces the older one', () => {
    const state = applyMessage(snapshot(view('a', 1)), { type: 'mcp_status_change', mcp_name: 'a', status: view('a', 2, 'disconnected') });
    expect(statusOf(state, 'a')).toBe('disconnected');
  });

  it('an older status is ignored (events may be coalesced or arrive after a snapshot)', () => {
    const before = snapshot(view('a', 5, 'circuit_open'));
    expect(applyMessage(before, { type: 'mcp_status_change', status: view('a', 4, 'healthy') })).toBe(before);
  });

  it('an event for a server not yet known adds it', () => {
    const state = applyMessage(snapshot(), { type: 'server_updated', status: view('new', 1, 'unknown') });
    expect(statusOf(state, 'new')).toBe('unknown');
  });

  it.each(['recovery_progress', 'circuit_opened', 'tools_changed', 'server_updated', 'something_new'])('%s carries the full status', (type) => {
    const state = applyMessage(snapshot(view('a', 1)), { type, status: view('a', 2, 'circuit_open') });
    expect(statusOf(state, 'a')).toBe('circuit_open');
  });

  it('an unknown status value is kept as it came', () => {
    const state = applyMessage(snapshot(view('a', 1)), { type: 'mcp_status_change', status: view('a', 2, 'on_fire') });
    expect(statusOf(state, 'a')).toBe('on_fire');
  });

  it('a server removed while displayed disappears; removing an unknown one changes nothing', () => {
    const before = snapshot(view('a', 1), view('b', 1));
    const state = applyMessage(before, { type: 'server_removed', mcp_name: 'a' });
    expect([...state.servers.keys()]).toEqual(['b']);
    expect(applyMessage(state, { type: 'server_removed', mcp_name: 'zzz' })).toBe(state);
    expect(applyMessage(state, { type: 'server_removed' })).toBe(state);
  });

  it('server_removed without mcp_name falls back to the status name', () => {
    const state = applyMessage(snapshot(view('a', 1)), { type: 'server_removed', status: view('a', 2) });
    expect(state.servers.size).toBe(0);
  });
});

describe('batch', () => {
  it('applies every event in order', () => {
    const state = applyMessage(snapshot(view('a', 1), view('b', 1)), {
      type: 'batch',
      events: [
        { type: 'mcp_status_change', status: view('a', 2, 'disconnected') },
        { type: 'circuit_opened', status: view('a', 3, 'circuit_open') },
        { type: 'server_removed', mcp_name: 'b' },
        null,
        'garbage',
        { type: 'batch', events: [{ type: 'server_removed', mcp_name: 'a' }] },
      ],
    });
    expect(statusOf(state, 'a')).toBe('circuit_open');
    expect(state.servers.has('b')).toBe(false);
  });

  it('a batch leaves the state it was applied to as it was, and so does the next message', () => {
    const before = snapshot(view('a', 1), view('b', 1));
    const after = applyMessage(before, { type: 'batch', events: [
      { type: 'mcp_status_change', status: view('a', 2, 'disconnected') },
      { type: 'mcp_status_change', status: view('b', 2, 'disconnected') },
    ] });
    const next = applyMessage(after, { type: 'mcp_status_change', status: view('a', 3, 'circuit_open') });
    expect([statusOf(before, 'a'), statusOf(before, 'b')]).toEqual(['healthy', 'healthy']);
    expect([statusOf(after, 'a'), statusOf(after, 'b')]).toEqual(['disconnected', 'disconnected']);
    expect(statusOf(next, 'a')).toBe('circuit_open');
  });

  it('a mass failure of 10,000 servers in one batch is applied whole', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `s${i}`);
    const before = snapshot(...names.map((n) => view(n, 1)));
    const after = applyMessage(before, { type: 'batch', events: names.map((n) => ({ type: 'mcp_status_change', status: view(n, 2, 'disconnected') })) });
    expect([...after.servers.values()].every((s) => s.health_status === 'disconnected')).toBe(true);
  });

  it('a batch without a list changes nothing', () => {
    const before = snapshot(view('a', 1));
    expect(applyMessage(before, { type: 'batch', events: 'nope' })).toBe(before);
  });
});

describe('health checks', () => {
  it('a health_checks message advances the last check of the named servers only', () => {
    const before = snapshot(view('a', 1), view('b', 1), view('c', 1));
    const state = applyMessage(before, checked(['a', '2026-11-24T10:00:04.512Z'], ['c', '2026-11-24T10:00:05Z']));
    expect(lastCheckOf(state, 'a')).toBe('2026-11-24T10:00:04.512Z');
    expect(lastCheckOf(state, 'c')).toBe('2026-11-24T10:00:05Z');
    expect(state.servers.get('b')).toBe(before.servers.get('b'));
  });

  it('a health check changes nothing about the server but its last check', () => {
    const before = snapshot(view('a', 7, 'disconnected', { consecutive_failures: 2, last_error: 'ping failed' }));
    const state = applyMessage(before, checked(['a', '2026-11-24T10:00:04Z']));
    expect(changedFields(before.servers.get('a')!, state.servers.get('a')!)).toEqual(['last_check_at']);
  });

  it('an older last check never moves it back', () => {
    const before = snapshot(view('a', 1));
    expect(applyMessage(before, checked(['a', '2026-11-24T09:59:59Z']))).toBe(before);
  });

  it('a last check reported again changes nothing', () => {
    const before = snapshot(view('a', 1));
    expect(applyMessage(before, checked(['a', '2026-11-24T10:00:00.000Z']))).toBe(before);
  });

  it('last checks are compared as instants, not as text', () => {
    const before = snapshot(view('a', 1));
    expect(applyMessage(before, checked(['a', '2026-11-24T10:30:00+01:00']))).toBe(before);
  });

  it('a server not checked before gets its first last check', () => {
    const state = applyMessage(snapshot(view('a', 1, 'unknown', { last_check_at: null })), checked(['a', '2026-11-24T10:00:04Z']));
    expect(lastCheckOf(state, 'a')).toBe('2026-11-24T10:00:04Z');
  });

  it('a check of a server not shown is ignored', () => {
    const before = snapshot(view('a', 1));
    expect(applyMessage(before, checked(['hidden', '2026-11-24T10:00:04Z']))).toBe(before);
  });

  it('health_checks inside a batch is applied', () => {
    const state = applyMessage(snapshot(view('a', 1)), { type: 'batch', events: [checked(['a', '2026-11-24T10:00:04Z'])] });
    expect(lastCheckOf(state, 'a')).toBe('2026-11-24T10:00:04Z');
  });
});

describe('changedFields (what a row redraws)', () => {
  it('a view equal field by field has nothing to redraw', () => {
    expect(changedFields(parseServer(view('a', 1))!, parseServer(view('a', 1))!)).toEqual([]);
  });
});

describe('critical alerts', () => {
  it('sets the banner with the named servers, and can be dismissed', () => {
    const state = applyMessage(snapshot(), { type: 'critical_alert', timestamp: 'now', servers: ['a', 7, 'b'] });
    expect(state.alert).toEqual({ servers: ['a', 'b'], timestamp: 'now' });
    expect(dismissAlert(state).alert).toBeNull();
  });

  it('an alert naming no server is ignored', () => {
    const before = snapshot();
    expect(applyMessage(before, { type: 'critical_alert', servers: [] })).toBe(before);
    expect(applyMessage(before, { type: 'critical_alert' })).toBe(before);
  });
});

describe('malformed messages never throw and change nothing', () => {
  const before = snapshot(view('a', 1));
  it.each([
    null, undefined, 0, 'snapshot', [], true,
    {}, { type: 42 }, { type: null }, { type: 'mcp_status_change' }, { type: 'mcp_status_change', status: null },
    { type: 'mcp_status_change', status: 'healthy' }, { type: 'mcp_status_change', status: { health_status: 'healthy' } },
    { type: 'session_expired', reason: 'limit' }, { type: 'totally_unknown', foo: 1 },
    { type: 'health_checks' }, { type: 'health_checks', checks: 'a' },
    { type: 'health_checks', checks: [null, 'a', { mcp_name: 'a' }, { mcp_name: 'a', last_check_at: 'soon' }, { mcp_name: 'a', last_check_at: 5 }, { last_check_at: '2027-01-01T00:00:00Z' }] },
  ])('%j', (message) => {
    expect(applyMessage(before, message)).toBe(before);
  });
});

describe('polled lists', () => {
  it('a status body replaces the fleet; a malformed body empties it without throwing', () => {
    expect([...replaceFleet(emptyFleet, parseServers({ servers: [view('x', 1)] })).servers.keys()]).toEqual(['x']);
    expect(parseServers({ servers: 'no' })).toEqual([]);
    expect(parseServers(null)).toEqual([]);
    expect(parseServers([view('y', 1)])).toHaveLength(1);
  });

  it('wrong field types become null, not exceptions', () => {
    expect(parseServer({ name: 'a', version: 'x', consecutive_failures: '3', enabled: 'yes', next_attempt_at: 5 })).toMatchObject({
      version: 0, consecutive_failures: null, enabled: null, next_attempt_at: null,
    });
  });
});

describe('the alert banner', () => {
  it('names every server of a small alert', () => {
    expect(describeAlert({ servers: ['a', 'b'], timestamp: null })).toBe('Critical: 2 server(s) failing — a, b');
  });

  it('names the first ten of a mass failure and counts the rest', () => {
    const servers = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    expect(describeAlert({ servers, timestamp: null })).toBe(`Critical: 1000 server(s) failing — ${servers.slice(0, 10).join(', ')} and 990 more`);
  });
});

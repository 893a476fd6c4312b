import { describe, expect, it } from 'vitest';
import { parseServer, type Server } from '../src/model';
import { countByStatus, defaultView, formatView, pageOf, parseView, selectServers, toggleSort, transportsOf, type View } from '../src/view';

const server = (name: string, extra: Record<string, unknown> = {}): Server =>
  parseServer({ name, transport: 'streamable_http', health_status: 'healthy', consecutive_failures: 0, tool_count: 3, version: 1, ...extra })!;

const names = (servers: Server[]) => servers.map((s) => s.name);
const viewOf = (changes: Partial<View>): View => ({ ...defaultView, ...changes });

describe('search and filters', () => {
  const fleet = [
    server('alpha', { health_status: 'disconnected', transport: 'sse' }),
    server('Beta'),
    server('alphabet', { health_status: 'circuit_open' }),
    server('gamma', { health_status: 'restarting' }),
  ];

  it('the search keeps the names that contain it, in any case', () => {
    expect(names(selectServers(fleet, viewOf({ query: 'ALPHA' })))).toEqual(['alpha', 'alphabet']);
    expect(names(selectServers(fleet, viewOf({ query: '  et ' })))).toEqual(['alphabet', 'Beta']);
  });

  it('the status filter keeps one status; a status the dashboard does not know is unknown', () => {
    expect(names(selectServers(fleet, viewOf({ status: 'circuit_open' })))).toEqual(['alphabet']);
    expect(names(selectServers(fleet, viewOf({ status: 'unknown' })))).toEqual(['gamma']);
  });

  it('the transport filter keeps one transport', () => {
    expect(names(selectServers(fleet, viewOf({ transport: 'sse' })))).toEqual(['alpha']);
    expect(transportsOf(fleet)).toEqual(['sse', 'streamable_http']);
  });

  it('search and filters together', () => {
    expect(names(selectServers(fleet, viewOf({ query: 'alpha', status: 'disconnected', transport: 'sse' })))).toEqual(['alpha']);
    expect(selectServers(fleet, viewOf({ query: 'beta', status: 'disconnected' }))).toEqual([]);
  });
});

describe('sort', () => {
  const fleet = [
    server('b', { consecutive_failures: 3, last_check_at: '2026-11-24T10:00:02Z', health_status: 'disconnected' }),
    server('a', { consecutive_failures: null, last_check_at: 'not a time' }),
    server('c', { consecutive_failures: 3, last_check_at: '2026-11-24T10:00:01Z', health_status: 'circuit_open' }),
    server('d', { consecutive_failures: 0, last_check_at: '2026-11-24T10:00:03Z' }),
  ];

  it('by name by default', () => {
    expect(names(selectServers(fleet, defaultView))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('ties are broken by name and missing values go last, in either direction', () => {
    expect(names(selectServers(fleet, viewOf({ sort: 'failures' })))).toEqual(['d', 'b', 'c', 'a']);
    expect(names(selectServers(fleet, viewOf({ sort: 'failures', direction: 'desc' })))).toEqual(['b', 'c', 'd', 'a']);
  });

  it('times sort as times', () => {
    expect(names(selectServers(fleet, viewOf({ sort: 'last_check', direction: 'desc' })))).toEqual(['d', 'b', 'c', 'a']);
  });

  it('by status puts the worst first', () => {
    expect(names(selectServers(fleet, viewOf({ sort: 'status' })))).toEqual(['c', 'b', 'a', 'd']);
  });

  it('a second click on a column turns its direction; another column starts ascending on the first page', () => {
    const once = toggleSort(viewOf({ page: 3 }), 'tools');
    expect(once).toMatchObject({ sort: 'tools', direction: 'asc', page: 0 });
    expect(toggleSort(once, 'tools').direction).toBe('desc');
    expect(toggleSort(toggleSort(once, 'tools'), 'name').direction).toBe('asc');
  });
});

describe('the URL', () => {
  it('round-trips a view', () => {
    const view = viewOf({ query: 'srv 1&2', status: 'circuit_open', transport: 'sse', sort: 'failures', direction: 'desc', page: 4 });
    expect(parseView(`?${formatView(view)}`)).toEqual(view);
  });

  it('the default view is an empty query string', () => {
    expect(formatView(defaultView)).toBe('');
    expect(parseView('')).toEqual(defaultView);
  });

  it('anything unreadable is the default', () => {
    expect(parseView('?status=melting&sort=color&dir=sideways&page=-2&transport=')).toEqual(defaultView);
    expect(parseView('?page=2.5').page).toBe(0);
  });
});

describe('pages', () => {
  const items = Array.from({ length: 250 }, (_, i) => i);

  it('cuts the list into pages of the given size', () => {
    expect(pageOf(items, 0)).toMatchObject({ page: 0, pages: 3, first: 0, total: 250 });
    expect(pageOf(items, 2).items).toEqual(items.slice(200));
  });

  it('a page past the end is the last, before the start the first; an empty list has one empty page', () => {
    expect(pageOf(items, 9).page).toBe(2);
    expect(pageOf(items, -1).page).toBe(0);
    expect(pageOf([], 3)).toMatchObject({ items: [], page: 0, pages: 1 });
  });
});

describe('counts', () => {
  it('counts each status, unknown ones as unknown', () => {
    const counts = countByStatus([server('a'), server('b', { health_status: 'disabled' }), server('c', { health_status: 'weird' }), server('d')]);
    expect(counts).toEqual({ healthy: 2, disconnected: 0, circuit_open: 0, disabled: 1, unknown: 1 });
  });
});

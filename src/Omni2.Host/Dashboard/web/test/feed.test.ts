import { describe, expect, it } from 'vitest';
import { describeChanges, describeMessage } from '../src/feed';
import { parseServer, type Server } from '../src/model';
import { formatAgo, formatCountdown } from '../src/time';

describe('describeMessage', () => {
  it('a status change names the server and both statuses', () => {
    expect(describeMessage({ type: 'mcp_status_change', timestamp: 't', mcp_name: 'a', old_status: 'healthy', new_status: 'disconnected', reason: 'ping failed' }))
      .toEqual([{ at: 't', text: 'a: healthy → disconnected (ping failed)', level: 'warn' }]);
  });

  it('a batch gives one line per event it carries', () => {
    const lines = describeMessage({ type: 'batch', events: [{ type: 'circuit_opened', mcp_name: 'a', recovery_eta: '30s' }, { type: 'server_removed', mcp_name: 'b' }, null] });
    expect(lines.map((l) => l.text)).toEqual(['a: circuit opened, next attempt in 30s', 'b: removed']);
  });

  it('a name missing from the message is taken from its status, or said to be unknown', () => {
    expect(describeMessage({ type: 'tools_changed', status: { name: 's' } })[0]?.text).toBe('s: tools changed');
    expect(describeMessage({ type: 'tools_changed' })[0]?.text).toBe('a server: tools changed');
  });

  it('health checks give no line, alone or in a batch', () => {
    const checks = { type: 'health_checks', timestamp: 't', checks: [{ mcp_name: 'a', last_check_at: 't' }] };
    expect(describeMessage(checks)).toEqual([]);
    expect(describeMessage({ type: 'batch', events: [checks] })).toEqual([]);
  });

  it('a paged snapshot gives one line, at its last page', () => {
    const page = (page: number) => describeMessage({ type: 'snapshot', timestamp: 't', page, pages: 3, snapshot: [] });
    expect([1, 2, 3].flatMap(page).map((l) => l.text)).toEqual(['Snapshot complete (3 pages)']);
  });

  it.each([null, 'x', 5, []])('%j gives no line', (message) => {
    expect(describeMessage(message)).toEqual([]);
  });

  it('unknown types are listed as such', () => {
    expect(describeMessage({ type: 'new_thing' })[0]?.text).toBe("Unrecognised message 'new_thing'");
    expect(describeMessage({})[0]?.text).toBe('Unrecognised message');
  });
});

describe('times', () => {
  const now = Date.parse('2026-11-24T10:00:00Z');
  it('ago', () => {
    expect(formatAgo('2026-11-24T09:59:48Z', now)).toBe('12 s ago');
    expect(formatAgo('2026-11-24T09:58:55Z', now)).toBe('1 min 5 s ago');
    expect(formatAgo(null, now)).toBe('—');
    expect(formatAgo('yesterday-ish', now)).toBe('—');
  });
  it('countdown', () => {
    expect(formatCountdown('2026-11-24T10:00:30Z', now)).toBe('in 30 s');
    expect(formatCountdown('2026-11-24T12:05:00Z', now)).toBe('in 2 h 5 min');
    expect(formatCountdown('2026-11-24T09:00:00Z', now)).toBe('due');
    expect(formatCountdown(undefined, now)).toBe('—');
  });
});

describe('describeChanges (polling has no events)', () => {
  const fleet = (...servers: [string, string][]) =>
    new Map(servers.map(([name, health_status]) => [name, parseServer({ name, health_status, version: 1 }) as Server]));

  it('reports status changes, arrivals and removals', () => {
    const lines = describeChanges(fleet(['a', 'healthy'], ['b', 'healthy'], ['c', 'healthy']), fleet(['a', 'circuit_open'], ['b', 'healthy'], ['d', 'unknown']));
    expect(lines.map((l) => [l.text, l.level])).toEqual([
      ['a: healthy → circuit_open', 'warn'], ['d: appeared (unknown)', 'info'], ['c: removed', 'warn'],
    ]);
  });

  it('nothing changed, nothing said', () => {
    expect(describeChanges(fleet(['a', 'healthy']), fleet(['a', 'healthy']))).toEqual([]);
  });
});

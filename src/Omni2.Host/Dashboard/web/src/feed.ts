// One line of the event feed per message (a batch gives one per event it carries).
import { isRecord, num, parseServer, str, type Server } from './model';

export interface FeedEntry {
  at: string;
  text: string;
  level: 'info' | 'warn' | 'error';
}

export function describeMessage(raw: unknown, now: Date = new Date()): FeedEntry[] {
  if (!isRecord(raw)) {
    return [];
  }
  if (raw.type === 'batch') {
    return Array.isArray(raw.events) ? raw.events.flatMap((e) => (isRecord(e) && e.type === 'batch' ? [] : describeMessage(e, now))) : [];
  }
  const at = str(raw.timestamp) ?? now.toISOString();
  const name = str(raw.mcp_name) ?? parseServer(raw.status)?.name ?? 'a server';
  const reason = str(raw.reason);
  const why = reason ? ` (${reason})` : '';
  switch (raw.type) {
    case 'snapshot': {
      // A paged snapshot is one line, at its last page.
      const pages = num(raw.pages) ?? 1;
      if (pages > 1) {
        return num(raw.page) === pages ? [{ at, text: `Snapshot complete (${pages} pages)`, level: 'info' }] : [];
      }
      return [{ at, text: `Snapshot of ${Array.isArray(raw.snapshot) ? raw.snapshot.length : 0} server(s)`, level: 'info' }];
    }
    case 'mcp_status_change': {
      const to = str(raw.new_status) ?? '?';
      return [{ at, text: `${name}: ${str(raw.old_status) ?? '?'} → ${to}${why}`, level: to === 'healthy' ? 'info' : 'warn' }];
    }
    case 'recovery_progress': {
      const attempt = num(raw.attempt);
      return [{ at, text: `${name}: recovery ${attempt === null ? 'attempt' : `attempt ${attempt}`}${why}`, level: 'info' }];
    }
    case 'circuit_opened':
      return [{ at, text: `${name}: circuit opened${str(raw.recovery_eta) ? `, next attempt in ${str(raw.recovery_eta)}` : ''}${why}`, level: 'error' }];
    case 'tools_changed':
      return [{ at, text: `${name}: tools changed`, level: 'info' }];
    case 'tool_definition_changed':
      return [{ at, text: `${name}: tool ${str(raw.tool) ?? '?'} presents a changed definition${why}`, level: 'warn' }];
    case 'server_updated':
      return [{ at, text: `${name}: configuration updated`, level: 'info' }];
    case 'server_removed':
      return [{ at, text: `${name}: removed`, level: 'warn' }];
    case 'critical_alert': {
      const servers = Array.isArray(raw.servers) ? raw.servers.filter((s) => typeof s === 'string') : [];
      return [{ at, text: `Critical alert: ${servers.join(', ') || 'servers'} failing`, level: 'error' }];
    }
    case 'session_expired':
      return [{ at, text: `Session expired${why}; reconnecting`, level: 'warn' }];
    case 'health_checks':
      return []; // routine, every few seconds: the last-check column shows it
    default:
      return [{ at, text: `Unrecognised message${typeof raw.type === 'string' ? ` '${raw.type.slice(0, 40)}'` : ''}`, level: 'info' }];
  }
}

/** What changed between two polled lists, since polling brings no events of its own. */
export function describeChanges(before: ReadonlyMap<string, Server>, after: ReadonlyMap<string, Server>, now: Date = new Date()): FeedEntry[] {
  const at = now.toISOString();
  const entries: FeedEntry[] = [];
  for (const [name, server] of after) {
    const old = before.get(name);
    if (!old) {
      entries.push({ at, text: `${name}: appeared (${server.health_status})`, level: 'info' });
    } else if (old.health_status !== server.health_status) {
      entries.push({ at, text: `${name}: ${old.health_status} → ${server.health_status}`, level: server.health_status === 'healthy' ? 'info' : 'warn' });
    }
  }
  for (const name of before.keys()) {
    if (!after.has(name)) {
      entries.push({ at, text: `${name}: removed`, level: 'warn' });
    }
  }
  return entries;
}

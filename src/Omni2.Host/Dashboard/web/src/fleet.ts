// The fleet as the dashboard knows it, and how every message changes it. Pure functions that
// never throw: a message that makes no sense leaves the state as it was.
import { isRecord, parseServer, parseServers, str, type Server } from './model';
import { parseTime } from './time';

export interface CriticalAlert {
  servers: string[];
  timestamp: string | null;
}

export interface FleetState {
  servers: ReadonlyMap<string, Server>;
  alert: CriticalAlert | null;
  /** Whether a full list (snapshot or poll) has arrived, so an empty table means an empty fleet. */
  loaded: boolean;
}

export const emptyFleet: FleetState = { servers: new Map(), alert: null, loaded: false };

/** A full list (a hub snapshot or a polled status): it is the whole truth at its moment. */
export function replaceFleet(state: FleetState, servers: Server[]): FleetState {
  return { ...state, servers: new Map(servers.map((s) => [s.name, s])), loaded: true };
}

/** Applies one message from the hub's mcp_event. */
export function applyMessage(state: FleetState, raw: unknown): FleetState {
  return apply(state, raw, true);
}

function apply(state: FleetState, raw: unknown, allowBatch: boolean): FleetState {
  if (!isRecord(raw)) {
    return state;
  }
  switch (raw.type) {
    case 'snapshot':
      return Array.isArray(raw.snapshot) ? replaceFleet(state, parseServers(raw.snapshot)) : state;
    case 'batch':
      return allowBatch && Array.isArray(raw.events)
        ? raw.events.reduce<FleetState>((s, e) => apply(s, e, false), state)
        : state;
    case 'server_removed':
      return remove(state, str(raw.mcp_name) ?? parseServer(raw.status)?.name ?? null);
    case 'critical_alert': {
      const servers = Array.isArray(raw.servers) ? raw.servers.filter((s): s is string => typeof s === 'string') : [];
      return servers.length > 0 ? { ...state, alert: { servers, timestamp: str(raw.timestamp) } } : state;
    }
    case 'health_checks':
      return Array.isArray(raw.checks) ? raw.checks.reduce<FleetState>(advanceLastCheck, state) : state;
    case 'session_expired':
      return state;
    default:
      // Every other message (known or not) may carry the server's full status: keep the newest.
      return upsert(state, parseServer(raw.status));
  }
}

function upsert(state: FleetState, server: Server | null): FleetState {
  if (!server) {
    return state;
  }
  const known = state.servers.get(server.name);
  if (known && known.version > server.version) {
    return state;
  }
  return put(state, server);
}

/**
 * One entry of health_checks: a shown server's last successful check, which only moves forward
 * (checks may be reported late or twice). Nothing else about the server changes.
 */
function advanceLastCheck(state: FleetState, raw: unknown): FleetState {
  if (!isRecord(raw)) {
    return state;
  }
  const known = state.servers.get(str(raw.mcp_name) ?? '');
  const at = str(raw.last_check_at);
  const when = parseTime(at);
  if (!known || when === null || when <= (parseTime(known.last_check_at) ?? -Infinity)) {
    return state;
  }
  return put(state, { ...known, last_check_at: at });
}

function put(state: FleetState, server: Server): FleetState {
  const servers = new Map(state.servers);
  servers.set(server.name, server);
  return { ...state, servers };
}

function remove(state: FleetState, name: string | null): FleetState {
  if (!name || !state.servers.has(name)) {
    return state;
  }
  const servers = new Map(state.servers);
  servers.delete(name);
  return { ...state, servers };
}

export function dismissAlert(state: FleetState): FleetState {
  return { ...state, alert: null };
}

/** The servers in display order (by name). */
export function sortedServers(state: FleetState): Server[] {
  return [...state.servers.values()].sort((a, b) => a.name.localeCompare(b.name));
}

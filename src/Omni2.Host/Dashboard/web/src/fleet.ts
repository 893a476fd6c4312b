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
  /** A paged snapshot still arriving: its pages so far, shown only once its last page is in. */
  incoming?: IncomingSnapshot | null;
}

export interface IncomingSnapshot {
  page: number;
  servers: Server[];
}

export const emptyFleet: FleetState = { servers: new Map(), alert: null, loaded: false, incoming: null };

/** A full list (a hub snapshot or a polled status): it is the whole truth at its moment. */
export function replaceFleet(state: FleetState, servers: Server[]): FleetState {
  return { ...state, servers: new Map(servers.map((s) => [s.name, s])), loaded: true, incoming: null };
}

/**
 * One page of a hub snapshot (page 1 to pages, in order; a snapshot without them is one page). Pages are
 * gathered and replace the fleet together at the last, so the table never shows half a fleet; a page out of
 * turn (its predecessors went with a dropped connection) is dropped until the next page 1 starts over.
 */
function snapshotPage(state: FleetState, raw: Record<string, unknown>): FleetState {
  if (!Array.isArray(raw.snapshot)) {
    return state;
  }
  const page = typeof raw.page === 'number' ? raw.page : 1;
  const pages = typeof raw.pages === 'number' ? raw.pages : 1;
  const servers = parseServers(raw.snapshot);
  const before = page === 1 ? [] : state.incoming?.page === page - 1 ? state.incoming.servers : null;
  if (before === null) {
    return state.incoming ? { ...state, incoming: null } : state;
  }
  const gathered = before.length === 0 ? servers : before.concat(servers);
  return page >= pages ? replaceFleet(state, gathered) : { ...state, incoming: { page, servers: gathered } };
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
      return snapshotPage(state, raw);
    case 'batch':
      return allowBatch && Array.isArray(raw.events)
        ? each(state, raw.events, (s, e) => apply(s, e, false))
        : state;
    case 'server_removed':
      return remove(state, str(raw.mcp_name) ?? parseServer(raw.status)?.name ?? null);
    case 'critical_alert': {
      const servers = Array.isArray(raw.servers) ? raw.servers.filter((s): s is string => typeof s === 'string') : [];
      return servers.length > 0 ? { ...state, alert: { servers, timestamp: str(raw.timestamp) } } : state;
    }
    case 'health_checks':
      return Array.isArray(raw.checks) ? each(state, raw.checks, advanceLastCheck) : state;
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

/**
 * While a list (a batch, the checks of health_checks) is applied, its one copy of the servers, made
 * at its first change: copying the map per item would make a mass failure of n servers cost n².
 */
let drafting = false;
let draft: Map<string, Server> | null = null;

function each(state: FleetState, items: unknown[], step: (state: FleetState, item: unknown) => FleetState): FleetState {
  const outer = drafting;
  drafting = true;
  try {
    return items.reduce<FleetState>(step, state);
  } finally {
    if (!outer) {
      drafting = false;
      draft = null;
    }
  }
}

/** The servers to change: the list's draft when there is one, else a copy (the state given is never changed). */
function writable(state: FleetState): Map<string, Server> {
  if (drafting && state.servers === draft) {
    return draft;
  }
  const copy = new Map(state.servers);
  if (drafting) {
    draft = copy;
  }
  return copy;
}

function put(state: FleetState, server: Server): FleetState {
  const servers = writable(state);
  servers.set(server.name, server);
  return servers === state.servers ? state : { ...state, servers };
}

function remove(state: FleetState, name: string | null): FleetState {
  if (!name || !state.servers.has(name)) {
    return state;
  }
  const servers = writable(state);
  servers.delete(name);
  return servers === state.servers ? state : { ...state, servers };
}

export function dismissAlert(state: FleetState): FleetState {
  return { ...state, alert: null };
}

const ALERT_NAMES = 10;

/** The alert's banner: a mass failure names its first servers, not thousands. */
export function describeAlert(alert: CriticalAlert): string {
  const more = alert.servers.length - ALERT_NAMES;
  return `Critical: ${alert.servers.length} server(s) failing — ${alert.servers.slice(0, ALERT_NAMES).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

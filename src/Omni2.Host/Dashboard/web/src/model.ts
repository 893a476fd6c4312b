// What the API and the hub send, read defensively: any field may be missing, null or of the
// wrong type, and the page must still show what it can.

/** A server as the dashboard holds it (the API's ServerView, snake_case, normalised). */
export interface Server {
  name: string;
  transport: string | null;
  enabled: boolean | null;
  health_status: string;
  circuit_state: string | null;
  consecutive_failures: number | null;
  last_check_at: string | null;
  last_error: string | null;
  next_attempt_at: string | null;
  tool_count: number | null;
  version: number;
}

/** The statuses the dashboard knows; anything else is shown as it came but treated as unknown. */
export const KNOWN_STATUSES = ['healthy', 'disconnected', 'circuit_open', 'disabled', 'unknown'] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** The status class of a wire value: one of the known statuses, else 'unknown'. */
export function statusKind(status: unknown): KnownStatus {
  return (KNOWN_STATUSES as readonly unknown[]).includes(status) ? (status as KnownStatus) : 'unknown';
}

/** The fields in which a newer view of a server differs from the one shown. */
export function changedFields(before: Server, after: Server): (keyof Server)[] {
  return (Object.keys(after) as (keyof Server)[]).filter((field) => before[field] !== after[field]);
}

/** A ServerView from the wire, or null when it has no usable name. */
export function parseServer(raw: unknown): Server | null {
  if (!isRecord(raw)) {
    return null;
  }
  const name = str(raw.name);
  if (!name) {
    return null;
  }
  return {
    name,
    transport: str(raw.transport),
    enabled: bool(raw.enabled),
    health_status: str(raw.health_status) || 'unknown',
    circuit_state: str(raw.circuit_state),
    consecutive_failures: num(raw.consecutive_failures),
    last_check_at: str(raw.last_check_at),
    last_error: str(raw.last_error),
    next_attempt_at: str(raw.next_attempt_at),
    tool_count: num(raw.tool_count),
    version: num(raw.version) ?? 0,
  };
}

/** The servers of a list body ({servers: [...]}) or a snapshot array; unusable entries are skipped. */
export function parseServers(raw: unknown): Server[] {
  const items = Array.isArray(raw) ? raw : isRecord(raw) && Array.isArray(raw.servers) ? raw.servers : [];
  return items.map(parseServer).filter((s): s is Server => s !== null);
}

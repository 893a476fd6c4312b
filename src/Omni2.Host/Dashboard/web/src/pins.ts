// Tool-definition pinning as the dashboard shows it to admins: a server's pins
// (GET /api/v1/mcp/servers/{name}/tools), which tools await approval, and what changed between the
// approved definition and the one the server presents, leaf by leaf.
import { isRecord, str } from './model';

export interface ToolPin {
  name: string;
  state: string;
  changed_at: string | null;
  approved: unknown;
  presented: unknown;
}

/** One difference between two definitions: a path (`input_schema.properties.path.type`) and its two values as JSON, absent when missing. */
export interface DefinitionChange {
  path: string;
  before: string | undefined;
  after: string | undefined;
}

/** The pins of a server's tools body; unusable entries are skipped. */
export function parsePins(raw: unknown): { pinning: string | null; tools: ToolPin[] } {
  if (!isRecord(raw)) {
    return { pinning: null, tools: [] };
  }
  const tools = (Array.isArray(raw.tools) ? raw.tools : []).filter(isRecord).flatMap((t) => {
    const name = str(t.name);
    return name ? [{ name, state: str(t.state) ?? 'unknown', changed_at: str(t.changed_at), approved: t.approved ?? null, presented: t.presented ?? null }] : [];
  });
  return { pinning: str(raw.pinning), tools };
}

/** The tools whose changed definition awaits an admin's approval, by name. */
export function pendingTools(tools: readonly ToolPin[]): ToolPin[] {
  return tools.filter((t) => t.state === 'pending').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every leaf that differs between the two definitions (added, removed or changed), in path order. */
export function diffDefinitions(approved: unknown, presented: unknown): DefinitionChange[] {
  const before = leaves(approved);
  const after = leaves(presented);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => ({ path, before: before.get(path), after: after.get(path) }));
}

/** The servers a hub message (or the batch it is) says presented a changed tool definition. */
export function definitionChangedServers(message: unknown): string[] {
  if (!isRecord(message)) {
    return [];
  }
  if (message.type === 'batch') {
    return Array.isArray(message.events) ? message.events.flatMap((e) => (isRecord(e) && e.type === 'batch' ? [] : definitionChangedServers(e))) : [];
  }
  return message.type === 'tool_definition_changed' && typeof message.mcp_name === 'string' ? [message.mcp_name] : [];
}

function leaves(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (isRecord(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) {
      leaves(child, path ? `${path}.${key}` : key, into);
    }
  } else if (Array.isArray(value) && value.length > 0) {
    value.forEach((child, index) => leaves(child, `${path}[${index}]`, into));
  } else if (path) {
    into.set(path, JSON.stringify(value));
  }
  return into;
}

// The tool buttons' states by server health and connection (getButtonState), plus the admins' actions.
import type { ConnectionState } from './connection';
import { isRecord } from './model';

export interface ButtonState {
  disabled: boolean;
  tooltip: string;
}

/** Live and polling both reach the API; anything else is the 'disconnected' dashboard. */
export function isConnected(connection: ConnectionState | string): boolean {
  return connection === 'live' || connection === 'polling';
}

/** Whether a tool call can be made now, and why not (the tooltips docs/design.md lists). */
export function getButtonState(mcp: unknown, connectionState: ConnectionState | string): ButtonState {
  if (!isConnected(connectionState)) {
    return { disabled: true, tooltip: 'Dashboard offline' };
  }
  switch (isRecord(mcp) ? mcp.health_status : undefined) {
    case 'healthy':
      return { disabled: false, tooltip: 'Ready' };
    case 'disconnected':
      return { disabled: true, tooltip: 'MCP disconnected, retrying...' };
    case 'circuit_open':
      return { disabled: true, tooltip: 'Circuit breaker open' };
    case 'disabled':
      return { disabled: true, tooltip: 'Manually disabled' };
    default:
      return { disabled: true, tooltip: 'Unknown status' };
  }
}

export type AdminAction = 'disable' | 'enable' | 'reset';

export const ADMIN_ACTIONS: readonly AdminAction[] = ['disable', 'enable', 'reset'];

/** The admins' disable / enable / reset buttons: each offered only where it changes something. */
export function getAdminButtonState(action: AdminAction, mcp: unknown, connectionState: ConnectionState | string): ButtonState {
  if (!isConnected(connectionState)) {
    return { disabled: true, tooltip: 'Dashboard offline' };
  }
  const server = isRecord(mcp) ? mcp : {};
  const disabled = server.health_status === 'disabled' || server.enabled === false;
  switch (action) {
    case 'disable':
      return disabled
        ? { disabled: true, tooltip: 'Already disabled' }
        : { disabled: false, tooltip: 'Disable this server until an admin enables it' };
    case 'enable':
      return disabled
        ? { disabled: false, tooltip: 'Enable this server and connect it' }
        : { disabled: true, tooltip: 'Already enabled' };
    case 'reset':
      return server.health_status === 'disconnected' || server.health_status === 'circuit_open'
        ? { disabled: false, tooltip: 'Close the circuit and retry now' }
        : { disabled: true, tooltip: 'Nothing to reset' };
  }
}

import { describe, expect, it } from 'vitest';
import { getAdminButtonState, getButtonState } from '../src/buttons';

describe('getButtonState (its tooltips)', () => {
  it.each([
    ['healthy', false, 'Ready'],
    ['disconnected', true, 'MCP disconnected, retrying...'],
    ['circuit_open', true, 'Circuit breaker open'],
    ['disabled', true, 'Manually disabled'],
    ['unknown', true, 'Unknown status'],
    ['melting', true, 'Unknown status'],
  ])('a %s server while live: disabled=%s, "%s"', (status, disabled, tooltip) => {
    expect(getButtonState({ health_status: status }, 'live')).toEqual({ disabled, tooltip });
  });

  it('polling is connected: a healthy server can be called', () => {
    expect(getButtonState({ health_status: 'healthy' }, 'polling')).toEqual({ disabled: false, tooltip: 'Ready' });
  });

  it.each(['offline', 'connecting', 'disconnected', '', 'nonsense'])('a dashboard that is %s is offline for every server', (connection) => {
    expect(getButtonState({ health_status: 'healthy' }, connection)).toEqual({ disabled: true, tooltip: 'Dashboard offline' });
  });

  it.each([null, undefined, 42, 'healthy', [], {}, { health_status: null }, { health_status: 7 }, { status: 'healthy' }])(
    'a malformed server (%j) is an unknown status, never an exception', (server) => {
      expect(getButtonState(server, 'live')).toEqual({ disabled: true, tooltip: 'Unknown status' });
    });
});

describe('admin buttons', () => {
  it('a healthy server can be disabled but not enabled or reset', () => {
    const server = { health_status: 'healthy', enabled: true };
    expect(getAdminButtonState('disable', server, 'live').disabled).toBe(false);
    expect(getAdminButtonState('enable', server, 'live').disabled).toBe(true);
    expect(getAdminButtonState('reset', server, 'live').disabled).toBe(true);
  });

  it('a disabled server (by status or by flag) can be enabled only', () => {
    for (const server of [{ health_status: 'disabled' }, { health_status: 'unknown', enabled: false }]) {
      expect(getAdminButtonState('enable', server, 'live').disabled).toBe(false);
      expect(getAdminButtonState('disable', server, 'live').disabled).toBe(true);
    }
  });

  it.each(['disconnected', 'circuit_open'])('a %s server can be reset', (status) => {
    expect(getAdminButtonState('reset', { health_status: status }, 'polling')).toEqual({ disabled: false, tooltip: 'Close the circuit and retry now' });
  });

  it('nothing is offered while the dashboard is offline, even for garbage', () => {
    expect(getAdminButtonState('disable', null, 'offline')).toEqual({ disabled: true, tooltip: 'Dashboard offline' });
    expect(getAdminButtonState('enable', 'x', 'live').disabled).toBe(true);
  });
});

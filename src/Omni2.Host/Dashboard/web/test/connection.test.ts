import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Link, nextConnection, type ConnectionState, type HubPort, type PollResult } from '../src/connection';

describe('nextConnection', () => {
  it.each<[ConnectionState, Parameters<typeof nextConnection>[1], ConnectionState]>([
    ['connecting', 'hub_connected', 'live'],
    ['connecting', 'hub_lost', 'polling'],
    ['live', 'hub_lost', 'polling'],
    ['polling', 'hub_connected', 'live'],
    ['offline', 'hub_connected', 'live'],
    ['polling', 'poll_ok', 'polling'],
    ['polling', 'poll_failed', 'offline'],
    ['offline', 'poll_ok', 'polling'],
    ['offline', 'hub_lost', 'offline'],
    ['live', 'poll_ok', 'live'],
    ['live', 'poll_failed', 'live'],
  ])('%s + %s → %s', (state, event, next) => {
    expect(nextConnection(state, event)).toBe(next);
  });
});

/** A hub the test opens, refuses and closes at will. */
class FakeHub implements HubPort {
  available = true;
  starts = 0;
  private current: { onMessage: (m: unknown) => void; onClose: () => void } | null = null;

  async start(_token: string, onMessage: (m: unknown) => void, onClose: () => void) {
    this.starts++;
    if (!this.available) {
      throw new Error('WebSocket failed to connect');
    }
    const connection = { onMessage, onClose };
    this.current = connection;
    return {
      stop: async () => {
        if (this.current === connection) {
          this.current = null;
          onClose();
        }
      },
    };
  }

  send(message: unknown) {
    this.current?.onMessage(message);
  }

  drop() {
    const connection = this.current;
    this.current = null;
    connection?.onClose();
  }

  get connected() {
    return this.current !== null;
  }
}

function setup(options: { poll?: (etag: string | null) => PollResult; expiresAt?: number | null } = {}) {
  const hub = new FakeHub();
  const states: ConnectionState[] = [];
  const messages: unknown[] = [];
  const lists: unknown[] = [];
  const signedOut: string[] = [];
  const etags: (string | null)[] = [];
  const poll = vi.fn(async (_token: string, etag: string | null) => {
    etags.push(etag);
    return options.poll ? options.poll(etag) : ({ kind: 'changed', body: { servers: [] }, etag: '"v1"' } as PollResult);
  });
  const link = new Link('token', hub, poll, {
    onState: (s) => states.push(s),
    onMessage: (m) => messages.push(m),
    onServers: (b) => lists.push(b),
    onSignedOut: (r) => signedOut.push(r),
  }, { pollIntervalMs: 2000, hubRetryMs: 5000, tokenExpiresAt: options.expiresAt ?? null, now: () => Date.now() });
  return { hub, link, states, messages, lists, signedOut, poll, etags };
}

describe('Link', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes live when the hub connects, and does not poll', async () => {
    const t = setup();
    t.link.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(t.states).toEqual(['connecting', 'live']);
    expect(t.poll).not.toHaveBeenCalled();
  });

  it('hub messages are passed on', async () => {
    const t = setup();
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    t.hub.send({ type: 'snapshot', snapshot: [] });
    expect(t.messages).toEqual([{ type: 'snapshot', snapshot: [] }]);
  });

  it('polls every 2 s with the last ETag when the hub cannot connect', async () => {
    let version = 1;
    const t = setup({ poll: (etag) => (etag === `"v${version}"` ? { kind: 'unchanged' } : { kind: 'changed', body: { servers: [] }, etag: `"v${version}"` }) });
    t.hub.available = false;
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.states).toEqual(['connecting', 'polling']);
    expect(t.lists).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(4000);
    expect(t.poll).toHaveBeenCalledTimes(3);
    expect(t.etags).toEqual([null, '"v1"', '"v1"']);
    expect(t.lists).toHaveLength(1); // 304s change nothing
    version = 2;
    await vi.advanceTimersByTimeAsync(2000);
    expect(t.lists).toHaveLength(2);
  });

  it('retries the hub while polling and goes back to live when it answers; polling stops', async () => {
    const t = setup();
    t.hub.available = false;
    t.link.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.hub.starts).toBe(2);
    t.hub.available = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.link.connectionState).toBe('live');
    const polls = t.poll.mock.calls.length;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(t.poll.mock.calls.length).toBe(polls);
    expect(t.hub.starts).toBe(3);
  });

  it('falls back to polling when a live hub drops, with a fresh ETag', async () => {
    const t = setup();
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    t.hub.available = false;
    t.hub.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.states).toEqual(['connecting', 'live', 'polling']);
    expect(t.etags).toEqual([null]);
  });

  it('is offline while polls fail, and polling again once one succeeds', async () => {
    let up = false;
    const t = setup({ poll: () => (up ? { kind: 'unchanged' } : { kind: 'failed' }) });
    t.hub.available = false;
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.link.connectionState).toBe('offline');
    up = true;
    await vi.advanceTimersByTimeAsync(2000);
    expect(t.link.connectionState).toBe('polling');
  });

  it('a poll that throws counts as failed', async () => {
    const t = setup({ poll: () => { throw new Error('boom'); } });
    t.hub.available = false;
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.link.connectionState).toBe('offline');
  });

  it('signs out when polling is refused (401)', async () => {
    const t = setup({ poll: () => ({ kind: 'unauthorized' }) });
    t.hub.available = false;
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.signedOut).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.poll).toHaveBeenCalledTimes(1);
    expect(t.hub.starts).toBe(1);
  });

  it('on session_expired, reconnects at once with the same token while it is valid', async () => {
    const t = setup({ expiresAt: Date.now() + 3_600_000 });
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    t.hub.send({ type: 'session_expired', reason: 'session limit reached' });
    await vi.advanceTimersByTimeAsync(0);
    expect(t.hub.starts).toBe(2);
    expect(t.hub.connected).toBe(true);
    expect(t.link.connectionState).toBe('live');
    expect(t.signedOut).toEqual([]);
    expect(t.poll).not.toHaveBeenCalled();
  });

  it('on session_expired with an expired token, asks to sign in again', async () => {
    const t = setup({ expiresAt: Date.now() + 1000 });
    t.link.start();
    await vi.advanceTimersByTimeAsync(2000);
    t.hub.send({ type: 'session_expired' });
    await vi.advanceTimersByTimeAsync(0);
    expect(t.signedOut).toHaveLength(1);
    expect(t.hub.starts).toBe(1);
  });

  it('stop ends everything: no more polls, retries or callbacks', async () => {
    const t = setup();
    t.hub.available = false;
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    t.link.stop();
    const states = t.states.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.poll).toHaveBeenCalledTimes(1);
    expect(t.hub.starts).toBe(1);
    expect(t.states.length).toBe(states);
  });

  it('a close from an older connection does not undo a newer one', async () => {
    const t = setup();
    t.link.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = t.hub;
    first.available = false;
    first.drop();
    first.available = true;
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.link.connectionState).toBe('live');
    first.drop(); // the live one drops: back to polling
    await vi.advanceTimersByTimeAsync(0);
    expect(t.link.connectionState).toBe('polling');
  });
});

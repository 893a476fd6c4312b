// How the dashboard stays connected: the hub (/ws) when it can, polling GET /status with an
// ETag when it cannot, and back to the hub as soon as it answers again.
import { isRecord } from './model';

export type ConnectionState = 'connecting' | 'live' | 'polling' | 'offline';

export type LinkEvent = 'hub_connected' | 'hub_lost' | 'poll_ok' | 'poll_failed';

/** The indicator's state machine. */
export function nextConnection(state: ConnectionState, event: LinkEvent): ConnectionState {
  switch (event) {
    case 'hub_connected':
      return 'live';
    case 'hub_lost':
      return state === 'offline' ? 'offline' : 'polling';
    case 'poll_ok':
      return state === 'live' ? 'live' : 'polling';
    case 'poll_failed':
      return state === 'live' ? 'live' : 'offline';
  }
}

/** A connected hub; closing it must end in the onClose given to {@link HubPort.start}. */
export interface HubHandle {
  stop(): Promise<void>;
}

export interface HubPort {
  /** Connects with the token; resolves once connected, rejects when it cannot. */
  start(token: string, onMessage: (message: unknown) => void, onClose: () => void): Promise<HubHandle>;
}

export type PollResult =
  | { kind: 'changed'; body: unknown; etag: string | null }
  | { kind: 'unchanged' }
  /** 401 or 403: this token will not do. */
  | { kind: 'unauthorized' }
  | { kind: 'failed' };

export type PollPort = (token: string, etag: string | null) => Promise<PollResult>;

export interface LinkCallbacks {
  onState(state: ConnectionState): void;
  /** A hub message (mcp_event). */
  onMessage(message: unknown): void;
  /** A polled status list. */
  onServers(body: unknown): void;
  /** The token no longer works: the user has to sign in again. */
  onSignedOut(reason: string): void;
}

export interface LinkOptions {
  pollIntervalMs: number;
  hubRetryMs: number;
  /** When the token expires (ms since the epoch), if it says. */
  tokenExpiresAt: number | null;
  now(): number;
}

export const defaultLinkOptions = { pollIntervalMs: 2000, hubRetryMs: 5000, now: () => Date.now() };

/**
 * The connection controller. Every callback of an earlier hub attempt or poll is ignored once it
 * is stale, so a late close or a slow poll can never undo a newer state.
 */
export class Link {
  private state: ConnectionState = 'connecting';
  private stopped = false;
  private attempt = 0;
  private hub: HubHandle | null = null;
  private hubStarting = false;
  private sessionExpired = false;
  private etag: string | null = null;
  private pollTimer: ReturnType<typeof setTimeout> | null = null;
  private polling = false;
  private hubRetryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly token: string,
    private readonly hubPort: HubPort,
    private readonly pollPort: PollPort,
    private readonly callbacks: LinkCallbacks,
    private readonly options: LinkOptions,
  ) {}

  get connectionState(): ConnectionState {
    return this.state;
  }

  start(): void {
    this.callbacks.onState(this.state);
    void this.connectHub();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const hub = this.hub;
    this.hub = null;
    void hub?.stop().catch(() => undefined);
  }

  private tokenValid(): boolean {
    return this.options.tokenExpiresAt === null || this.options.tokenExpiresAt > this.options.now();
  }

  private async connectHub(): Promise<void> {
    if (this.stopped || this.hub || this.hubStarting) {
      return;
    }
    if (!this.tokenValid()) {
      this.signOut('Your token has expired: sign in again.');
      return;
    }
    this.hubStarting = true;
    const attempt = ++this.attempt;
    try {
      const handle = await this.hubPort.start(
        this.token,
        (message) => this.onHubMessage(attempt, message),
        () => this.onHubClosed(attempt),
      );
      if (this.stopped || attempt !== this.attempt) {
        void handle.stop().catch(() => undefined);
        return;
      }
      this.hub = handle;
      this.clearTimers();
      this.transition('hub_connected');
    } catch {
      if (!this.stopped && attempt === this.attempt) {
        this.fallBack();
      }
    } finally {
      this.hubStarting = false;
    }
  }

  private onHubMessage(attempt: number, message: unknown): void {
    if (this.stopped || attempt !== this.attempt) {
      return;
    }
    if (isRecord(message) && message.type === 'session_expired') {
      // The hub closes the connection next; stop it ourselves too in case it does not.
      this.sessionExpired = true;
      void this.hub?.stop().catch(() => undefined);
    }
    this.callbacks.onMessage(message);
  }

  private onHubClosed(attempt: number): void {
    if (this.stopped || attempt !== this.attempt) {
      return;
    }
    this.hub = null;
    this.attempt++; // anything the closed connection still delivers is stale
    if (this.sessionExpired) {
      this.sessionExpired = false;
      if (!this.tokenValid()) {
        this.signOut('Your session and token have expired: sign in again.');
        return;
      }
      void this.connectHub();
      return;
    }
    this.fallBack();
  }

  /** The hub is not there: poll until it is, and keep asking it. */
  private fallBack(): void {
    this.etag = null;
    this.transition('hub_lost');
    if (this.pollTimer === null && !this.polling) {
      void this.poll();
    }
    if (this.hubRetryTimer === null) {
      this.hubRetryTimer = setTimeout(() => {
        this.hubRetryTimer = null;
        void this.connectHub();
      }, this.options.hubRetryMs);
    }
  }

  private async poll(): Promise<void> {
    this.pollTimer = null;
    if (this.stopped || this.hub) {
      return;
    }
    this.polling = true;
    let result: PollResult;
    try {
      result = await this.pollPort(this.token, this.etag);
    } catch {
      result = { kind: 'failed' };
    } finally {
      this.polling = false;
    }
    if (this.stopped || this.hub) {
      return; // the hub came back while this poll was out
    }
    switch (result.kind) {
      case 'changed':
        this.etag = result.etag;
        this.callbacks.onServers(result.body);
        this.transition('poll_ok');
        break;
      case 'unchanged':
        this.transition('poll_ok');
        break;
      case 'unauthorized':
        this.signOut('The server does not accept your token for reading the fleet: sign in again.');
        return;
      case 'failed':
        this.transition('poll_failed');
        break;
    }
    this.pollTimer = setTimeout(() => void this.poll(), this.options.pollIntervalMs);
  }

  private signOut(reason: string): void {
    this.stop();
    this.callbacks.onSignedOut(reason);
  }

  private transition(event: LinkEvent): void {
    const next = nextConnection(this.state, event);
    if (next !== this.state) {
      this.state = next;
      this.callbacks.onState(next);
    }
  }

  private clearTimers(): void {
    if (this.pollTimer !== null) {
      clearTimeout(this.pollTimer);
      this.pollTimer = null;
    }
    if (this.hubRetryTimer !== null) {
      clearTimeout(this.hubRetryTimer);
      this.hubRetryTimer = null;
    }
  }
}

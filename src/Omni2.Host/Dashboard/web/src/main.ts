// The dashboard: sign-in, the live fleet table, the event feed and the connection indicator.
import './style.css';
import { api, describeError, pollStatus } from './api';
import { defaultLinkOptions, Link, type ConnectionState } from './connection';
import { byId, h } from './dom';
import { describeChanges, describeMessage, type FeedEntry } from './feed';
import { applyMessage, dismissAlert, emptyFleet, replaceFleet, sortedServers, type FleetState } from './fleet';
import { signalRHub as hub } from './hub';
import { isRecord, parseServers, str } from './model';
import { COLUMNS, ServerRow } from './rows';
import { readToken, type TokenInfo } from './token';

const TOKEN_KEY = 'omni2.token';
const FEED_LIMIT = 100;

interface Session {
  token: string;
  info: TokenInfo;
  link: Link;
}

let session: Session | null = null;
let fleet: FleetState = emptyFleet;
let connection: ConnectionState = 'connecting';
const rows = new Map<string, ServerRow>();

const ui = {
  connection: byId('connection'),
  who: byId('who'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  alert: byId('alert'),
  alertText: byId('alert-text'),
  signIn: byId('sign-in'),
  tokenInput: byId<HTMLTextAreaElement>('token-input'),
  signInError: byId('sign-in-error'),
  devSignIn: byId('dev-sign-in'),
  devRoles: byId('dev-roles'),
  fleet: byId('fleet'),
  head: byId('servers-head'),
  body: byId('servers-body'),
  empty: byId('empty'),
  feed: byId('feed'),
};

const rowContext = {
  token: () => session?.token ?? '',
  role: () => session?.info.role ?? null,
  connection: () => connection,
  onServerView: (view: unknown) => update(applyMessage(fleet, { type: 'server_updated', status: view })),
  log: (text: string, level: FeedEntry['level']) => addFeed([{ at: new Date().toISOString(), text, level }]),
};

/** Starts a session with the token; false (with the reason shown) when it is not one that can work. */
function signIn(token: string): boolean {
  const info = readToken(token);
  if (!info) {
    ui.signInError.textContent = 'That is not a token (a JWT has three parts separated by dots).';
    return false;
  }
  if (info.expiresAt !== null && info.expiresAt <= Date.now()) {
    ui.signInError.textContent = 'That token has expired.';
    return false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  ui.signInError.textContent = '';
  const link = new Link(token, hub, pollStatus, {
    onState: setConnection,
    onMessage: (message) => {
      addFeed(describeMessage(message));
      update(applyMessage(fleet, message));
    },
    onServers: (body) => {
      const next = replaceFleet(fleet, parseServers(body));
      if (fleet.loaded) {
        addFeed(describeChanges(fleet.servers, next.servers));
      }
      update(next);
    },
    onSignedOut: signOut,
  }, { ...defaultLinkOptions, tokenExpiresAt: info.expiresAt });
  session = { token, info, link };
  ui.who.textContent = `${info.user ?? 'unknown user'} · ${info.role ?? 'no role'}`;
  ui.signIn.hidden = true;
  ui.fleet.hidden = false;
  ui.signOut.hidden = false;
  link.start();
  return true;
}

function signOut(reason = ''): void {
  session?.link.stop();
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  for (const row of rows.values()) {
    row.main.remove();
    row.detail.remove();
  }
  rows.clear();
  fleet = emptyFleet;
  setConnection('offline');
  ui.who.textContent = '';
  ui.signOut.hidden = true;
  ui.fleet.hidden = true;
  ui.alert.hidden = true;
  ui.signIn.hidden = false;
  ui.signInError.textContent = reason;
}

const CONNECTION_NEWS: Partial<Record<ConnectionState, [string, FeedEntry['level']]>> = {
  live: ['Live: updates arrive over the WebSocket', 'info'],
  polling: ['WebSocket unavailable: polling every 2 s and retrying it', 'warn'],
  offline: ['The server cannot be reached', 'error'],
};

function setConnection(state: ConnectionState): void {
  const news = session && state !== connection ? CONNECTION_NEWS[state] : undefined;
  if (news) {
    addFeed([{ at: new Date().toISOString(), text: news[0], level: news[1] }]);
  }
  connection = state;
  ui.connection.hidden = session === null;
  ui.connection.dataset.state = state;
  ui.connection.textContent = { connecting: 'connecting…', live: 'live', polling: 'polling', offline: 'offline' }[state] ?? state;
  ui.connection.title = {
    connecting: 'Connecting to the hub',
    live: 'Live updates over WebSocket',
    polling: 'WebSocket unavailable: polling every 2 s, retrying the WebSocket',
    offline: 'The server cannot be reached',
  }[state] ?? '';
  for (const row of rows.values()) {
    row.refreshButtons();
  }
}

/** Shows a new fleet state: rows updated in place, so open details and typed input survive. */
function update(next: FleetState): void {
  fleet = next;
  const servers = sortedServers(fleet);
  for (const [name, row] of rows) {
    if (!fleet.servers.has(name)) {
      row.main.remove();
      row.detail.remove();
      rows.delete(name);
    }
  }
  let previous: Element | null = null;
  for (const server of servers) {
    let row = rows.get(server.name);
    if (row) {
      row.update(server);
    } else {
      row = new ServerRow(server, rowContext);
      rows.set(server.name, row);
    }
    // Move only rows that are out of place: moving a row would take the focus from its inputs.
    const expected: Element | null = previous ? previous.nextElementSibling : ui.body.firstElementChild;
    if (expected !== row.main) {
      if (previous) {
        previous.after(row.main, row.detail);
      } else {
        ui.body.prepend(row.main, row.detail);
      }
    }
    previous = row.detail;
  }
  ui.empty.hidden = !fleet.loaded || servers.length > 0;
  ui.alert.hidden = fleet.alert === null;
  ui.alertText.textContent = fleet.alert
    ? `Critical: ${fleet.alert.servers.length} server(s) failing — ${fleet.alert.servers.join(', ')}`
    : '';
}

function addFeed(entries: FeedEntry[]): void {
  for (const entry of entries) {
    const time = new Date(entry.at);
    ui.feed.prepend(h('li', { class: `feed-${entry.level}` },
      h('time', { datetime: entry.at }, Number.isNaN(time.getTime()) ? '' : time.toLocaleTimeString()), ' ', entry.text));
  }
  while (ui.feed.childElementCount > FEED_LIMIT) {
    ui.feed.lastElementChild?.remove();
  }
}

async function offerDevSignIn(): Promise<void> {
  const roles = await api.devSignInRoles();
  ui.devSignIn.hidden = roles.length === 0;
  ui.devRoles.replaceChildren(...roles.map((role) => {
    const button = h('button', { type: 'button', class: 'secondary', 'data-role': role }, role);
    button.addEventListener('click', () => void devSignIn(role));
    return button;
  }));
}

async function devSignIn(role: string): Promise<void> {
  const result = await api.devToken(role);
  const token = result.ok && isRecord(result.body) ? str(result.body.token) : null;
  if (token) {
    signIn(token);
  } else {
    ui.signInError.textContent = describeError(result);
  }
}

function start(): void {
  ui.head.replaceChildren(h('tr', {}, ...COLUMNS.map((c) => h('th', {}, c))));
  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(ui.tokenInput.value.trim());
  });
  ui.signOut.addEventListener('click', () => signOut());
  byId('alert-dismiss').addEventListener('click', () => update(dismissAlert(fleet)));
  setInterval(() => {
    const now = Date.now();
    for (const row of rows.values()) {
      row.tick(now);
    }
  }, 1000);
  void offerDevSignIn();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (!saved || !signIn(saved)) {
    signOut(ui.signInError.textContent ?? '');
  }
}

start();

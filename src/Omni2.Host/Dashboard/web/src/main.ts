// The dashboard: sign-in, the fleet summary and its last hour, the live fleet table (searched,
// filtered, sorted and paged, all in the URL), the event feed and the connection indicator.
import './style.css';
import { api, describeError, pollStatus } from './api';
import { defaultLinkOptions, Link, type ConnectionState } from './connection';
import { byId, h } from './dom';
import { describeChanges, describeMessage, type FeedEntry } from './feed';
import { definitionChangedServers } from './pins';
import { applyMessage, describeAlert, dismissAlert, emptyFleet, replaceFleet, type FleetState } from './fleet';
import { signalRHub as hub } from './hub';
import { isRecord, KNOWN_STATUSES, parseServers, str, type Server } from './model';
import { COLUMNS, ServerRow } from './rows';
import { readToken, type TokenInfo } from './token';
import { FleetTrend } from './trend';
import { countByStatus, formatView, pageOf, parseView, selectServers, statusFilter, toggleSort, transportsOf, type View } from './view';

const TOKEN_KEY = 'omni2.token';
const FEED_LIMIT = 100;
/** The fleet chart samples the counts every 5 s. */
const SAMPLE_EVERY_S = 5;

interface Session {
  token: string;
  info: TokenInfo;
  link: Link;
}

let session: Session | null = null;
let fleet: FleetState = emptyFleet;
let connection: ConnectionState = 'connecting';
let view: View = parseView(location.search);
let renderPending = false;
/** The rows of the page shown: never more than a page, whatever the fleet's size. */
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
  noMatch: byId('no-match'),
  summary: byId('summary'),
  search: byId<HTMLInputElement>('search'),
  statusFilter: byId<HTMLSelectElement>('status-filter'),
  transportFilter: byId<HTMLSelectElement>('transport-filter'),
  shown: byId('shown'),
  pager: byId('pager'),
  pageLabel: byId('page-label'),
  previous: byId<HTMLButtonElement>('page-previous'),
  next: byId<HTMLButtonElement>('page-next'),
  feed: byId('feed'),
};

const trend = new FleetTrend(byId('fleet-chart'));

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
      definitionChangedServers(message).forEach((name) => rows.get(name)?.definitionChanged());
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
  void trend.load(token);
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
  trend.clear();
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

/** Takes a new fleet state; the page shows it at the next frame, however many arrive before. */
function update(next: FleetState): void {
  fleet = next;
  scheduleRender();
}

function setView(next: View): void {
  view = next;
  scheduleRender();
}

function scheduleRender(): void {
  if (!renderPending) {
    renderPending = true;
    requestAnimationFrame(render);
  }
}

function render(): void {
  renderPending = false;
  renderSummary();
  if (!trend.sampled) {
    sampleFleet(Date.now()); // the chart's first bar as soon as the fleet is known
  }
  const selected = selectServers(fleet.servers.values(), view);
  const page = pageOf(selected, view.page);
  if (fleet.loaded) {
    view = { ...view, page: page.page }; // a page past the end (the fleet shrank) is the last one
  }
  renderRows(page.items);
  const query = formatView(view);
  if (query !== location.search.slice(1)) {
    history.replaceState(null, '', query ? `?${query}` : location.pathname);
  }
  ui.empty.hidden = !fleet.loaded || fleet.servers.size > 0;
  ui.noMatch.hidden = fleet.servers.size === 0 || selected.length > 0;
  ui.shown.textContent = fleet.loaded ? `${selected.length} of ${fleet.servers.size} server(s)` : '';
  ui.pager.hidden = page.pages < 2;
  ui.pageLabel.textContent = `${page.first + 1}–${page.first + page.items.length} of ${page.total}`;
  ui.previous.disabled = page.page === 0;
  ui.next.disabled = page.page >= page.pages - 1;
  for (const th of ui.head.querySelectorAll<HTMLElement>('th[data-sort]')) {
    th.setAttribute('aria-sort', th.dataset.sort === view.sort ? (view.direction === 'asc' ? 'ascending' : 'descending') : 'none');
  }
  setOptions(ui.transportFilter, transportsOf(fleet.servers.values()), view.transport);
  ui.statusFilter.value = view.status ?? '';
  if (ui.search.value !== view.query) {
    ui.search.value = view.query;
  }
  ui.alert.hidden = fleet.alert === null;
  ui.alertText.textContent = fleet.alert ? describeAlert(fleet.alert) : '';
}

/** The page's rows, updated in place, so open details and typed input survive. */
function renderRows(servers: readonly Server[]): void {
  const shown = new Set(servers.map((s) => s.name));
  for (const [name, row] of rows) {
    if (!shown.has(name)) {
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
}

/** The count per status; the one filtered on is pressed. */
function renderSummary(): void {
  const counts = countByStatus(fleet.servers.values());
  for (const button of ui.summary.querySelectorAll<HTMLButtonElement>('button[data-filter-status]')) {
    const status = button.dataset.filterStatus as keyof typeof counts;
    const count = button.querySelector<HTMLElement>('[data-count-status]')!;
    const text = fleet.loaded ? String(counts[status]) : '…';
    if (count.textContent !== text) {
      count.textContent = text;
    }
    button.setAttribute('aria-pressed', String(view.status === status));
  }
}

function sampleFleet(now: number): void {
  if (!fleet.loaded) {
    return;
  }
  trend.sample(now, countByStatus(fleet.servers.values()));
}

/** A select's options after its first ('any'), kept when they are the same, so an open list does not close. */
function setOptions(select: HTMLSelectElement, values: string[], selected: string | null): void {
  const current = [...select.options].slice(1).map((o) => o.value);
  const wanted = selected && !values.includes(selected) ? [...values, selected] : values;
  if (current.join('\n') !== wanted.join('\n')) {
    select.replaceChildren(select.options[0]!, ...wanted.map((v) => h('option', { value: v }, v.replace(/_/g, ' '))));
  }
  select.value = selected ?? '';
}

function addFeed(entries: FeedEntry[]): void {
  // A mass failure brings one entry per server: only the newest can stay.
  for (const entry of entries.slice(-FEED_LIMIT)) {
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

/** The sortable header, the summary's counts and the filters; each changes the view. */
function buildControls(): void {
  ui.head.replaceChildren(h('tr', {}, ...COLUMNS.map((column) => {
    if (!column.sort) {
      return h('th', { scope: 'col' }, column.label);
    }
    const key = column.sort;
    const button = h('button', { type: 'button', class: 'sort', 'data-sort-key': key }, column.label);
    button.addEventListener('click', () => setView(toggleSort(view, key)));
    return h('th', { scope: 'col', 'data-sort': key, 'aria-sort': 'none' }, button);
  })));
  ui.summary.replaceChildren(...KNOWN_STATUSES.map((status) => {
    const button = h('button', { type: 'button', class: `count count-${status}`, 'data-filter-status': status, 'aria-pressed': 'false', title: `Show only ${status.replace(/_/g, ' ')} servers` },
      h('span', { class: 'count-number', 'data-count-status': status }, '…'), h('span', { class: 'count-label' }, status.replace(/_/g, ' ')));
    button.addEventListener('click', () => setView({ ...view, status: view.status === status ? null : status, page: 0 }));
    return h('li', {}, button);
  }));
  ui.statusFilter.append(...KNOWN_STATUSES.map((status) => h('option', { value: status }, status.replace(/_/g, ' '))));
  ui.search.addEventListener('input', () => setView({ ...view, query: ui.search.value, page: 0 }));
  ui.statusFilter.addEventListener('change', () => setView({ ...view, status: statusFilter(ui.statusFilter.value), page: 0 }));
  ui.transportFilter.addEventListener('change', () => setView({ ...view, transport: ui.transportFilter.value || null, page: 0 }));
  byId('filters').addEventListener('submit', (event) => event.preventDefault());
  ui.previous.addEventListener('click', () => setView({ ...view, page: view.page - 1 }));
  ui.next.addEventListener('click', () => setView({ ...view, page: view.page + 1 }));
}

function start(): void {
  buildControls();
  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(ui.tokenInput.value.trim());
  });
  ui.signOut.addEventListener('click', () => signOut());
  byId('alert-dismiss').addEventListener('click', () => update(dismissAlert(fleet)));
  let seconds = 0;
  setInterval(() => {
    const now = Date.now();
    for (const row of rows.values()) {
      row.tick(now);
    }
    if (seconds++ % SAMPLE_EVERY_S === 0) {
      sampleFleet(now);
    }
  }, 1000);
  void offerDevSignIn();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (!saved || !signIn(saved)) {
    signOut(ui.signInError.textContent ?? '');
  }
}

start();

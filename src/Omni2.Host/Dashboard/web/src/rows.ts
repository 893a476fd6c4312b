// One server in the table: its row, and the details it expands to (tools, call form, status
// history and health log).
import { api, describeError } from './api';
import { historyChart } from './charts';
import { ADMIN_ACTIONS, getAdminButtonState, getButtonState, type AdminAction } from './buttons';
import type { ConnectionState } from './connection';
import { h, setButton } from './dom';
import { historySpans, readTransitions } from './history';
import { changedFields, isRecord, statusKind, str, type Server } from './model';
import { formatAgo, formatCountdown } from './time';
import { canCallTools, type Role } from './token';
import { PendingTools } from './pendingTools';
import { parseTools, ToolForm, type Tool } from './toolForm';
import type { SortKey } from './view';

export interface RowContext {
  token(): string;
  role(): Role | null;
  connection(): ConnectionState;
  /** A server view the API returned (after an admin action), to show before the hub reports it. */
  onServerView(view: unknown): void;
  log(text: string, level: 'info' | 'warn' | 'error'): void;
}

export const COLUMNS: { label: string; sort: SortKey | null }[] = [
  { label: 'Server', sort: 'name' },
  { label: 'Transport', sort: 'transport' },
  { label: 'Status', sort: 'status' },
  { label: 'Circuit', sort: 'circuit' },
  { label: 'Failures', sort: 'failures' },
  { label: 'Last check', sort: 'last_check' },
  { label: 'Next attempt', sort: 'next_attempt' },
  { label: 'Tools', sort: 'tools' },
  { label: 'Actions', sort: null },
];

/** The window of the status history an expanded row shows. */
const HISTORY_MS = 24 * 3_600_000;
const LOG_ROWS = 10;

export class ServerRow {
  readonly main: HTMLTableRowElement;
  readonly detail: HTMLTableRowElement;
  private readonly cells: Record<'toggle' | 'transport' | 'status' | 'notEnabled' | 'circuit' | 'failures' | 'lastCheck' | 'next' | 'tools', HTMLElement>;
  private readonly callButton: HTMLButtonElement | null;
  private readonly adminButtons = new Map<AdminAction, HTMLButtonElement>();
  private readonly toolList = h('div', { class: 'tool-list' });
  private readonly formSlot = h('div', { class: 'form-slot' });
  private readonly logBody = h('tbody');
  private readonly historySlot = h('div', { class: 'history-slot' });
  private readonly historyHover = h('p', { class: 'history-hover muted', 'aria-live': 'polite' });
  private readonly lastError = h('p', { class: 'last-error', hidden: true });
  private expanded = false;
  private toolsKey = '';
  private logVersion = -1;
  private form: ToolForm | null = null;
  private readonly pending: PendingTools | null;

  constructor(private server: Server, private readonly ctx: RowContext) {
    const toggle = h('button', { class: 'toggle', 'data-action': 'expand', 'aria-expanded': 'false', title: 'Show tools and details' }, '▸ ', server.name);
    toggle.addEventListener('click', () => this.setExpanded(!this.expanded));
    this.cells = {
      toggle,
      transport: h('td', { 'data-field': 'transport' }),
      status: h('span', { class: 'badge', 'data-field': 'status' }),
      notEnabled: h('span', { class: 'flag', title: 'The server is switched off in its configuration' }, 'not enabled'),
      circuit: h('td', { 'data-field': 'circuit' }),
      failures: h('td', { 'data-field': 'failures', class: 'num' }),
      lastCheck: h('td', { 'data-field': 'last-check' }),
      next: h('td', { 'data-field': 'next-attempt' }),
      tools: h('td', { 'data-field': 'tool-count', class: 'num' }),
    };
    const actions = h('td', { class: 'actions' });
    this.callButton = canCallTools(ctx.role()) ? h('button', { 'data-action': 'call' }, 'Call…') : null;
    this.callButton?.addEventListener('click', () => {
      this.setExpanded(true);
      this.form?.focus();
    });
    actions.append(...[this.callButton].filter((b): b is HTMLButtonElement => b !== null));
    if (ctx.role() === 'admin') {
      for (const action of ADMIN_ACTIONS) {
        const button = h('button', { 'data-action': action, class: 'secondary' }, action);
        button.addEventListener('click', () => void this.admin(action, button));
        this.adminButtons.set(action, button);
        actions.append(button);
      }
    }
    this.main = h('tr', { 'data-server': server.name, class: 'server' },
      h('td', {}, toggle), this.cells.transport, h('td', {}, this.cells.status, ' ', this.cells.notEnabled), this.cells.circuit, this.cells.failures,
      this.cells.lastCheck, this.cells.next, this.cells.tools, actions);
    this.pending = ctx.role() === 'admin' ? new PendingTools(server.name, () => ctx.token(), (text, level) => ctx.log(text, level)) : null;
    const sections: Node[] = [
      h('section', { class: 'tools' }, h('h3', {}, 'Tools'), this.pending?.element, this.toolList, this.formSlot),
      h('section', { class: 'log' },
        h('h3', {}, 'Status history, last 24 hours'), this.historySlot, this.historyHover,
        h('h3', {}, 'Recent transitions'),
        h('table', { class: 'log-table' },
          h('thead', {}, h('tr', {}, ...['When', 'Event', 'From', 'To', 'Reason'].map((c) => h('th', {}, c)))),
          this.logBody)),
    ];
    this.detail = h('tr', { class: 'detail', 'data-detail-for': server.name, hidden: true },
      h('td', { colspan: String(COLUMNS.length) }, this.lastError, h('div', { class: 'detail-grid' }, ...sections)));
    this.render();
  }

  get name(): string {
    return this.server.name;
  }

  /** Redraws what changed: nothing for the same view, only the last-check cell for a newer check. */
  update(server: Server): void {
    const changed = changedFields(this.server, server);
    this.server = server;
    if (changed.length === 0) {
      return;
    }
    if (changed.every((field) => field === 'last_check_at')) {
      this.showLastCheck(Date.now());
    } else {
      this.render();
    }
  }

  private render(): void {
    const server = this.server;
    const kind = statusKind(server.health_status);
    this.cells.transport.textContent = (server.transport ?? '—').replace(/_/g, ' ');
    this.cells.status.textContent = server.health_status.replace(/_/g, ' ');
    this.cells.status.className = `badge badge-${kind}`;
    this.cells.status.dataset.status = server.health_status;
    this.cells.circuit.textContent = (server.circuit_state ?? '—').replace(/_/g, ' ');
    this.cells.failures.textContent = server.consecutive_failures === null ? '—' : String(server.consecutive_failures);
    this.cells.tools.textContent = server.tool_count === null ? '—' : String(server.tool_count);
    this.lastError.hidden = !server.last_error || kind === 'healthy';
    this.lastError.textContent = server.last_error ? `Last error: ${server.last_error}` : '';
    this.main.classList.toggle('muted-row', server.enabled === false);
    this.cells.notEnabled.hidden = server.enabled !== false;
    this.tick(Date.now());
    this.refreshButtons();
    if (this.expanded) {
      this.refreshDetails();
    }
  }

  /** The server presented a changed tool definition: an admin's open row shows it at once. */
  definitionChanged(): void {
    if (this.expanded) {
      void this.pending?.refresh();
    }
  }

  /** The tool buttons' states, for the current server and connection. */
  refreshButtons(): void {
    const connection = this.ctx.connection();
    const state = getButtonState(this.server, connection);
    if (this.callButton) {
      setButton(this.callButton, state);
    }
    this.form?.setState(state);
    for (const [action, button] of this.adminButtons) {
      setButton(button, getAdminButtonState(action, this.server, connection));
    }
  }

  /** The relative times, as the clock moves on (every second, for every row). */
  tick(now: number): void {
    this.showLastCheck(now);
    showTime(this.cells.next, formatCountdown(this.server.next_attempt_at, now), this.server.next_attempt_at);
  }

  private showLastCheck(now: number): void {
    showTime(this.cells.lastCheck, formatAgo(this.server.last_check_at, now), this.server.last_check_at);
  }

  private setExpanded(expanded: boolean): void {
    this.expanded = expanded;
    this.detail.hidden = !expanded;
    this.cells.toggle.setAttribute('aria-expanded', String(expanded));
    this.cells.toggle.firstChild!.textContent = expanded ? '▾ ' : '▸ ';
    if (expanded) {
      this.refreshDetails();
    } else {
      this.toolsKey = '';
      this.logVersion = -1;
    }
  }

  /** Reloads what changed: tools when health or tool count did, the history when the version did. */
  private refreshDetails(): void {
    const key = `${this.server.health_status}|${this.server.tool_count}`;
    if (key !== this.toolsKey) {
      this.toolsKey = key;
      void this.loadTools(key);
      void this.pending?.refresh();
    }
    if (this.server.version !== this.logVersion) {
      this.logVersion = this.server.version;
      void this.loadHistory(this.server.version);
    }
  }

  private async loadTools(key: string): Promise<void> {
    if (this.server.health_status !== 'healthy') {
      this.showTools([], `Tools are listed while the server is healthy${this.server.tool_count ? ` (it had ${this.server.tool_count})` : ''}.`);
      return;
    }
    const result = await api.tools(this.ctx.token(), this.server.name);
    if (key !== this.toolsKey) {
      return; // a newer load is on its way
    }
    if (!result.ok) {
      this.showTools([], describeError(result));
      return;
    }
    const tools = parseTools(result.body);
    this.showTools(tools, tools.length === 0 ? 'This server has no tools.' : null);
  }

  private showTools(tools: Tool[], message: string | null): void {
    this.toolList.replaceChildren(
      ...(message ? [h('p', { class: 'muted' }, message)] : []),
      ...tools.map((tool) => {
        const button = h('button', { class: 'tool', 'data-tool': tool.name, title: tool.description ?? '' }, tool.name);
        button.addEventListener('click', () => this.select(tool));
        return button;
      }));
    const selected = this.form ? tools.find((t) => t.name === this.form!.tool.name) : undefined;
    if (selected) {
      return; // keep what the user typed
    }
    this.form = null;
    this.formSlot.replaceChildren();
    if (tools[0] && canCallTools(this.ctx.role())) {
      this.select(tools[0]);
    }
  }

  private select(tool: Tool): void {
    if (!canCallTools(this.ctx.role())) {
      return;
    }
    this.form = new ToolForm(this.server.name, tool, () => this.ctx.token());
    this.formSlot.replaceChildren(this.form.element);
    for (const button of this.toolList.querySelectorAll<HTMLButtonElement>('button.tool')) {
      button.classList.toggle('selected', button.dataset.tool === tool.name);
    }
    this.refreshButtons();
  }

  private async loadHistory(version: number): Promise<void> {
    const now = Date.now();
    const result = await api.healthLogSince(this.ctx.token(), this.server.name, new Date(now - HISTORY_MS));
    if (version !== this.logVersion) {
      return;
    }
    if (!result.ok) {
      this.historySlot.replaceChildren(h('p', { class: 'muted' }, describeError(result)));
      this.logBody.replaceChildren(h('tr', {}, h('td', { colspan: '5', class: 'muted' }, describeError(result))));
      return;
    }
    const history = historySpans(readTransitions(result.events), now - HISTORY_MS, now, this.server.health_status);
    this.historyHover.textContent = 'Hover or focus a mark to see its transition.';
    this.historySlot.replaceChildren(historyChart(history, (text) => { this.historyHover.textContent = text; }));
    const events = result.events.filter(isRecord).slice(0, LOG_ROWS);
    this.logBody.replaceChildren(...(events.length === 0
      ? [h('tr', {}, h('td', { colspan: '5', class: 'muted' }, 'No transitions in the last 24 hours.'))]
      : events.map((e) => h('tr', {},
        h('td', { title: str(e.created_at) ?? '' }, formatAgo(str(e.created_at), now)),
        h('td', {}, str(e.event_type) ?? '—'),
        h('td', {}, str(e.old_status) ?? '—'),
        h('td', {}, str(e.new_status) ?? '—'),
        h('td', {}, str(e.reason) ?? '')))));
  }

  private async admin(action: AdminAction, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const result = await api.admin(this.ctx.token(), this.server.name, action);
    if (result.ok) {
      this.ctx.log(`${this.server.name}: ${action} done`, 'info');
      if (isRecord(result.body)) {
        this.ctx.onServerView(result.body.status);
      }
    } else {
      this.ctx.log(`${this.server.name}: ${action} failed — ${describeError(result)}`, 'error');
    }
    this.refreshButtons();
  }
}

/** A relative time with its exact value as the tooltip; the DOM is written only when they change. */
function showTime(cell: HTMLElement, text: string, iso: string | null): void {
  if (cell.textContent !== text) {
    cell.textContent = text;
  }
  if (cell.title !== (iso ?? '')) {
    cell.title = iso ?? '';
  }
}

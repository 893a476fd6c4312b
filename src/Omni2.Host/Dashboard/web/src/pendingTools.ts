// An expanded row's pending tools, for admins: each tool whose server presents a changed definition,
// with what changed and an Approve button.
import { api, describeError } from './api';
import { h } from './dom';
import { diffDefinitions, parsePins, pendingTools, type ToolPin } from './pins';

export class PendingTools {
  readonly element = h('section', { class: 'pending-tools', hidden: true });
  private loading = 0;

  constructor(private readonly server: string, private readonly token: () => string, private readonly log: (text: string, level: 'info' | 'warn' | 'error') => void) {}

  async refresh(): Promise<void> {
    const load = ++this.loading;
    const result = await api.toolPins(this.token(), this.server);
    if (load !== this.loading) {
      return; // a newer load is on its way
    }
    if (!result.ok) {
      this.show([], describeError(result));
      return;
    }
    this.show(pendingTools(parsePins(result.body).tools), null);
  }

  private show(pending: ToolPin[], error: string | null): void {
    this.element.hidden = pending.length === 0 && error === null;
    this.element.replaceChildren(
      h('h3', {}, 'Changed tool definitions awaiting approval'),
      ...(error ? [h('p', { class: 'muted' }, error)] : []),
      ...pending.map((tool) => this.pendingTool(tool)));
  }

  private pendingTool(tool: ToolPin): HTMLElement {
    const approve = h('button', { 'data-action': 'approve-tool', 'data-tool': tool.name }, `Approve ${tool.name}`);
    approve.addEventListener('click', () => void this.approve(tool.name, approve));
    const rows = diffDefinitions(tool.approved, tool.presented).map((change) =>
      h('tr', {}, h('td', { class: 'path' }, change.path), h('td', { class: 'before' }, change.before ?? '—'), h('td', { class: 'after' }, change.after ?? '—')));
    return h('div', { class: 'pending-tool', 'data-pending-tool': tool.name },
      h('p', {}, h('strong', {}, tool.name), tool.changed_at ? ` changed ${tool.changed_at}` : ''),
      h('table', { class: 'diff-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Field'), h('th', {}, 'Approved'), h('th', {}, 'Presented'))),
        h('tbody', {}, ...rows)),
      approve);
  }

  private async approve(tool: string, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const result = await api.approveTools(this.token(), this.server, [tool]);
    this.log(result.ok ? `${this.server}: ${tool} approved` : `${this.server}: approving ${tool} failed — ${describeError(result)}`, result.ok ? 'info' : 'error');
    await this.refresh();
  }
}

// The form that calls one tool: inputs from its schema, the call, and what came back.
import { api, describeError } from './api';
import { setButton, h } from './dom';
import { isRecord, str } from './model';
import { buildArguments, formFromSchema, type Field, type FieldValues } from './schema';
import type { ButtonState } from './buttons';

export interface Tool {
  name: string;
  description: string | null;
  inputSchema: unknown;
}

export function parseTools(body: unknown): Tool[] {
  const items = isRecord(body) && Array.isArray(body.tools) ? body.tools : [];
  return items.flatMap((t): Tool[] => {
    const name = isRecord(t) ? str(t.name) : null;
    return isRecord(t) && name ? [{ name, description: str(t.description), inputSchema: t.input_schema }] : [];
  });
}

export class ToolForm {
  readonly element: HTMLFormElement;
  private readonly submit: HTMLButtonElement;
  private readonly result: HTMLPreElement;
  private readonly inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>();
  private readonly raw: HTMLTextAreaElement | null = null;
  private readonly form;
  private state: ButtonState = { disabled: true, tooltip: 'Unknown status' };
  private calling = false;

  constructor(
    private readonly server: string,
    readonly tool: Tool,
    private readonly token: () => string,
  ) {
    this.form = formFromSchema(tool.inputSchema);
    this.submit = h('button', { type: 'submit', 'data-action': 'submit-call' }, `Call ${tool.name}`);
    this.result = h('pre', { class: 'result', 'data-testid': 'call-result', hidden: true });
    const body: Node[] = [];
    if (this.form.kind === 'raw') {
      this.raw = h('textarea', { name: 'arguments', rows: '4', placeholder: '{ }', 'aria-label': 'Arguments (JSON object)' });
      body.push(h('label', { class: 'field' }, h('span', {}, 'Arguments (JSON object)'), this.raw));
    } else {
      for (const field of this.form.fields) {
        body.push(this.fieldRow(field));
      }
      if (this.form.fields.length === 0) {
        body.push(h('p', { class: 'muted' }, 'This tool takes no arguments.'));
      }
    }
    this.element = h('form', { class: 'tool-form', 'data-tool-form': tool.name },
      h('h4', {}, tool.name),
      tool.description ? h('p', { class: 'muted' }, tool.description) : null,
      ...body,
      h('div', { class: 'form-actions' }, this.submit),
      this.result);
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.call();
    });
  }

  setState(state: ButtonState): void {
    this.state = state;
    if (!this.calling) {
      setButton(this.submit, state);
    }
  }

  focus(): void {
    (this.inputs.values().next().value ?? this.raw ?? this.submit).focus();
  }

  private fieldRow(field: Field): HTMLElement {
    const label = `${field.name}${field.required ? ' *' : ''}`;
    let input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;
    if (field.kind === 'boolean') {
      input = h('input', { type: 'checkbox', name: field.name });
    } else if (field.kind === 'json') {
      input = h('textarea', { name: field.name, rows: '3', placeholder: 'JSON' });
    } else if (field.options) {
      input = h('select', { name: field.name }, h('option', { value: '' }, ''), ...field.options.map((o) => h('option', { value: o }, o)));
    } else {
      input = h('input', { type: field.kind === 'string' ? 'text' : 'number', name: field.name, step: field.kind === 'integer' ? '1' : field.kind === 'number' ? 'any' : undefined });
    }
    this.inputs.set(field.name, input);
    return h('label', { class: 'field' },
      h('span', {}, label, field.kind === 'json' ? h('small', {}, ' (JSON)') : null),
      input,
      field.description ? h('small', { class: 'muted' }, field.description) : null);
  }

  private values(): FieldValues {
    const values: FieldValues = {};
    for (const [name, input] of this.inputs) {
      values[name] = input instanceof HTMLInputElement && input.type === 'checkbox' ? input.checked : input.value;
    }
    return values;
  }

  private async call(): Promise<void> {
    if (this.submit.disabled) {
      return;
    }
    const args = buildArguments(this.form, this.values(), this.raw?.value ?? '');
    if (!args.ok) {
      this.show(args.errors.join('; '), 'error');
      return;
    }
    this.calling = true;
    this.submit.disabled = true;
    this.show('Calling…', 'pending');
    const result = await api.call(this.token(), this.server, this.tool.name, args.arguments);
    this.calling = false;
    setButton(this.submit, this.state);
    if (!result.ok) {
      this.show(describeError(result), 'error');
      return;
    }
    const body = isRecord(result.body) ? result.body : {};
    const text = contentText(body.content);
    const structured = body.structured_content === undefined || body.structured_content === null ? '' : `\n\nstructured: ${JSON.stringify(body.structured_content, null, 2)}`;
    const duration = typeof body.duration_ms === 'number' ? `\n\n(${body.duration_ms} ms)` : '';
    this.show(`${text}${structured}${duration}`, body.is_error === true ? 'error' : 'ok');
  }

  private show(text: string, kind: 'ok' | 'error' | 'pending'): void {
    this.result.hidden = false;
    this.result.textContent = text;
    this.result.dataset.kind = kind;
  }
}

/** The text of MCP content blocks; anything else as JSON. */
function contentText(content: unknown): string {
  if (!Array.isArray(content)) {
    return JSON.stringify(content ?? null);
  }
  return content.map((block) => (isRecord(block) && block.type === 'text' && typeof block.text === 'string' ? block.text : JSON.stringify(block))).join('\n');
}

// A tool's JSON schema as form fields, and the fields' values back as call arguments.
import { isRecord, str } from './model';

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  /** Allowed values of a string field, from its enum. */
  options: string[] | null;
}

/** A form: fields per property, or (when the schema says nothing usable) one JSON object for all arguments. */
export type ToolForm = { kind: 'fields'; fields: Field[] } | { kind: 'raw' };

const SIMPLE: readonly FieldKind[] = ['string', 'number', 'integer', 'boolean'];

export function formFromSchema(schema: unknown): ToolForm {
  if (!isRecord(schema) || (schema.properties !== undefined && !isRecord(schema.properties))) {
    return { kind: 'raw' };
  }
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const fields = Object.entries(properties).map(([name, property]): Field => {
    const kind = kindOf(property);
    const options = kind === 'string' && isRecord(property) && Array.isArray(property.enum)
      ? property.enum.filter((v): v is string => typeof v === 'string')
      : null;
    return {
      name,
      kind,
      required: required.includes(name),
      description: isRecord(property) ? str(property.description) : null,
      options: options && options.length > 0 ? options : null,
    };
  });
  return { kind: 'fields', fields };
}

/** The property's simple type (a nullable type counts as its non-null part), else 'json'. */
function kindOf(property: unknown): FieldKind {
  if (!isRecord(property)) {
    return 'json';
  }
  const types = (Array.isArray(property.type) ? property.type : [property.type]).filter((t) => t !== 'null');
  const only = types.length === 1 ? types[0] : undefined;
  return SIMPLE.includes(only as FieldKind) ? (only as FieldKind) : 'json';
}

/** What the user typed: text for every field, a flag for booleans. */
export type FieldValues = Record<string, string | boolean | undefined>;

export type Arguments = { ok: true; arguments: Record<string, unknown> } | { ok: false; errors: string[] };

export function buildArguments(form: ToolForm, values: FieldValues, raw = ''): Arguments {
  if (form.kind === 'raw') {
    return parseRaw(raw);
  }
  const args: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const field of form.fields) {
    const value = values[field.name];
    if (field.kind === 'boolean') {
      if (typeof value === 'boolean') {
        args[field.name] = value;
      }
      continue;
    }
    const text = typeof value === 'string' ? value : '';
    if (text.trim() === '') {
      if (field.required) {
        errors.push(`${field.name} is required`);
      }
      continue;
    }
    switch (field.kind) {
      case 'string':
        args[field.name] = text;
        break;
      case 'number':
      case 'integer': {
        const number = Number(text.trim());
        if (!Number.isFinite(number) || (field.kind === 'integer' && !Number.isInteger(number))) {
          errors.push(`${field.name} must be ${field.kind === 'integer' ? 'a whole number' : 'a number'}`);
        } else {
          args[field.name] = number;
        }
        break;
      }
      case 'json':
        try {
          args[field.name] = JSON.parse(text);
        } catch {
          errors.push(`${field.name} is not valid JSON`);
        }
        break;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, arguments: args };
}

function parseRaw(raw: string): Arguments {
  if (raw.trim() === '') {
    return { ok: true, arguments: {} };
  }
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? { ok: true, arguments: parsed } : { ok: false, errors: ['arguments must be a JSON object'] };
  } catch {
    return { ok: false, errors: ['arguments are not valid JSON'] };
  }
}

import { describe, expect, it } from 'vitest';
import { buildArguments, formFromSchema, type ToolForm } from '../src/schema';

const echo = { type: 'object', properties: { message: { type: 'string', description: 'Text to return.' } }, required: ['message'] };

describe('formFromSchema', () => {
  it('makes a field per property, with kind, required flag and description', () => {
    const form = formFromSchema({
      type: 'object',
      properties: {
        message: { type: 'string', description: 'Text' },
        a: { type: 'integer' },
        ratio: { type: 'number' },
        loud: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } },
        options: { type: 'object' },
        anything: {},
        maybe: { type: ['string', 'null'] },
        either: { type: ['string', 'number'] },
        mode: { type: 'string', enum: ['fast', 'slow', 3] },
      },
      required: ['message', 'a', 42],
    });
    expect(form.kind).toBe('fields');
    const fields = form.kind === 'fields' ? form.fields : [];
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['message', 'string', true], ['a', 'integer', true], ['ratio', 'number', false], ['loud', 'boolean', false],
      ['tags', 'json', false], ['options', 'json', false], ['anything', 'json', false], ['maybe', 'string', false],
      ['either', 'json', false], ['mode', 'string', false],
    ]);
    expect(fields[0]?.description).toBe('Text');
    expect(fields.find((f) => f.name === 'mode')?.options).toEqual(['fast', 'slow']);
  });

  it('an object schema without properties is a form with no fields', () => {
    expect(formFromSchema({ type: 'object' })).toEqual({ kind: 'fields', fields: [] });
  });

  it.each([null, undefined, 'string', 42, [], { properties: 'nope' }, { properties: [] }])('falls back to raw JSON for %j', (schema) => {
    expect(formFromSchema(schema)).toEqual({ kind: 'raw' });
  });

  it('a property that is not an object is a JSON field', () => {
    const form = formFromSchema({ properties: { odd: 5 } });
    expect(form.kind === 'fields' && form.fields[0]?.kind).toBe('json');
  });
});

describe('buildArguments', () => {
  const form = formFromSchema({
    properties: { message: { type: 'string' }, a: { type: 'integer' }, x: { type: 'number' }, loud: { type: 'boolean' }, tags: { type: 'array' } },
    required: ['message'],
  });

  it('converts each field to its type and leaves empty optional fields out', () => {
    expect(buildArguments(form, { message: 'hi', a: '3', x: '2.5', loud: true, tags: '["a"]' })).toEqual({
      ok: true, arguments: { message: 'hi', a: 3, x: 2.5, loud: true, tags: ['a'] },
    });
    expect(buildArguments(form, { message: 'hi', a: '', x: '  ' })).toEqual({ ok: true, arguments: { message: 'hi' } });
  });

  it('keeps a string as typed, spaces included', () => {
    expect(buildArguments(formFromSchema(echo), { message: ' hello ' })).toEqual({ ok: true, arguments: { message: ' hello ' } });
  });

  it('a false checkbox is sent as false', () => {
    expect(buildArguments(form, { message: 'm', loud: false })).toEqual({ ok: true, arguments: { message: 'm', loud: false } });
  });

  it('says what is wrong: required, numbers, whole numbers, JSON', () => {
    const result = buildArguments(form, { a: '1.5', x: 'abc', tags: '[oops' });
    expect(result).toEqual({ ok: false, errors: ['message is required', 'a must be a whole number', 'x must be a number', 'tags is not valid JSON'] });
  });

  it('values of the wrong type are treated as empty', () => {
    expect(buildArguments(form, { message: true as unknown as string })).toEqual({ ok: false, errors: ['message is required'] });
  });

  describe('raw JSON', () => {
    const raw: ToolForm = { kind: 'raw' };
    it('parses an object, and empty means no arguments', () => {
      expect(buildArguments(raw, {}, '{"a": 1}')).toEqual({ ok: true, arguments: { a: 1 } });
      expect(buildArguments(raw, {}, '  ')).toEqual({ ok: true, arguments: {} });
    });
    it.each(['[1]', '"x"', 'null', '{bad'])('rejects %s', (text) => {
      expect(buildArguments(raw, {}, text).ok).toBe(false);
    });
  });
});

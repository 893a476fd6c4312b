import { describe, expect, it } from 'vitest';
import { describeError, type ApiResult } from '../src/api';
import { parseTools } from '../src/toolForm';

const failed = (status: number, body: unknown): ApiResult => ({ status, ok: false, body, headers: null });

describe('describeError', () => {
  it('shows a problem\'s title, detail and field errors', () => {
    expect(describeError(failed(503, { title: 'MCP server unavailable', detail: 'circuit open; retry in 30 s' })))
      .toBe('HTTP 503: MCP server unavailable — circuit open; retry in 30 s');
    expect(describeError(failed(400, { title: 'Invalid request', errors: { tool: ['is required'], x: 'odd' } })))
      .toBe('HTTP 400: Invalid request — tool is required');
  });

  it('copes with bodies that are not problems', () => {
    expect(describeError(failed(502, 'Bad gateway'))).toBe('HTTP 502: Bad gateway');
    expect(describeError(failed(500, null))).toBe('HTTP 500');
    expect(describeError(failed(418, {}))).toBe('HTTP 418');
    expect(describeError(failed(0, 'Failed to fetch'))).toBe('The server could not be reached (Failed to fetch).');
  });
});

describe('parseTools', () => {
  it('keeps tools with a name and passes their schema on', () => {
    const tools = parseTools({ tools: [{ name: 'echo', description: 'd', input_schema: { type: 'object' } }, { description: 'nameless' }, null, 'x'] });
    expect(tools).toEqual([{ name: 'echo', description: 'd', inputSchema: { type: 'object' } }]);
  });

  it.each([null, {}, { tools: 'no' }, []])('no tools from %j', (body) => {
    expect(parseTools(body)).toEqual([]);
  });
});

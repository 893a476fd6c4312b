import { describe, expect, it } from 'vitest';
import { historySpans, largestTotal, mergeBuckets, readCountBuckets, readTransitions, recordCounts } from '../src/history';
import type { StatusCounts } from '../src/view';

const HOUR = 3_600_000;
const t0 = Date.parse('2026-11-24T00:00:00Z');
const at = (hours: number) => new Date(t0 + hours * HOUR).toISOString();
const event = (hours: number, old_status: string, new_status: string, reason?: string) => ({ created_at: at(hours), old_status, new_status, reason });

describe('the status history', () => {
  it('an empty log is one span of the current status', () => {
    const history = historySpans(readTransitions([]), t0, t0 + 24 * HOUR, 'healthy');
    expect(history.spans).toEqual([{ status: 'healthy', from: t0, to: t0 + 24 * HOUR }]);
    expect(history.uptime).toBe(100);
  });

  it('spans follow the transitions; before the first, the server was in its old status', () => {
    const history = historySpans(readTransitions([
      event(18, 'disconnected', 'healthy'),
      event(12, 'healthy', 'disconnected', 'connection refused'),
    ]), t0, t0 + 24 * HOUR, 'healthy');
    expect(history.spans.map((s) => [s.status, (s.to - s.from) / HOUR])).toEqual([['healthy', 12], ['disconnected', 6], ['healthy', 6]]);
    expect(history.uptime).toBe(75);
    expect(history.transitions.map((t) => t.reason)).toEqual(['connection refused', null]);
  });

  it('a transition before the window gives the status the window starts in', () => {
    const history = historySpans(readTransitions([event(-2, 'healthy', 'circuit_open')]), t0, t0 + 24 * HOUR, 'healthy');
    expect(history.spans).toEqual([{ status: 'circuit_open', from: t0, to: t0 + 24 * HOUR }]);
    expect(history.transitions).toEqual([]);
    expect(history.uptime).toBe(0);
  });

  it('malformed events are skipped and unknown statuses are unknown', () => {
    const history = historySpans(readTransitions([
      null, 7, 'x', { created_at: 'yesterday', new_status: 'healthy' }, { new_status: 'healthy' },
      event(6, 'melting', 'healthy'),
    ]), t0, t0 + 24 * HOUR, 'healthy');
    expect(history.spans.map((s) => s.status)).toEqual(['unknown', 'healthy']);
    expect(history.transitions).toHaveLength(1);
    expect(history.uptime).toBe(100); // of the time the status was known
  });

  it('a server never checked has no uptime', () => {
    expect(historySpans([], t0, t0 + HOUR, 'unknown').uptime).toBeNull();
  });

  it('transitions that change nothing or happen at once leave no empty or repeated span', () => {
    const history = historySpans(readTransitions([
      event(6, 'healthy', 'healthy'),
      event(12, 'healthy', 'disconnected'),
      event(12, 'disconnected', 'circuit_open'),
    ]), t0, t0 + 24 * HOUR, 'circuit_open');
    expect(history.spans.map((s) => s.status)).toEqual(['healthy', 'circuit_open']);
  });

  it('an empty window is not a division by zero', () => {
    expect(historySpans([], t0, t0, 'healthy')).toMatchObject({ spans: [], uptime: null });
  });
});

describe('the fleet chart buckets', () => {
  const counts = (healthy: number, disconnected = 0): StatusCounts => ({ healthy, disconnected, circuit_open: 0, disabled: 0, unknown: 0 });
  const MINUTE = 60_000;

  it('the newest counts of a minute stand for it', () => {
    let buckets = recordCounts([], t0 + 5_000, counts(10), MINUTE, HOUR);
    buckets = recordCounts(buckets, t0 + 50_000, counts(4, 6), MINUTE, HOUR);
    expect(buckets).toEqual([{ at: t0, counts: counts(4, 6) }]);
  });

  it('a new minute is a new bucket, and buckets older than the window go', () => {
    let buckets = recordCounts([], t0, counts(10), MINUTE, HOUR);
    buckets = recordCounts(buckets, t0 + 30 * MINUTE, counts(9), MINUTE, HOUR);
    expect(buckets.map((b) => b.at)).toEqual([t0, t0 + 30 * MINUTE]);
    buckets = recordCounts(buckets, t0 + 61 * MINUTE, counts(8), MINUTE, HOUR);
    expect(buckets.map((b) => b.at)).toEqual([t0 + 30 * MINUTE, t0 + 61 * MINUTE]);
  });

  it('the scale is the largest total, at least one', () => {
    expect(largestTotal([])).toBe(1);
    expect(largestTotal([{ at: t0, counts: counts(3, 4) }, { at: t0 + MINUTE, counts: counts(2) }])).toBe(7);
  });

  const served = (...buckets: unknown[]) => ({ bucket_seconds: 60, buckets });
  const minute = (m: number) => new Date(t0 + m * MINUTE).toISOString();
  const wire = (healthy: number, disconnected = 0) => ({ healthy, disconnected, circuit_open: 0, disabled: 0, unknown: 0 });

  it("the server's history reads as buckets at their starts", () => {
    expect(readCountBuckets(served({ at: minute(0), counts: wire(3, 1) }, { at: minute(1), counts: wire(4) }), MINUTE))
      .toEqual([{ at: t0, counts: counts(3, 1) }, { at: t0 + MINUTE, counts: counts(4) }]);
  });

  it('malformed history is skipped, never thrown: no body, other widths, bad buckets and counts', () => {
    for (const body of [null, 'x', [], {}, { bucket_seconds: 10, buckets: [{ at: minute(0), counts: wire(1) }] }, { bucket_seconds: 60, buckets: 'many' }]) {
      expect(readCountBuckets(body, MINUTE)).toEqual([]);
    }
    const read = readCountBuckets(served(
      null, 7, { counts: wire(1) }, { at: 'an hour ago', counts: wire(1) },
      { at: minute(2), counts: { healthy: -1, disconnected: 2.5, circuit_open: '3', melting: 9, unknown: 2 } },
      { at: new Date(t0 + 3 * MINUTE + 20_000).toISOString() },
    ), MINUTE);
    expect(read).toEqual([
      { at: t0 + 2 * MINUTE, counts: { healthy: 0, disconnected: 0, circuit_open: 0, disabled: 0, unknown: 2 } },
      { at: t0 + 3 * MINUTE, counts: counts(0) },
    ]);
  });

  it("the page's own samples win over the server's for the same minute; the server fills the rest", () => {
    const history = [{ at: t0, counts: counts(5) }, { at: t0 + MINUTE, counts: counts(5) }, { at: t0 + 2 * MINUTE, counts: counts(5) }];
    const sampled = [{ at: t0 + 2 * MINUTE, counts: counts(1, 4) }, { at: t0 + 3 * MINUTE, counts: counts(0, 5) }];
    expect(mergeBuckets(history, sampled, t0 + 3 * MINUTE + 1, HOUR)).toEqual([
      { at: t0, counts: counts(5) }, { at: t0 + MINUTE, counts: counts(5) },
      { at: t0 + 2 * MINUTE, counts: counts(1, 4) }, { at: t0 + 3 * MINUTE, counts: counts(0, 5) },
    ]);
  });

  it('merged buckets keep to the window: none older than an hour, none from the future', () => {
    const now = t0 + 2 * HOUR;
    const history = [{ at: now - HOUR, counts: counts(1) }, { at: now - HOUR + MINUTE, counts: counts(2) }, { at: now + MINUTE, counts: counts(3) }];
    expect(mergeBuckets(history, [], now, HOUR).map((b) => b.at)).toEqual([now - HOUR + MINUTE]);
  });
});

// The pictures' arithmetic: a server's health log as spans of status over a window, and the
// fleet's status counts in time buckets. Pure functions that never throw: an event without a
// time is skipped, a status the dashboard does not know is 'unknown', an empty log is one span.
import { isRecord, KNOWN_STATUSES, statusKind, str, type KnownStatus } from './model';
import type { StatusCounts } from './view';
import { parseTime } from './time';

export interface Transition {
  at: number;
  from: KnownStatus;
  to: KnownStatus;
  reason: string | null;
}

export interface Span {
  status: KnownStatus;
  from: number;
  to: number;
}

export interface History {
  from: number;
  to: number;
  spans: Span[];
  /** The transitions inside the window, oldest first. */
  transitions: Transition[];
  /** The healthy share, 0 to 100, of the time the status was known (not 'unknown'); null when it never was. */
  uptime: number | null;
}

/** Health-log events from the API (any order, any shape) as transitions, oldest first. */
export function readTransitions(events: unknown[]): Transition[] {
  return events
    .filter(isRecord)
    .map((e) => ({ at: parseTime(str(e.created_at)), from: statusKind(e.old_status), to: statusKind(e.new_status), reason: str(e.reason) }))
    .filter((t): t is Transition => t.at !== null)
    .sort((a, b) => a.at - b.at);
}

/**
 * The window [from, to] as spans. Before the first transition in it, the server was in that
 * transition's old status (or the last one's new status before the window); with no transition at
 * all, in <paramref name="current"/> throughout.
 */
export function historySpans(transitions: Transition[], from: number, to: number, current: unknown): History {
  const before = transitions.filter((t) => t.at < from);
  const inside = transitions.filter((t) => t.at >= from && t.at <= to);
  let status: KnownStatus = inside[0]?.from ?? before[before.length - 1]?.to ?? statusKind(current);
  let cursor = from;
  const spans: Span[] = [];
  const add = (end: number) => {
    const last = spans[spans.length - 1];
    if (end <= cursor) {
      return;
    }
    if (last && last.status === status) {
      last.to = end;
    } else {
      spans.push({ status, from: cursor, to: end });
    }
    cursor = end;
  };
  for (const transition of inside) {
    add(transition.at);
    status = transition.to;
  }
  add(to);
  const time = (status: KnownStatus | null) => spans.filter((s) => status === null || s.status === status).reduce((sum, s) => sum + s.to - s.from, 0);
  const known = time(null) - time('unknown');
  return { from, to, spans, transitions: inside, uptime: known > 0 ? (100 * time('healthy')) / known : null };
}

export interface CountBucket {
  /** The bucket's start (ms since the epoch). */
  at: number;
  counts: StatusCounts;
}

/**
 * Adds the fleet's counts at <paramref name="now"/> to the buckets: the newest counts of a bucket
 * stand for it, and buckets older than the window are dropped. Returns a new list.
 */
export function recordCounts(buckets: readonly CountBucket[], now: number, counts: StatusCounts, bucketMs: number, windowMs: number): CountBucket[] {
  const at = Math.floor(now / bucketMs) * bucketMs;
  const kept = buckets.filter((b) => b.at > now - windowMs && b.at !== at);
  return [...kept, { at, counts: { ...counts } }].sort((a, b) => a.at - b.at);
}

/** The largest total of any bucket (at least 1, so a chart's scale never divides by zero). */
export function largestTotal(buckets: readonly CountBucket[]): number {
  return Math.max(1, ...buckets.map((b) => KNOWN_STATUSES.reduce((sum, s) => sum + b.counts[s], 0)));
}

/**
 * The API's fleet history (GET /api/v1/mcp/status/history, any shape) as buckets of <paramref name="bucketMs"/>:
 * nothing when its buckets are another width; a bucket without a time is skipped, one off its boundary moved
 * onto it, a count that is not a whole number from 0 is 0, a status the page does not know is left out.
 */
export function readCountBuckets(body: unknown, bucketMs: number): CountBucket[] {
  if (!isRecord(body) || body.bucket_seconds !== bucketMs / 1000 || !Array.isArray(body.buckets)) {
    return [];
  }
  const count = (value: unknown) => (typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0);
  return body.buckets
    .filter(isRecord)
    .map((b) => ({ at: parseTime(str(b.at)), counts: isRecord(b.counts) ? b.counts : {} }))
    .filter((b): b is { at: number; counts: Record<string, unknown> } => b.at !== null)
    .map((b) => ({
      at: Math.floor(b.at / bucketMs) * bucketMs,
      counts: Object.fromEntries(KNOWN_STATUSES.map((s) => [s, count(b.counts[s])])) as StatusCounts,
    }));
}

/**
 * The server's buckets under the page's own samples: one bucket per start, the sample winning where both
 * have one (it is as new or newer), only buckets inside the window. Returns a new list, oldest first.
 */
export function mergeBuckets(history: readonly CountBucket[], sampled: readonly CountBucket[], now: number, windowMs: number): CountBucket[] {
  const merged = new Map<number, CountBucket>();
  for (const bucket of [...history, ...sampled]) {
    if (bucket.at > now - windowMs && bucket.at <= now) {
      merged.set(bucket.at, bucket);
    }
  }
  return [...merged.values()].sort((a, b) => a.at - b.at);
}

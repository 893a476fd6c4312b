// Times as a person reads them; unparsable input gives a dash, never an exception.

/** Milliseconds since the epoch, or null when the text is not a time. */
export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) {
    return null;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

function span(seconds: number): string {
  if (seconds < 60) {
    return `${seconds} s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  }
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** "12 s ago" for a past time. */
export function formatAgo(iso: string | null | undefined, now: number): string {
  const at = parseTime(iso);
  return at === null ? '—' : `${span(Math.max(0, Math.round((now - at) / 1000)))} ago`;
}

/** "in 1 min 5 s" until a future time; "due" once it has passed. */
export function formatCountdown(iso: string | null | undefined, now: number): string {
  const at = parseTime(iso);
  if (at === null) {
    return '—';
  }
  const seconds = Math.ceil((at - now) / 1000);
  return seconds <= 0 ? 'due' : `in ${span(seconds)}`;
}

// The two pictures, hand-drawn inline SVG (no charting library: two kinds of rectangles do not
// need one, and the page stays one small bundle): a server's status history and the fleet's status
// counts over time. Each is one role="img" whose aria-label says what it shows in words.
import { largestTotal, type CountBucket, type History } from './history';
import { KNOWN_STATUSES, type KnownStatus } from './model';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag: string, attributes: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    element.setAttribute(name, String(value));
  }
  element.append(...children);
  return element;
}

const label = (status: KnownStatus) => status.replace(/_/g, ' ');
const clock = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

const WIDTH = 600;
const BAR = 22;

/** The status history of one server: colored spans, a mark per transition (hover names it), the uptime. */
export function historyChart(history: History, describe: (text: string) => void): SVGElement {
  const span = Math.max(1, history.to - history.from);
  const x = (ms: number) => ((ms - history.from) / span) * WIDTH;
  const uptime = history.uptime === null ? 'uptime unknown' : `${history.uptime.toFixed(history.uptime === 100 ? 0 : 2)} % uptime`;
  const hours = Math.round(span / 3_600_000);
  const chart = svg('svg', {
    class: 'history-chart', viewBox: `0 0 ${WIDTH} ${BAR + 16}`, role: 'img',
    'aria-label': `Status history, last ${hours} hours: ${uptime}, ${history.transitions.length} transition(s)`,
  });
  if (history.uptime !== null) {
    chart.setAttribute('data-uptime', history.uptime.toFixed(2));
  }
  for (const s of history.spans) {
    chart.append(svg('rect', { class: `span span-${s.status}`, 'data-status': s.status, x: x(s.from), y: 0, width: Math.max(0.5, x(s.to) - x(s.from)), height: BAR },
      svg('title', {}, `${label(s.status)} ${clock(s.from)}–${clock(s.to)}`)));
  }
  for (const t of history.transitions) {
    const text = `${clock(t.at)}: ${label(t.from)} → ${label(t.to)}${t.reason ? ` (${t.reason})` : ''}`;
    const mark = svg('rect', { class: 'transition', x: x(t.at) - 2, y: 0, width: 4, height: BAR, tabindex: 0, 'data-transition': text }, svg('title', {}, text));
    mark.addEventListener('mouseenter', () => describe(text));
    mark.addEventListener('focus', () => describe(text));
    chart.append(mark);
  }
  chart.append(
    svg('text', { x: 0, y: BAR + 13, class: 'axis' }, `${hours} h ago`),
    svg('text', { x: WIDTH, y: BAR + 13, class: 'axis', 'text-anchor': 'end' }, `now · ${uptime}`));
  return chart;
}

const FLEET_HEIGHT = 60;

/** The fleet's status counts per bucket as stacked bars, healthy at the bottom. */
export function fleetChart(buckets: readonly CountBucket[], bucketMs: number, windowMs: number, now: number): SVGElement {
  const columns = Math.round(windowMs / bucketMs);
  const width = WIDTH / columns;
  const scale = FLEET_HEIGHT / largestTotal(buckets);
  const latest = buckets[buckets.length - 1];
  const summary = latest ? KNOWN_STATUSES.filter((s) => latest.counts[s] > 0).map((s) => `${latest.counts[s]} ${label(s)}`).join(', ') : 'no data yet';
  const chart = svg('svg', {
    class: 'fleet-chart', viewBox: `0 0 ${WIDTH} ${FLEET_HEIGHT}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': `Fleet status counts over the last ${Math.round(windowMs / 60_000)} minutes; now ${summary}`,
  });
  for (const bucket of buckets) {
    const left = WIDTH - (Math.floor((now - bucket.at) / bucketMs) + 1) * width;
    let top = FLEET_HEIGHT;
    for (const status of KNOWN_STATUSES) {
      const height = bucket.counts[status] * scale;
      if (height > 0) {
        top -= height;
        chart.append(svg('rect', { class: `span span-${status}`, x: left, y: top, width: Math.max(1, width - 1), height },
          svg('title', {}, `${clock(bucket.at)}: ${bucket.counts[status]} ${label(status)}`)));
      }
    }
  }
  return chart;
}

// The fleet chart's last hour: the server's history read at sign-in under the page's own samples,
// taken every few seconds, drawn into one element. A failed or malformed answer leaves the chart as
// the samples make it.
import { api } from './api';
import { fleetChart } from './charts';
import { mergeBuckets, readCountBuckets, recordCounts, type CountBucket } from './history';
import type { StatusCounts } from './view';

/** One bar a minute over the last hour. */
const BUCKET_MS = 60_000;
const WINDOW_MS = 3_600_000;

export class FleetTrend {
  private buckets: CountBucket[] = [];
  /** Moves on at every clear, so an answer for an earlier session is dropped. */
  private session = 0;
  private hasSampled = false;

  constructor(private readonly target: Element) {}

  /** Whether the page has sampled the counts since the last clear. */
  get sampled(): boolean {
    return this.hasSampled;
  }

  /** Records the counts now as their bucket's newest and redraws. */
  sample(now: number, counts: StatusCounts): void {
    this.buckets = recordCounts(this.buckets, now, counts, BUCKET_MS, WINDOW_MS);
    this.hasSampled = true;
    this.draw(now);
  }

  /** Reads the last hour from the server: its buckets fill those the page has not sampled. */
  async load(token: string): Promise<void> {
    const session = this.session;
    const result = await api.fleetHistory(token, WINDOW_MS / 60_000, BUCKET_MS / 1000);
    if (session !== this.session || !result.ok) {
      return;
    }
    const now = Date.now();
    this.buckets = mergeBuckets(readCountBuckets(result.body, BUCKET_MS), this.buckets, now, WINDOW_MS);
    this.draw(now);
  }

  clear(): void {
    this.session++;
    this.hasSampled = false;
    this.buckets = [];
    this.target.replaceChildren();
  }

  private draw(now: number): void {
    this.target.replaceChildren(fleetChart(this.buckets, BUCKET_MS, WINDOW_MS, now));
  }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace Omni2.Benchmarks;

/// <summary>
/// Closed-loop HTTP load: <c>concurrency</c> loops each sending GET requests one after another,
/// recording when each finished and how long it took, so any window of the run can be read apart.
/// </summary>
public sealed class LatencyLoad : IAsyncDisposable
{
    private readonly ConcurrentQueue<(long FinishedAt, double Milliseconds, bool Ok)> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loops;

    public LatencyLoad(HttpClient client, string path, int concurrency)
    {
        _loops = Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    using var response = await client.GetAsync(path, _stop.Token);
                    await response.Content.LoadIntoBufferAsync();
                    ok = response.IsSuccessStatusCode;
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                _samples.Enqueue((Stopwatch.GetTimestamp(), Stopwatch.GetElapsedTime(started).TotalMilliseconds, ok));
            }
        })));
    }

    /// <summary>Requests that finished between two <see cref="Stopwatch.GetTimestamp"/> readings.</summary>
    public LatencySummary Between(long from, long to)
    {
        var window = _samples.Where(s => s.FinishedAt >= from && s.FinishedAt < to).ToList();
        var sorted = window.Select(s => s.Milliseconds).Order().ToArray();
        double At(double q) => sorted.Length == 0 ? double.NaN : Percentiles.Of(sorted, q);
        var seconds = Stopwatch.GetElapsedTime(from, to).TotalSeconds;
        return new LatencySummary(window.Count, window.Count(s => !s.Ok), seconds > 0 ? window.Count / seconds : 0, At(0.5), At(0.99), sorted.Length > 0 ? sorted[^1] : double.NaN);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loops;
        _stop.Dispose();
    }
}

public sealed record LatencySummary(int Requests, int Failed, double PerSecond, double P50, double P99, double Max);

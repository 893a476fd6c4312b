using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Feed;

/// <summary>
/// The live last check, at the cost of one message and one database statement per silo per
/// interval: grains record each successful check here (in memory), and every
/// <see cref="StatusFeedOptions.CheckFlushInterval"/> the latest check of each server goes out on
/// the status feed and into <c>last_check_at</c>, as one batch. A check is no transition: nothing
/// else changes, and a batch lost to a database outage is superseded by the next.
/// </summary>
public sealed partial class CheckRecorder(
    StatusPublisher publisher,
    IStatusProjection projection,
    IOptions<StatusFeedOptions> options,
    TimeProvider time,
    LoopGuard loops,
    ILogger<CheckRecorder> logger) : BackgroundService
{
    private readonly Lock _lock = new();
    private Dictionary<string, ServerCheck> _pending = new(StringComparer.Ordinal);

    /// <summary>Records a successful check; returns at once.</summary>
    public void Record(ServerCheck check)
    {
        lock (_lock)
        {
            if (!_pending.TryGetValue(check.Name, out var known) || check.At > known.At)
            {
                _pending[check.Name] = check;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CheckFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await loops.RunAsync("check_recorder", () => FlushAsync(stoppingToken), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task FlushAsync(CancellationToken stoppingToken)
    {
        Dictionary<string, ServerCheck> taken;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return;
            }
            // Swapped under the lock, so a check recorded meanwhile lands in this batch or the next, never in neither.
            (taken, _pending) = (_pending, new Dictionary<string, ServerCheck>(StringComparer.Ordinal));
        }
        var checks = taken.Values.ToImmutableArray();
        publisher.PublishChecks(checks);
        try
        {
            await projection.WriteLastChecksAsync(checks, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogWriteFailed(checks.Length, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Writing {Count} last checks failed (the next batch supersedes them): {Error}")]
    private partial void LogWriteFailed(int count, string error);
}

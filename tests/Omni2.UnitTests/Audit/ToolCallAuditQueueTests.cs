using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Omni2.Grains.Audit;
using Omni2.Grains.Telemetry;

namespace Omni2.UnitTests.Audit;

/// <summary>The audit's queue: batches off the caller's path, retries a failed write, drops (counted) only when full.</summary>
public sealed class ToolCallAuditQueueTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private long _dropped;

    public ToolCallAuditQueueTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "omni2.audit.dropped")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _dropped, value));
        _listener.Start();
    }

    /// <summary>A log that fails while <see cref="Down"/> is set and keeps every batch it took.</summary>
    private sealed class FlakyLog : IToolCallLog
    {
        public volatile bool Down;
        public readonly List<int> Batches = [];

        public Task WriteAsync(IReadOnlyList<ToolCallRecord> calls, CancellationToken cancellationToken = default)
        {
            if (Down)
            {
                throw new InvalidOperationException("database away");
            }
            lock (Batches)
            {
                Batches.Add(calls.Count);
            }
            return Task.CompletedTask;
        }

        public int Written { get { lock (Batches) { return Batches.Sum(); } } }

        public Task<IReadOnlyList<ToolCallRecord>> ReadAsync(ToolCallQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private ToolCallAuditQueue Queue(FlakyLog log, int capacity, int maxBatch = 500) => new(
        log, Options.Create(new AuditOptions { QueueCapacity = capacity, MaxBatch = maxBatch }),
        new Omni2Metrics(_services.GetRequiredService<IMeterFactory>()), TimeProvider.System, NullLogger<ToolCallAuditQueue>.Instance);

    private static ToolCallRecord Call(int i) => new()
    {
        Time = DateTimeOffset.UtcNow, User = $"u{i}", Roles = ["operator"], Route = "rest", Outcome = "completed",
        HttpStatus = 200, DurationMs = 1, ArgumentBytes = 0,
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Queued_calls_are_written_in_batches_of_at_most_MaxBatch()
    {
        var log = new FlakyLog { Down = true };
        var queue = Queue(log, capacity: 100, maxBatch: 10);
        await queue.StartAsync(CancellationToken.None);
        for (var i = 0; i < 35; i++)
        {
            queue.Record(Call(i));
        }

        log.Down = false;
        await WaitUntilAsync(() => log.Written == 35);

        Assert.All(log.Batches, size => Assert.InRange(size, 1, 10));
        Assert.Equal(0, Interlocked.Read(ref _dropped));
        await queue.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_failed_write_is_retried_and_a_full_queue_drops_and_counts_new_calls()
    {
        var log = new FlakyLog { Down = true };
        var queue = Queue(log, capacity: 5, maxBatch: 2);
        await queue.StartAsync(CancellationToken.None);
        queue.Record(Call(0));
        queue.Record(Call(1));
        await Task.Delay(100); // the loop took the first batch and is retrying it

        for (var i = 2; i < 12; i++)
        {
            queue.Record(Call(i));
        }
        log.Down = false;
        await WaitUntilAsync(() => log.Written == 7);

        Assert.Equal(5, Interlocked.Read(ref _dropped)); // 2 in the retried batch + 5 queued of 12: 5 dropped
        await queue.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task At_shutdown_queued_calls_get_one_more_try_and_are_counted_when_it_fails(bool databaseBack)
    {
        var log = new FlakyLog();
        var queue = Queue(log, capacity: 100);
        await queue.StartAsync(CancellationToken.None);
        queue.Record(Call(0));
        await WaitUntilAsync(() => log.Written == 1);
        log.Down = true;
        for (var i = 1; i <= 20; i++)
        {
            queue.Record(Call(i));
        }
        await Task.Delay(100); // the loop is waiting to retry

        log.Down = !databaseBack;
        await queue.StopAsync(CancellationToken.None);
        queue.Record(Call(21));

        Assert.Equal(databaseBack ? 21 : 1, log.Written);
        Assert.Equal(databaseBack ? 1 : 21, Interlocked.Read(ref _dropped));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}

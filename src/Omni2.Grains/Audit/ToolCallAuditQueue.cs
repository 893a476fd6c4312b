using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Audit;

/// <summary>
/// Takes audited calls off the request's path: <see cref="Record"/> only enqueues, and one loop
/// writes what is queued in batches of up to <see cref="AuditOptions.MaxBatch"/>. A failed write is
/// retried with backoff (0.5 s doubling to 30 s) while calls keep queueing; once
/// <see cref="AuditOptions.QueueCapacity"/> calls wait, new ones are dropped and counted
/// (<c>omni2.audit.dropped</c>). On shutdown what is queued is written once more, or counted as dropped.
/// </summary>
public sealed partial class ToolCallAuditQueue : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    private readonly Channel<ToolCallRecord> _queue;
    private readonly IToolCallLog _log;
    private readonly AuditOptions _options;
    private readonly Omni2Metrics _metrics;
    private readonly TimeProvider _clock;
    private readonly ILogger<ToolCallAuditQueue> _logger;

    public ToolCallAuditQueue(IToolCallLog log, IOptions<AuditOptions> options, Omni2Metrics metrics, TimeProvider clock, ILogger<ToolCallAuditQueue> logger)
    {
        _log = log;
        _options = options.Value;
        _metrics = metrics;
        _clock = clock;
        _logger = logger;
        _queue = Channel.CreateBounded<ToolCallRecord>(
            new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true },
            _ => metrics.AuditDropped());
    }

    /// <summary>Queues a call to be written; never waits.</summary>
    public void Record(ToolCallRecord call)
    {
        if (!_queue.Writer.TryWrite(call))
        {
            _metrics.AuditDropped(); // only after shutdown began: the writer is complete
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<ToolCallRecord>(_options.MaxBatch);
        // Reads until the queue is complete (at shutdown), so what was queued before is still written.
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var call))
            {
                batch.Add(call);
            }
            await WriteAsync(batch, stoppingToken);
            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Writes one batch, retrying until it is written; once stopping, one try, then it is dropped.</summary>
    private async Task WriteAsync(List<ToolCallRecord> batch, CancellationToken stoppingToken)
    {
        var wait = FirstRetry;
        while (true)
        {
            try
            {
                await _log.WriteAsync(batch, CancellationToken.None);
                return;
            }
            catch (Exception ex)
            {
                if (stoppingToken.IsCancellationRequested)
                {
                    LogDroppedAtShutdown(batch.Count, ex.Message);
                    _metrics.AuditDropped(batch.Count);
                    return;
                }
                LogWriteFailed(batch.Count, wait.TotalSeconds, ex.Message);
            }
            try
            {
                await Task.Delay(wait, _clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // Stopping: the next try is the last.
            }
            wait = wait * 2 < MaxRetry ? wait * 2 : MaxRetry;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit: writing {Count} tool calls failed, retrying in {Seconds} s: {Error}")]
    private partial void LogWriteFailed(int count, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit: {Count} tool calls could not be written before shutdown and are dropped: {Error}")]
    private partial void LogDroppedAtShutdown(int count, string error);
}

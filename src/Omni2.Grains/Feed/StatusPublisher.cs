using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Feed;

/// <summary>
/// This silo's sender of the status feed. Grains hand it events in memory (it never blocks and
/// never fails them); one loop sends them, batched, to this silo's own receiver in process and to
/// every other receiver as a one-way message. Nothing on the path waits for another silo, the
/// database or a grain directory, so a dead or hung silo delays no one else's status.
/// </summary>
public sealed partial class StatusPublisher : BackgroundService
{
    private readonly IGrainFactory _grains;
    private readonly IClusterMembershipService _membership;
    private readonly SiloAddress _silo;
    private readonly StatusFeedOptions _options;
    private readonly Omni2Metrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<StatusPublisher> _logger;
    private readonly Channel<object> _outgoing;
    // Owned by the refresh loop; the send loop reads only the published copy, _targets.
    private readonly Dictionary<GrainId, (StatusSubscriber Subscriber, DateTimeOffset SeenAt)> _known = [];
    private volatile StatusSubscriber[] _targets = [];
    private volatile IStatusObserver? _local;

    public StatusPublisher(
        IGrainFactory grains,
        IClusterMembershipService membership,
        ILocalSiloDetails silo,
        IOptions<StatusFeedOptions> options,
        Omni2Metrics metrics,
        TimeProvider time,
        ILogger<StatusPublisher> logger)
    {
        _grains = grains;
        _membership = membership;
        _silo = silo.SiloAddress;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _outgoing = Channel.CreateBounded<object>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
    }

    /// <summary>This silo's own receiver: gets every event in process, before any other silo.</summary>
    public void AttachLocal(IStatusObserver? observer) => _local = observer;

    /// <summary>Queues an event for every receiver; returns at once.</summary>
    public void Publish(McpStatusEvent message)
    {
        if (!_outgoing.Writer.TryWrite(message))
        {
            _metrics.FeedDropped();
        }
    }

    /// <summary>Queues a batch of successful checks for every receiver; returns at once.</summary>
    public void PublishChecks(ImmutableArray<ServerCheck> checks)
    {
        if (checks.Length > 0 && !_outgoing.Writer.TryWrite(checks))
        {
            _metrics.FeedDropped();
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(SendLoopAsync(stoppingToken), RefreshLoopAsync(stoppingToken));

    private async Task SendLoopAsync(CancellationToken stoppingToken)
    {
        var events = ImmutableArray.CreateBuilder<McpStatusEvent>();
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_outgoing.Reader.TryRead(out var item))
                {
                    if (item is McpStatusEvent message)
                    {
                        events.Add(message);
                        if (events.Count >= _options.MaxBatch)
                        {
                            SendEvents(events);
                        }
                        continue;
                    }
                    // Checks travel in their own message; events queued before them go first.
                    SendEvents(events);
                    Send((ImmutableArray<ServerCheck>)item, static (observer, checks) => observer.OnChecksAsync(checks));
                }
                SendEvents(events);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private void SendEvents(ImmutableArray<McpStatusEvent>.Builder events)
    {
        if (events.Count == 0)
        {
            return;
        }
        Send(events.ToImmutable(), static (observer, batch) => observer.OnEventsAsync(batch));
        events.Clear();
    }

    private void Send<T>(T payload, Func<IStatusObserver, T, Task> deliver)
    {
        if (_local is { } local)
        {
            Deliver(local, payload, deliver);
        }
        var snapshot = _membership.CurrentSnapshot;
        foreach (var subscriber in _targets)
        {
            // One way: the call returns once the message is queued, whether or not its silo answers.
            if (subscriber.Silo is null || snapshot.GetSiloStatus(subscriber.Silo) is not SiloStatus.Dead)
            {
                Deliver(subscriber.Observer, payload, deliver);
            }
        }
    }

    private void Deliver<T>(IStatusObserver observer, T payload, Func<IStatusObserver, T, Task> deliver)
    {
        try
        {
            deliver(observer, payload).ContinueWith(
                t => LogDeliveryFailed(t.Exception!.GetBaseException().Message),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
        catch (Exception ex)
        {
            LogDeliveryFailed(ex.Message);
        }
    }

    /// <summary>Rereads the receivers periodically and whenever membership changes; never on the send path.</summary>
    private async Task RefreshLoopAsync(CancellationToken stoppingToken)
    {
        using var changed = new SemaphoreSlim(0);
        _ = WatchMembershipAsync(changed, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await RefreshAsync(stoppingToken);
            try
            {
                await changed.WaitAsync(_options.RefreshInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WatchMembershipAsync(SemaphoreSlim changed, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                changed.Release();
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex)
        {
            LogRefreshFailed(ex.Message);
        }
    }

    private async Task RefreshAsync(CancellationToken stoppingToken)
    {
        try
        {
            var listed = await _grains.GetGrain<IStatusSubscribersGrain>(GrainKeys.StatusSubscribers)
                .ListAsync().WaitAsync(_options.RefreshInterval, stoppingToken);
            var now = _time.GetUtcNow();
            foreach (var subscriber in listed.Where(s => s.Silo != _silo))
            {
                _known[subscriber.Observer.GetGrainId()] = (subscriber, now);
            }
            // A receiver missing from the list is kept until it expires: the list itself may have
            // just restarted empty (its silo died) and is refilled within one renewal.
            var snapshot = _membership.CurrentSnapshot;
            foreach (var (id, (subscriber, seenAt)) in _known.ToList())
            {
                if (now - seenAt > _options.SubscriberExpiry
                    || (subscriber.Silo is not null && snapshot.GetSiloStatus(subscriber.Silo) is SiloStatus.Dead))
                {
                    _known.Remove(id);
                }
            }
            _targets = [.. _known.Values.Select(k => k.Subscriber)];
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogRefreshFailed(ex.Message);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Status feed: delivering to a receiver failed: {Error}")]
    private partial void LogDeliveryFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Status feed: reading the receivers failed; keeping the known ones: {Error}")]
    private partial void LogRefreshFailed(string error);
}

using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Feed;

/// <summary>
/// This silo's sender of the status feed. Grains hand it events in memory (it never blocks and
/// never fails them); one loop sends them, batched, to this silo's own receiver in process and to
/// every other receiver as a one-way message. Nothing on the path waits for another silo, the
/// database or a grain directory, so a dead or hung silo delays no one else's status. Its queue is
/// bounded (<see cref="StatusFeedOptions.QueueCapacity"/>): when full, the newest message is dropped
/// and counted, and the receivers' catalog resync heals what it carried.
/// </summary>
public sealed class StatusPublisher : BackgroundService
{
    private const string SendLoop = "status_feed_send";
    private const string RefreshLoop = "status_feed_refresh";
    private readonly IGrainFactory _grains;
    private readonly IClusterMembershipService _membership;
    private readonly SiloAddress _silo;
    private readonly StatusFeedOptions _options;
    private readonly LoopGuard _loops;
    private readonly TimeProvider _time;
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
        LoopGuard loops,
        TimeProvider time)
    {
        _grains = grains;
        _membership = membership;
        _silo = silo.SiloAddress;
        _options = options.Value;
        _loops = loops;
        _time = time;
        _outgoing = loops.BoundedQueue<object>("status_feed", _options.QueueCapacity, BoundedChannelFullMode.DropWrite);
    }

    /// <summary>This silo's own receiver: gets every event in process, before any other silo.</summary>
    public void AttachLocal(IStatusObserver? observer) => _local = observer;

    /// <summary>Queues an event for every receiver; returns at once.</summary>
    public void Publish(McpStatusEvent message) => _outgoing.Writer.TryWrite(message);

    /// <summary>Queues a batch of successful checks for every receiver; returns at once.</summary>
    public void PublishChecks(ImmutableArray<ServerCheck> checks)
    {
        if (checks.Length > 0)
        {
            _outgoing.Writer.TryWrite(checks);
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
                    _loops.Run(SendLoop, () => Take(item, events));
                }
                _loops.Run(SendLoop, () => SendEvents(events));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private void Take(object item, ImmutableArray<McpStatusEvent>.Builder events)
    {
        if (item is McpStatusEvent message)
        {
            events.Add(message);
            if (events.Count >= _options.MaxBatch)
            {
                SendEvents(events);
            }
            return;
        }
        // Checks travel in their own message; events queued before them go first.
        SendEvents(events);
        Send((ImmutableArray<ServerCheck>)item, static (observer, checks) => observer.OnChecksAsync(checks));
    }

    private void SendEvents(ImmutableArray<McpStatusEvent>.Builder events)
    {
        if (events.Count == 0)
        {
            return;
        }
        // Taken out first: a batch that fails to send is not sent again with the next.
        var batch = events.ToImmutable();
        events.Clear();
        Send(batch, static (observer, batch) => observer.OnEventsAsync(batch));
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
        // One receiver's failure is its own: the others still get the message.
        _ = _loops.RunAsync(SendLoop, () => deliver(observer, payload), CancellationToken.None);
    }

    /// <summary>Rereads the receivers periodically and whenever membership changes; never on the send path.</summary>
    private async Task RefreshLoopAsync(CancellationToken stoppingToken)
    {
        using var changed = new SemaphoreSlim(0);
        var watching = _loops.KeepRunningAsync("status_feed_membership", async stop =>
        {
            await foreach (var _ in _membership.MembershipUpdates.WithCancellation(stop))
            {
                changed.Release();
            }
        }, TimeSpan.FromSeconds(1), stoppingToken);
        try
        {
            while (true)
            {
                // A failed read keeps the known receivers.
                await _loops.RunAsync(RefreshLoop, () => RefreshAsync(stoppingToken), stoppingToken);
                await changed.WaitAsync(_options.RefreshInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        await watching;
    }

    private async Task RefreshAsync(CancellationToken stoppingToken)
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
}

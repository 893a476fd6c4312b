using System.Collections.Immutable;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.Realtime;

/// <summary>
/// The hub's broadcaster, per silo: takes every status-feed event and check, has <see cref="AudienceRouter"/>
/// put what each connected user may see in that user's outbox, sends it within the user's rate limit
/// (coalescing when needed), and ends sessions at their limit. All state is owned by one loop, so none of it needs a lock. Its queue is
/// bounded (<see cref="RealtimeOptions.QueueCapacity"/>); an item that throws is logged, counted and skipped.
/// </summary>
public sealed partial class RealtimeDispatcher : BackgroundService, IStatusEventListener
{
    private const string Loop = "realtime_dispatcher";
    private readonly IHubContext<StatusHub> _hub;
    private readonly ServerCatalog _catalog;
    private readonly LoopGuard _loops;
    private readonly IOptions<RealtimeOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RealtimeDispatcher> _logger;
    private readonly TokenRevocations _revocations;
    private readonly Channel<Work> _work;
    // Set when an event or check was dropped: the clients' state may be behind the catalog's.
    private int _behind;
    // Set when tokens were revoked: connections opened with one must end.
    private int _revoked;
    private readonly Dictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Audience> _audiences = new(StringComparer.Ordinal);
    private readonly AudienceRouter _router;

    public RealtimeDispatcher(
        IHubContext<StatusHub> hub,
        ServerCatalog catalog,
        LoopGuard loops,
        TokenRevocations revocations,
        IOptions<RealtimeOptions> options,
        TimeProvider time,
        ILogger<RealtimeDispatcher> logger)
    {
        _hub = hub;
        _catalog = catalog;
        _loops = loops;
        _options = options;
        _time = time;
        _logger = logger;
        _revocations = revocations;
        _router = new AudienceRouter(catalog, time);
        _work = loops.BoundedQueue<Work>(Loop, options.Value.QueueCapacity, BoundedChannelFullMode.DropWrite, OnDropped);
        revocations.Changed += () =>
        {
            Volatile.Write(ref _revoked, 1);
            _work.Writer.TryWrite(new Wake()); // dropped only when the queue is full, and so the loop busy anyway
        };
    }

    public void OnStatusEvent(McpStatusEvent message) => _work.Writer.TryWrite(new EventArrived(message));

    public void OnChecks(ImmutableArray<ServerCheck> checks) => _work.Writer.TryWrite(new ChecksArrived(checks));

    public void Connect(HubCallerContext context) =>
        _work.Writer.TryWrite(new Connected(context, AuthSetup.UserOf(context.User) ?? "", Roles.Of(context.User!)));

    /// <summary>A dropped disconnect leaves its connection's entry until its session limit ends it.</summary>
    public void Disconnect(string connectionId) => _work.Writer.TryWrite(new Disconnected(connectionId));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await WaitForWorkAsync(stoppingToken);
            while (_work.Reader.TryRead(out var item))
            {
                _loops.Run(Loop, () => Handle(item));
            }
            if (Interlocked.Exchange(ref _revoked, 0) == 1)
            {
                _loops.Run(Loop, EndRevokedSessions);
            }
            if (Interlocked.Exchange(ref _behind, 0) == 1)
            {
                _loops.Run(Loop, SendSnapshots);
            }
            foreach (var audience in _audiences.Values)
            {
                _loops.Run(Loop, () => Flush(audience));
            }
            _loops.Run(Loop, ExpireSessions);
        }
    }

    private void OnDropped(Work item)
    {
        if (item is Connected connected)
        {
            connected.Context.Abort(); // it would never get a snapshot: let it reconnect
        }
        else if (item is EventArrived or ChecksArrived)
        {
            Volatile.Write(ref _behind, 1);
        }
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        var wake = _audiences.Values.Select(a => a.Snapshots.Count > 0 ? a.Outbox.NextBudgetAt : a.Outbox.NextSendAt)
            .Concat(_connections.Values.Select(c => (DateTimeOffset?)(c.ConnectedAt + _options.Value.SessionLimit)))
            .Where(t => t is not null).Min();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        if (wake is { } at)
        {
            timeout.CancelAfter(Durations.Max(at - _time.GetUtcNow(), TimeSpan.FromMilliseconds(1)));
        }
        try
        {
            await _work.Reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // Woken by the clock: a send or a session end is due.
        }
    }

    private void Handle(Work item)
    {
        switch (item)
        {
            case Connected connected:
                var key = connected.User + "|" + string.Join(',', connected.Roles);
                if (!_audiences.TryGetValue(key, out var audience))
                {
                    _audiences[key] = audience = new Audience(connected.Roles, new UserOutbox(_options.Value.MaxMessagesPerSecond, _time));
                }
                audience.Connections.Add(connected.Context.ConnectionId);
                _connections[connected.Context.ConnectionId] = new Connection(connected.Context, key, _time.GetUtcNow());
                StartSnapshot(connected.Context.ConnectionId, audience);
                break;
            case Disconnected disconnected:
                if (_connections.Remove(disconnected.ConnectionId, out var gone) && _audiences.TryGetValue(gone.Audience, out var owner))
                {
                    owner.Connections.Remove(disconnected.ConnectionId);
                    owner.Snapshots.Remove(disconnected.ConnectionId);
                    if (owner.Connections.Count == 0)
                    {
                        _audiences.Remove(gone.Audience);
                    }
                }
                break;
            case EventArrived arrived:
                _router.Route(arrived.Message, _audiences.Values);
                break;
            case ChecksArrived arrived:
                _router.RouteChecks(arrived.Checks, _audiences.Values);
                break;
        }
    }

    /// <summary>Every client gets the catalog afresh: it holds whatever was dropped on the way here.</summary>
    private void SendSnapshots()
    {
        foreach (var audience in _audiences.Values)
        {
            foreach (var connectionId in audience.Connections)
            {
                StartSnapshot(connectionId, audience);
            }
        }
    }

    /// <summary>The connection's snapshot goes out in pages at the next flushes (a snapshot it was still getting starts over).</summary>
    private void StartSnapshot(string connectionId, Audience audience) =>
        audience.Snapshots[connectionId] = new SnapshotPages(_catalog, audience.Roles, _options.Value.SnapshotPageSize, _time);

    /// <summary>
    /// Snapshot pages first, within the user's budget; the user's events wait (and coalesce) until every page
    /// is out, so that nothing a client is told is followed by an older page.
    /// </summary>
    private void Flush(Audience audience)
    {
        while (audience.Snapshots.Count > 0 && audience.Outbox.TrySpend())
        {
            var (connectionId, pages) = audience.Snapshots.First();
            Send([connectionId], pages.Next(audience.Known)!);
            if (pages.Done)
            {
                audience.Snapshots.Remove(connectionId);
            }
        }
        if (audience.Snapshots.Count == 0 && audience.Outbox.TryTake() is { } message)
        {
            Send(audience.Connections, message);
        }
    }

    private void ExpireSessions()
    {
        var now = _time.GetUtcNow();
        var limit = _options.Value.SessionLimit;
        foreach (var connection in _connections.Values.Where(c => now - c.ConnectedAt >= limit).ToList())
        {
            EndSession(connection, $"session limit of {limit.TotalMinutes:0.##} minutes reached; reconnect with a fresh token", now);
        }
    }

    /// <summary>A connection opened with a token revoked since is closed (a new one with it is refused at the handshake).</summary>
    private void EndRevokedSessions()
    {
        var now = _time.GetUtcNow();
        foreach (var connection in _connections.Values.Where(c => _revocations.IsRevoked(c.Context.User)).ToList())
        {
            EndSession(connection, RealtimeMessage.TokenRevokedReason, now);
        }
    }

    private void EndSession(Connection connection, string reason, DateTimeOffset now)
    {
        _ = EndSessionAsync(connection, new RealtimeMessage(RealtimeMessage.SessionExpiredType, now, Reason: reason));
        Handle(new Disconnected(connection.Context.ConnectionId));
    }

    private async Task EndSessionAsync(Connection connection, RealtimeMessage farewell)
    {
        try
        {
            await _hub.Clients.Client(connection.Context.ConnectionId).SendAsync(StatusHub.EventMethod, farewell);
        }
        finally
        {
            connection.Context.Abort();
        }
    }

    private void Send(IReadOnlyCollection<string> connectionIds, RealtimeMessage message) =>
        _hub.Clients.Clients(connectionIds).SendAsync(StatusHub.EventMethod, message).ContinueWith(
            t => LogSendFailed(t.Exception!.GetBaseException().Message),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Realtime: sending to a client failed: {Error}")]
    private partial void LogSendFailed(string error);

    private abstract record Work;

    private sealed record Connected(HubCallerContext Context, string User, IReadOnlyCollection<string> Roles) : Work;

    private sealed record Disconnected(string ConnectionId) : Work;

    private sealed record EventArrived(McpStatusEvent Message) : Work;

    private sealed record ChecksArrived(ImmutableArray<ServerCheck> Checks) : Work;

    /// <summary>Nothing to handle: the loop runs once more (to see a flag).</summary>
    private sealed record Wake : Work;

    private sealed record Connection(HubCallerContext Context, string Audience, DateTimeOffset ConnectedAt);
}

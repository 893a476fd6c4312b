using Microsoft.Extensions.Time.Testing;
using Omni2.Contracts;
using Omni2.Grains.Feed;
using Omni2.Grains.Health;
using Omni2.Grains.Servers;

namespace Omni2.UnitTests.Feed;

public sealed class FeedHistoryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_grain_whose_storage_is_current_misses_nothing()
    {
        var history = new FeedHistory(_time);
        history.Record(Down("a", version: 3));

        Assert.Null(history.Since("a", 3));
        Assert.Null(history.Since("unknown", 0));
    }

    [Fact]
    public void Transitions_after_the_stored_version_come_back_oldest_first_with_the_newest_status()
    {
        var history = new FeedHistory(_time);
        history.Record(Down("a", version: 2));
        history.Record(Down("a", version: 3, attempt: 1));
        history.Record(Tools("a", version: 4));

        var missed = history.Since("a", 2)!;

        Assert.Equal(4, missed.Latest.Version);
        var row = Assert.Single(missed.Transitions);
        Assert.Equal(HealthEventType.RecoveryAttempt, row.EventType);
        Assert.Contains("\"attempt\":1", row.DetailsJson);
    }

    [Fact]
    public void An_event_that_arrives_late_does_not_replace_the_newest_status()
    {
        var history = new FeedHistory(_time);
        history.Record(Down("a", version: 5));
        history.Record(Down("a", version: 4));

        Assert.Equal(5, history.Since("a", 0)!.Latest.Version);
        Assert.Equal([4L, 5L], history.Since("a", 0)!.Transitions.Select(t => Version(t.EventId)));
    }

    [Fact]
    public void A_removed_server_is_forgotten()
    {
        var history = new FeedHistory(_time);
        history.Record(Down("a", version: 2));
        history.Record(new McpStatusEvent { Type = StatusMessageTypes.ServerRemoved, Timestamp = _time.GetUtcNow(), McpName = "a", OldStatus = HealthStatus.Disconnected, NewStatus = HealthStatus.Disconnected });

        Assert.Null(history.Since("a", 0));
    }

    [Fact]
    public void A_server_keeps_only_its_most_recent_transitions_and_none_past_the_retention()
    {
        var history = new FeedHistory(_time);
        for (var v = 1; v <= FeedHistory.MaxTransitions + 10; v++)
        {
            history.Record(Down("a", version: v));
        }
        Assert.Equal(FeedHistory.MaxTransitions, history.Since("a", 0)!.Transitions.Count);

        _time.Advance(FeedHistory.Retention + TimeSpan.FromMinutes(2));
        history.Record(Tools("b", version: 1));

        var missed = history.Since("a", 0)!;
        Assert.Empty(missed.Transitions);
        Assert.Equal(FeedHistory.MaxTransitions + 10, missed.Latest.Version);
    }

    [Fact]
    public void A_state_catching_up_takes_the_feeds_breaker_and_version_and_queues_each_row_once()
    {
        var history = new FeedHistory(_time);
        var down = Down("a", version: 7);
        history.Record(down);
        var state = new McpServerState { Version = 6, Breaker = BreakerState.Initial with { Status = HealthStatus.Healthy } };
        state.PendingLog.Add(Omni2.Grains.Persistence.HealthLogEntry.Of(down)!);

        state.CatchUp(history.Since("a", state.Version));

        Assert.Equal(7, state.Version);
        Assert.Equal(HealthStatus.Disconnected, state.Breaker.Status);
        Assert.Equal(3, state.Breaker.ConsecutiveFailures);
        Assert.Equal(_time.GetUtcNow().AddMinutes(-1), state.Breaker.DownSince);
        Assert.Equal(2, state.Breaker.Attempts);
        Assert.Equal("connection refused", state.LastError);
        Assert.Single(state.PendingLog);
    }

    private McpStatusEvent Down(string name, long version, int attempt = 0) => new()
    {
        Type = StatusMessageTypes.StatusChange,
        Timestamp = _time.GetUtcNow(),
        McpName = name,
        OldStatus = HealthStatus.Healthy,
        NewStatus = HealthStatus.Disconnected,
        Event = attempt == 0 ? HealthEventType.Disconnected : HealthEventType.RecoveryAttempt,
        Attempt = attempt,
        EventId = EventIdOf(version),
        Status = new McpServerStatus
        {
            Name = name,
            Status = HealthStatus.Disconnected,
            ConsecutiveFailures = 3,
            DownSince = _time.GetUtcNow().AddMinutes(-1),
            RecoveryAttempts = 2,
            LastError = "connection refused",
            Version = version,
        },
    };

    private McpStatusEvent Tools(string name, long version) => new()
    {
        Type = StatusMessageTypes.ToolsChanged,
        Timestamp = _time.GetUtcNow(),
        McpName = name,
        OldStatus = HealthStatus.Healthy,
        NewStatus = HealthStatus.Healthy,
        Status = new McpServerStatus { Name = name, Status = HealthStatus.Healthy, Version = version },
    };

    private static Guid EventIdOf(long version) => new((int)version, 0, 0, new byte[8]);

    private static long Version(Guid eventId) => BitConverter.ToInt32(eventId.ToByteArray(), 0);
}

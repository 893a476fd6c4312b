using Microsoft.Extensions.Time.Testing;
using Omni2.Host.Realtime;

namespace Omni2.UnitTests.Realtime;

public sealed class UserOutboxTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 28, 12, 0, 0, TimeSpan.Zero));

    private RealtimeMessage Change(string server, string status) =>
        new("mcp_status_change", _time.GetUtcNow(), McpName: server, NewStatus: status);

    [Fact]
    public void A_message_goes_out_at_once_while_the_budget_allows()
    {
        var outbox = new UserOutbox(10, _time);
        outbox.Add(Change("a", "disconnected"));

        var sent = outbox.TryTake();

        Assert.Equal("a", sent!.McpName);
        Assert.False(outbox.HasPending);
    }

    [Fact]
    public void Never_more_than_the_limit_in_any_second()
    {
        var outbox = new UserOutbox(10, _time);
        var sentAt = new List<DateTimeOffset>();
        for (var step = 0; step < 200; step++)
        {
            outbox.Add(Change($"s{step % 37}", step % 2 == 0 ? "disconnected" : "healthy"));
            if (outbox.TryTake() is not null)
            {
                sentAt.Add(_time.GetUtcNow());
            }
            _time.Advance(TimeSpan.FromMilliseconds(5));
        }

        foreach (var start in sentAt)
        {
            Assert.True(sentAt.Count(t => t >= start && t < start + TimeSpan.FromSeconds(1)) <= 10);
        }
    }

    [Fact]
    public void Held_back_messages_coalesce_to_the_latest_per_server_in_one_batch()
    {
        var outbox = new UserOutbox(1, _time);
        outbox.Add(Change("a", "healthy"));
        outbox.TryTake();
        outbox.Add(Change("a", "disconnected"));
        outbox.Add(Change("b", "disconnected"));
        outbox.Add(Change("a", "circuit_open"));

        Assert.Null(outbox.TryTake());
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(1.1), outbox.NextSendAt);
        _time.Advance(TimeSpan.FromSeconds(1.1));
        var batch = outbox.TryTake();

        Assert.Equal(RealtimeMessage.BatchType, batch!.Type);
        Assert.Equal(["a:circuit_open", "b:disconnected"], batch.Events!.Select(e => $"{e.McpName}:{e.NewStatus}"));
    }

    [Fact]
    public void A_snapshot_page_counts_against_the_budget()
    {
        var outbox = new UserOutbox(1, _time);
        Assert.True(outbox.TrySpend());
        outbox.Add(Change("a", "healthy"));

        Assert.Null(outbox.TryTake());
    }

    [Fact]
    public void Fleet_alerts_are_kept_apart_from_server_messages()
    {
        var outbox = new UserOutbox(1, _time);
        outbox.TrySpend();
        outbox.Add(Change("a", "disconnected"));
        outbox.Add(new RealtimeMessage("critical_alert", _time.GetUtcNow(), Servers: ["a", "b", "c"]));
        _time.Advance(TimeSpan.FromSeconds(1.1));

        var batch = outbox.TryTake();

        Assert.Equal(["mcp_status_change", "critical_alert"], batch!.Events!.Select(e => e.Type));
    }

    [Fact]
    public void The_budget_spent_refuses_another_page_until_its_second_has_passed()
    {
        var outbox = new UserOutbox(2, _time);
        Assert.True(outbox.TrySpend());
        Assert.True(outbox.TrySpend());

        Assert.False(outbox.TrySpend());
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(1.1), outbox.NextBudgetAt);
        _time.Advance(TimeSpan.FromSeconds(1.1));
        Assert.True(outbox.TrySpend());
    }

    [Fact]
    public void Nothing_pending_means_no_wake_up()
    {
        var outbox = new UserOutbox(10, _time);

        Assert.Null(outbox.NextSendAt);
        Assert.Null(outbox.TryTake());
    }
}

public sealed class UserOutboxCoalescingTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 28, 12, 0, 0, TimeSpan.Zero));

    private UserOutbox Spent()
    {
        var outbox = new UserOutbox(1, _time);
        outbox.Add(new RealtimeMessage("mcp_status_change", _time.GetUtcNow(), McpName: "first", NewStatus: "healthy"));
        Assert.NotNull(outbox.TryTake());
        return outbox;
    }

    [Fact]
    public void A_tools_change_never_replaces_a_pending_transition_of_its_server()
    {
        var outbox = Spent();
        outbox.Add(new RealtimeMessage("mcp_status_change", _time.GetUtcNow(), McpName: "a", NewStatus: "healthy", Reason: "connected"));
        outbox.Add(new RealtimeMessage("tools_changed", _time.GetUtcNow(), McpName: "a", NewStatus: "healthy"));
        _time.Advance(TimeSpan.FromSeconds(2));

        var batch = outbox.TryTake()!;

        Assert.Equal(["mcp_status_change", "tools_changed"], batch.Events!.Select(e => e.Type));
    }

    [Fact]
    public void Pending_health_checks_merge_into_one_message_with_each_servers_latest_check()
    {
        var outbox = Spent();
        var t0 = _time.GetUtcNow();
        outbox.Add(new RealtimeMessage(RealtimeMessage.HealthChecksType, t0, Checks: [new CheckView("a", t0), new CheckView("b", t0)]));
        outbox.Add(new RealtimeMessage(RealtimeMessage.HealthChecksType, t0, Checks: [new CheckView("a", t0.AddSeconds(5)), new CheckView("c", t0)]));
        _time.Advance(TimeSpan.FromSeconds(2));

        var merged = outbox.TryTake()!;

        Assert.Equal(RealtimeMessage.HealthChecksType, merged.Type);
        Assert.Equal(
            [("a", t0.AddSeconds(5)), ("b", t0), ("c", t0)],
            merged.Checks!.Select(c => (c.McpName, c.LastCheckAt)).OrderBy(c => c.McpName));
    }

    [Fact]
    public void Forgetting_a_server_drops_its_pending_messages_and_takes_it_out_of_checks_and_alerts()
    {
        var outbox = Spent();
        var t0 = _time.GetUtcNow();
        outbox.Add(new RealtimeMessage("mcp_status_change", t0, McpName: "gone", NewStatus: "disconnected"));
        outbox.Add(new RealtimeMessage("tools_changed", t0, McpName: "gone", NewStatus: "healthy"));
        outbox.Add(new RealtimeMessage("mcp_status_change", t0, McpName: "kept", NewStatus: "disconnected"));
        outbox.Add(new RealtimeMessage(RealtimeMessage.HealthChecksType, t0, Checks: [new CheckView("gone", t0), new CheckView("kept", t0)]));
        outbox.Add(RealtimeMessage.CriticalAlert(t0, ["gone", "kept"], TimeSpan.FromSeconds(60)));

        outbox.Forget("gone");
        _time.Advance(TimeSpan.FromSeconds(2));
        var batch = outbox.TryTake()!;

        Assert.Equal(["mcp_status_change", RealtimeMessage.HealthChecksType, "critical_alert"], batch.Events!.Select(e => e.Type));
        Assert.Equal("kept", batch.Events![0].McpName);
        Assert.Equal(["kept"], batch.Events[1].Checks!.Select(c => c.McpName));
        Assert.Equal(["kept"], batch.Events[2].Servers);
        Assert.Equal("1 MCP server failed within 60 s: kept", batch.Events[2].Reason);
    }

    [Fact]
    public void Forgetting_the_only_server_of_a_check_or_an_alert_drops_the_message()
    {
        var outbox = Spent();
        var t0 = _time.GetUtcNow();
        outbox.Add(new RealtimeMessage(RealtimeMessage.HealthChecksType, t0, Checks: [new CheckView("gone", t0)]));
        outbox.Add(RealtimeMessage.CriticalAlert(t0, ["gone"], TimeSpan.FromSeconds(60)));

        outbox.Forget("gone");

        Assert.False(outbox.HasPending);
    }
}

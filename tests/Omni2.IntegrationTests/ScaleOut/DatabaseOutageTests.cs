using System.Text.Json;
using System.Text.RegularExpressions;
using Omni2.Testing;

namespace Omni2.IntegrationTests.ScaleOut;

/// <summary>
/// PostgreSQL goes away for 30 s or more while servers crash and recover (<see cref="DatabaseOutage"/>).
/// Status is the grains' to tell: it must keep reaching every silo, readiness must hold, and once
/// the database is back it must catch up with exactly what happened.
/// </summary>
public sealed class DatabaseOutageTests(DatabaseOutage outage) : IClassFixture<DatabaseOutage>
{
    [Fact]
    public void Transitions_reach_every_silo_while_PostgreSQL_is_down()
    {
        Assert.All(outage.CrashSeen, s => Assert.True(s.Seen, s.Failure));
        foreach (var hub in outage.Hubs)
        {
            var received = DuringOutage(hub);
            Assert.All(outage.Crashed, name => Assert.Contains(received, t => t.Server == name && t.Change == "healthy->disconnected"));
        }
    }

    [Fact]
    public void A_server_that_recovers_while_PostgreSQL_is_down_is_seen_healthy_on_every_silo()
    {
        Assert.All(outage.RecoverySeen, s => Assert.True(s.Seen, s.Failure));
        foreach (var hub in outage.Hubs)
        {
            Assert.Contains(DuringOutage(hub), t => t.Server == outage.Revived && t.Change == "disconnected->healthy");
        }
    }

    [Fact]
    public async Task Transitions_are_written_once_and_in_order_when_PostgreSQL_returns()
    {
        Assert.True(outage.LogCaughtUp.Seen, outage.LogCaughtUp.Failure);
        var log = await outage.LogSinceOutageAsync();
        Assert.Equal(log.Count, log.Select(r => r.EventId).Distinct().Count());
        // What the hubs received is what happened: each crashed server went down, was retried, came back.
        foreach (var name in outage.Crashed)
        {
            var changes = string.Join(' ', log.Where(r => r.Server == name).Select(r => r.Change));
            Assert.Matches(new Regex("^healthy->disconnected( disconnected->disconnected)* disconnected->healthy$"), changes);
        }
    }

    [Fact]
    public void Status_columns_catch_up_with_the_API_when_PostgreSQL_returns() =>
        Assert.True(outage.StatusCaughtUp.Seen, outage.StatusCaughtUp.Failure);

    [Fact]
    public async Task A_database_outage_never_marks_a_server_down()
    {
        var log = await outage.LogSinceOutageAsync();
        Assert.DoesNotContain(log, r => outage.StayedUp.Contains(r.Server));
        foreach (var hub in outage.Hubs)
        {
            Assert.DoesNotContain(DatabaseOutage.TransitionsOf(hub), t => outage.StayedUp.Contains(t.Server));
        }
        // Down once, when it crashed: a failed write after a successful connect is no failure of the server.
        Assert.All(outage.Crashed, name =>
        {
            var downs = log.Where(r => r.Server == name && r.Change == "healthy->disconnected").ToList();
            Assert.True(downs.Count == 1, $"{name} was marked down {downs.Count} times, for: {string.Join(" | ", downs.Select(r => r.Reason).Distinct())}");
        });
    }

    [Fact]
    public void Readiness_holds_while_PostgreSQL_is_down_and_reports_the_database_degraded()
    {
        Assert.All(outage.Silos, silo => Assert.Contains(outage.Readiness, a => a.Silo == silo));
        var answers = outage.Readiness.Select(Describe).Distinct().ToList();
        Assert.True(answers.SequenceEqual(["200 ready, database degraded"]), $"/health/ready answered: {string.Join(" | ", answers)}");
    }

    [Fact]
    public void Readiness_bodies_say_the_database_is_not_reachable_without_the_errors_text()
    {
        Assert.All(outage.Readiness, answer =>
        {
            Assert.Contains("the database is not reachable", answer.Body);
            Assert.DoesNotContain("127.0.0.1", answer.Body);
            Assert.DoesNotContain("xception", answer.Body);
        });
    }

    private List<Transition> DuringOutage(RealtimeClient hub) =>
        [.. DatabaseOutage.TransitionsOf(hub).Where(t => t.At < outage.RestartedAt)];

    /// <summary>The status code with the body's status and database fields, or with its problem detail.</summary>
    private static string Describe(ReadinessAnswer answer)
    {
        try
        {
            using var body = JsonDocument.Parse(answer.Body);
            var root = body.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                return root.TryGetProperty("status", out var status) && root.TryGetProperty("database", out var database)
                    ? $"{answer.StatusCode} {status}, database {database}"
                    : $"{answer.StatusCode} {(root.TryGetProperty("detail", out var detail) ? detail : root)}";
            }
        }
        catch (JsonException)
        {
            // Not JSON: shown as it is.
        }
        return $"{answer.StatusCode} {answer.Body}";
    }
}

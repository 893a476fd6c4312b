using ModelContextProtocol.Client;
using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.IntegrationTests.Servers;

/// <summary>
/// The health check of a server without sessions (2026-07-28), which Omni2 posts itself rather than
/// through the SDK (Mcp/StatelessToolsCheck): a real stateless C# SDK server, two silos, PostgreSQL.
/// </summary>
[Collection("cluster")]
public sealed class StatelessCheckTests(ClusterFixture fixture)
{
    private Omni2Cluster Cluster => fixture.Cluster;

    private async Task<(string Name, TestMcpServer Server)> RegisterHealthyAsync(string prefix)
    {
        var server = await TestMcpServer.StartStatelessAsync();
        // What the gateway's own client negotiates with it (the same SDK defaults): the revision this check is for.
        await using (var probe = await McpClient.CreateAsync(new HttpClientTransport(new() { Endpoint = server.StreamableHttpEndpoint })))
        {
            Assert.True(string.CompareOrdinal(probe.NegotiatedProtocolVersion, "2026-07-28") >= 0, $"negotiated {probe.NegotiatedProtocolVersion}");
        }
        return (await fixture.RegisterHealthyAsync(server, prefix), server);
    }

    [Fact]
    public async Task Unchanged_answers_change_nothing_and_a_changed_list_is_noticed_at_the_next_check()
    {
        var (name, server) = await RegisterHealthyAsync("stateless");
        await using var _ = server;
        var healthy = await Cluster.Server(name).GetStatusAsync();

        // Checks go on (each one moves the last check) without a change of version: the same answer is no news.
        await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetStatusAsync(), s => s.LastCheckAt > healthy.LastCheckAt!.Value.AddSeconds(2), TimeSpan.FromSeconds(20), "three more checks");
        var checkedStatus = await Cluster.Server(name).GetStatusAsync();
        Assert.Equal(HealthStatus.Healthy, checkedStatus.Status);
        Assert.Equal(healthy.Version, checkedStatus.Version);

        // A stateless server announces nothing: the next check's answer differs, and is read.
        await server.AddToolAsync("late");
        var snapshot = await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetSnapshotAsync(), s => s.Tools.Any(t => t.Name == "late"), TimeSpan.FromSeconds(20), "the added tool");
        Assert.Equal(server.ToolNames.Order(), snapshot.Tools.Select(t => t.Name).Order());
        Assert.Equal(HealthStatus.Healthy, snapshot.Status.Status);
        Assert.Equal(["connected"], (await fixture.Database.HealthLogAsync(name)).Select(r => r.EventType));
    }

    [Fact]
    public async Task Tool_calls_work_after_checks_let_the_idle_client_go()
    {
        var (name, server) = await RegisterHealthyAsync("resumed");
        await using var _ = server;
        var healthy = await Cluster.Server(name).GetStatusAsync();

        // Checks every second: two without a call let the connection's SDK client go.
        await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetStatusAsync(), s => s.LastCheckAt > healthy.LastCheckAt!.Value.AddSeconds(3), TimeSpan.FromSeconds(20), "checks without calls");
        var first = await Cluster.Server(name).CallToolAsync(new ToolCallRequest("echo", """{"message":"resumed"}"""));
        var second = await Cluster.Server(name).CallToolAsync(new ToolCallRequest("echo", """{"message":"again"}"""));

        Assert.Equal((ToolCallOutcome.Completed, false), (first.Outcome, first.IsError));
        Assert.Contains("resumed", first.ContentJson);
        Assert.Equal((ToolCallOutcome.Completed, false), (second.Outcome, second.IsError));
        Assert.Equal(HealthStatus.Healthy, (await Cluster.Server(name).GetStatusAsync()).Status);
        Assert.Equal(["connected"], (await fixture.Database.HealthLogAsync(name)).Select(r => r.EventType));
    }

    [Fact]
    public async Task A_server_that_keeps_its_answer_stream_open_stays_healthy()
    {
        var (name, server) = await RegisterHealthyAsync("lingering");
        await using var _ = server;

        server.Mode = TestServerMode.LingeringStream;
        var snapshot = await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetSnapshotAsync(), s => s.Tools.Select(t => t.Name).SequenceEqual(["lingering"]), TimeSpan.FromSeconds(20), "the lingering answer's tools");

        // Checks go on well past the check timeout (the fixture's rows have 2 s): none waits for the end of a stream that never ends.
        var seen = snapshot.Status.LastCheckAt!.Value;
        var later = await Eventually.MatchesAsync(
            () => Cluster.Server(name).GetStatusAsync(), s => s.LastCheckAt > seen.AddSeconds(5), TimeSpan.FromSeconds(30), "checks past the check timeout");
        Assert.Equal(HealthStatus.Healthy, later.Status);
        Assert.Equal(["connected"], (await fixture.Database.HealthLogAsync(name)).Select(r => r.EventType));
    }

    [Theory]
    [InlineData(TestServerMode.Error, "HTTP 500 Internal Server Error")]
    [InlineData(TestServerMode.EndlessPages, "tool list too large: 101 pages > 100 (Omni2:Upstream:MaxToolListPages)")]
    [InlineData(TestServerMode.Garbage, null)]
    public async Task A_failed_check_disconnects_the_server_with_its_reason(TestServerMode mode, string? reason)
    {
        var (name, server) = await RegisterHealthyAsync($"stateless-{mode}".ToLowerInvariant());
        await using var _ = server;

        server.Mode = mode;
        var log = await Eventually.MatchesAsync(
            () => fixture.Database.HealthLogAsync(name), l => l.Any(r => r.EventType == "disconnected"), TimeSpan.FromSeconds(20), "the disconnected row");
        var disconnected = log.First(r => r.EventType == "disconnected");
        Assert.Equal(("healthy", "disconnected"), (disconnected.OldStatus, disconnected.NewStatus));
        if (reason is null)
        {
            Assert.False(string.IsNullOrWhiteSpace(disconnected.Reason));
            Assert.DoesNotContain("<html>", disconnected.Reason); // never what the server wrote
        }
        else
        {
            Assert.Equal(reason, disconnected.Reason);
        }

        server.Mode = TestServerMode.Normal;
        await Cluster.WaitForStatusAsync(name, HealthStatus.Healthy);
    }
}

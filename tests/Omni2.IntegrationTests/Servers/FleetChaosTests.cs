using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Servers;

/// <summary>
/// Many servers failing at once, from the fleet process (one endpoint per server): the ones that
/// crash are noticed without waiting for a health check, and nothing else is disturbed.
/// </summary>
[Collection("cluster")]
public sealed class FleetChaosTests(ClusterFixture fixture)
{
    private const int Servers = 30;

    [Fact]
    public async Task Crashed_stateful_servers_are_seen_down_without_a_check_and_the_others_stay_healthy()
    {
        await using var fleet = await FleetProcess.StartAsync(Servers, stateful: true);
        var names = await RegisterAllHealthyAsync(fleet);

        await fleet.KillAsync(0, Servers / 2 - 1);
        // Checks run every 5 minutes here: only the broken event streams can tell the grains in time.
        await Eventually.MatchesAsync(
            () => StatusesAsync(names),
            statuses => statuses.Take(Servers / 2).All(s => s != HealthStatus.Healthy),
            TimeSpan.FromSeconds(5),
            "the killed servers to be seen down");
        Assert.All(await StatusesAsync(names[(Servers / 2)..]), s => Assert.Equal(HealthStatus.Healthy, s));

        await fleet.ReviveAsync(0, Servers / 2 - 1);
        await Eventually.MatchesAsync(
            () => StatusesAsync(names),
            statuses => statuses.All(s => s == HealthStatus.Healthy),
            TimeSpan.FromSeconds(30),
            "every server to recover");
    }

    [Fact]
    public async Task A_server_that_answers_errors_is_seen_down_by_the_first_failing_call()
    {
        await using var fleet = await FleetProcess.StartAsync(2);
        var names = await RegisterAllHealthyAsync(fleet);

        await fleet.BreakAsync(1, 1);
        var result = await fixture.Cluster.Server(names[1]).CallToolAsync(new ToolCallRequest("echo", """{"message":"hi"}"""));

        Assert.Equal(ToolCallOutcome.UpstreamFailure, result.Outcome);
        await fixture.Cluster.WaitForStatusAsync(names[1], HealthStatus.Disconnected, TimeSpan.FromSeconds(2));
        Assert.Equal(HealthStatus.Healthy, (await fixture.Cluster.Server(names[0]).GetStatusAsync()).Status);
    }

    private async Task<string[]> RegisterAllHealthyAsync(FleetProcess fleet)
    {
        var names = Enumerable.Range(0, fleet.Size).Select(i => ClusterFixture.UniqueName($"fleet{i}")).ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            await fixture.Database.InsertHttpAsync(names[i], fleet.Endpoint(i), intervalSeconds: 300);
        }
        await fixture.Cluster.Registry.ReloadNowAsync();
        await Eventually.MatchesAsync(
            () => StatusesAsync(names),
            statuses => statuses.All(s => s == HealthStatus.Healthy),
            TimeSpan.FromSeconds(30),
            "every fleet server to be healthy");
        return names;
    }

    private async Task<HealthStatus[]> StatusesAsync(IEnumerable<string> names) =>
        await Task.WhenAll(names.Select(async name => (await fixture.Cluster.Server(name).GetStatusAsync()).Status));
}

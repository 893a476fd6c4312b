using Omni2.Contracts;
using Omni2.IntegrationTests.Infrastructure;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.IntegrationTests.Servers;

/// <summary>Grain state and reminders live in PostgreSQL: a cluster that stops entirely picks up where it was.</summary>
public sealed class ClusterRestartTests
{
    [Fact]
    public async Task State_and_reminders_survive_a_full_cluster_restart()
    {
        await using var db = await PostgresDatabase.CreateAsync();
        await using var server = await TestMcpServer.StartAsync();
        var serviceId = $"omni2-restart-{Guid.NewGuid():N}";
        const string name = "survivor";
        await db.InsertHttpAsync(name, server.StreamableHttpEndpoint);

        var before = await Omni2Cluster.StartAsync(db.ConnectionString, serviceId: serviceId);
        McpServerStatus open;
        try
        {
            await before.Registry.ReloadNowAsync();
            await before.WaitForStatusAsync(name, HealthStatus.Healthy);
            await server.StopAsync();
            open = await before.WaitForStatusAsync(name, HealthStatus.CircuitOpen);
        }
        finally
        {
            await before.DisposeAsync();
        }
        var logBefore = await db.HealthLogAsync(name);
        Assert.Equal(1, await db.RemindersOfAsync(name));

        await server.RestartAsync();
        await using var after = await Omni2Cluster.StartAsync(db.ConnectionString, serviceId: serviceId);

        // Nobody calls a grain: only the reminders stored in PostgreSQL can bring the server back.
        var row = await Eventually.MatchesAsync(() => db.StatusRowAsync(name), r => r!.HealthStatus == "healthy", TimeSpan.FromSeconds(30), "the row to turn healthy");
        Assert.Equal(0, row!.ConsecutiveFailures);
        var logAfter = await db.HealthLogAsync(name);
        Assert.Equal(logBefore, logAfter.Take(logBefore.Count));
        // The persisted breaker state carried over: the circuit was open, so recovery closes it (not a fresh 'connected').
        Assert.Equal(new LogRow("circuit_closed", "circuit_open", "healthy", "half-open probe succeeded"), logAfter[^1]);
        Assert.True((await after.Server(name).GetStatusAsync()).Version > open.Version);
    }
}

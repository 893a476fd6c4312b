using Omni2.Contracts;
using Omni2.Testing.McpServer;

using Omni2.Testing;

namespace Omni2.IntegrationTests.Infrastructure;

/// <summary>One database and one two-silo cluster, shared by the tests of the <c>cluster</c> collection.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;

    public Omni2Cluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        Cluster = await Omni2Cluster.StartAsync(Database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>Registers <paramref name="server"/> under a fresh name and waits until its grain reports it healthy.</summary>
    public async Task<string> RegisterHealthyAsync(TestMcpServer server, string prefix, int intervalSeconds = 1, int callTimeoutSeconds = 5)
    {
        var name = UniqueName(prefix);
        await Database.InsertHttpAsync(name, server.StreamableHttpEndpoint, intervalSeconds: intervalSeconds, callTimeoutSeconds: callTimeoutSeconds);
        await Cluster.Registry.ReloadNowAsync();
        await Cluster.WaitForStatusAsync(name, HealthStatus.Healthy);
        return name;
    }

    /// <summary>A server name no other test uses.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

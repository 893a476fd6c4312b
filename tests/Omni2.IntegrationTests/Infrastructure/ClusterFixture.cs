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

    /// <summary>A server name no other test uses.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
}

[CollectionDefinition("cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

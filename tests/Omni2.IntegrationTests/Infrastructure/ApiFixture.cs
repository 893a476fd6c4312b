using Omni2.Testing;

namespace Omni2.IntegrationTests.Infrastructure;

/// <summary>Two hosts (two silos of one cluster) on one fresh database, with <see cref="Settings"/>.</summary>
public abstract class TwoHostFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;

    public string ServiceId { get; } = $"omni2-api-{Guid.NewGuid():N}";

    public ApiHost A { get; private set; } = null!;

    public ApiHost B { get; private set; } = null!;

    /// <summary>What both hosts are configured with, beyond the tests' defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        A = new ApiHost(Database.ConnectionString, ServiceId, Settings);
        A.StartServer();
        B = new ApiHost(Database.ConnectionString, ServiceId, Settings);
        B.StartServer();
    }

    public virtual async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>The API tests' two hosts.</summary>
public sealed class ApiFixture : TwoHostFixture;

[CollectionDefinition("api")]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>;

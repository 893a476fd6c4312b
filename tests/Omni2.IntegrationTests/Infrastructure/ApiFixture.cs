using Omni2.Testing;

namespace Omni2.IntegrationTests.Infrastructure;

/// <summary>Two hosts (two silos of one cluster) on one fresh database, for the API tests.</summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;

    public ApiHost A { get; private set; } = null!;

    public ApiHost B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        var serviceId = $"omni2-api-{Guid.NewGuid():N}";
        A = new ApiHost(Database.ConnectionString, serviceId);
        A.StartServer();
        B = new ApiHost(Database.ConnectionString, serviceId);
        B.StartServer();
        await Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition("api")]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>;

using Omni2.Testing;

namespace Omni2.IntegrationTests.Infrastructure;

/// <summary>Two hosts of one cluster whose admin webhooks point at a real local receiver (one endpoint answers, one hangs).</summary>
public sealed class RealtimeFixture : IAsyncLifetime
{
    public PostgresDatabase Database { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public ApiHost A { get; private set; } = null!;

    public ApiHost B { get; private set; } = null!;

    public string ServiceId { get; } = $"omni2-rt-{Guid.NewGuid():N}";

    public IReadOnlyDictionary<string, string?> Settings { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await PostgresDatabase.CreateAsync();
        Webhooks = await WebhookReceiver.StartAsync();
        Settings = new Dictionary<string, string?>
        {
            ["Omni2:Alerts:Window"] = "00:00:02",
            // Five, so that an alert names every one of the five servers a test stops together.
            ["Omni2:Alerts:BurstThreshold"] = "5",
            ["Omni2:Alerts:Webhooks:0"] = Webhooks.Hang.ToString(),
            ["Omni2:Alerts:Webhooks:1"] = Webhooks.Hook.ToString(),
            ["Omni2:Alerts:WebhookTimeout"] = "00:00:30",
        };
        A = new ApiHost(Database.ConnectionString, ServiceId, Settings);
        A.StartServer();
        B = new ApiHost(Database.ConnectionString, ServiceId, Settings);
        B.StartServer();
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        await Webhooks.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition("realtime")]
public sealed class RealtimeCollection : ICollectionFixture<RealtimeFixture>;

using Omni2.Testing;

namespace Omni2.IntegrationTests.Infrastructure;

/// <summary>Two hosts of one cluster with tool-definition pinning enforced (the default) and the admin webhooks at a real receiver.</summary>
public sealed class PinningFixture : TwoHostFixture
{
    public WebhookReceiver Webhooks { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Omni2:Alerts:Webhooks:0"] = Webhooks.Hook.ToString(),
    };

    public override async Task InitializeAsync()
    {
        Webhooks = await WebhookReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Webhooks.DisposeAsync();
    }
}

[CollectionDefinition("pinning")]
public sealed class PinningCollection : ICollectionFixture<PinningFixture>;

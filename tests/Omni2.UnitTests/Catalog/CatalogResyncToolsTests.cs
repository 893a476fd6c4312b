using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.UnitTests.Catalog;

/// <summary>
/// A resync names the lists it holds (tools and listings) by their database digest and is sent only the
/// lists that changed; what it is spared it keeps, and a resync that changes nothing keeps the snapshot.
/// </summary>
public sealed class CatalogResyncToolsTests
{
    private static readonly Guid Digest1 = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static readonly Guid Digest2 = Guid.Parse("00000000-0000-0000-0000-000000000002");
    private static readonly ImmutableArray<McpToolInfo> EchoTools = [new McpToolInfo { Name = "echo", InputSchemaJson = "{}" }];
    private static readonly McpServerInfo Alpha = new("alpha", McpTransport.StreamableHttp, true, ["viewer"]);

    private static CatalogEntry Row(long version, ImmutableArray<McpToolInfo> tools, Guid digest, McpServerInfo? server = null) =>
        new(server ?? Alpha, new McpServerStatus { Name = "alpha", Status = HealthStatus.Healthy, Version = version, ToolCount = 1 }, tools)
        {
            ListsDigest = digest,
        };

    /// <summary>An event of the status feed about alpha, healthy at <paramref name="version"/>.</summary>
    private static McpStatusEvent FeedEvent(string type, long version) => new()
    {
        Type = type,
        Timestamp = DateTimeOffset.UnixEpoch,
        McpName = "alpha",
        OldStatus = HealthStatus.Healthy,
        NewStatus = HealthStatus.Healthy,
        Server = Alpha,
        Status = new McpServerStatus { Name = "alpha", Status = HealthStatus.Healthy, Version = version },
    };

    private static ServerCatalog Loaded()
    {
        var catalog = new ServerCatalog();
        catalog.Resync([Row(3, EchoTools, Digest1)]);
        return catalog;
    }

    [Fact]
    public void Tools_from_the_database_are_named_by_their_digest()
    {
        var catalog = Loaded();

        Assert.Equal(Digest1, catalog.ListsHeld()["alpha"]);
    }

    [Fact]
    public void A_resync_spared_the_tools_keeps_them_and_the_snapshot()
    {
        var catalog = Loaded();
        var before = catalog.Current;

        catalog.Resync([Row(3, default, Digest1, Alpha with { AllowedRoles = ["viewer"] })]);

        Assert.Same(before, catalog.Current);
        Assert.Equal(EchoTools.AsEnumerable(), catalog.Current.Servers["alpha"].Tools.AsEnumerable());
    }

    [Fact]
    public void A_newer_row_spared_the_tools_takes_its_status_with_the_tools_held()
    {
        var catalog = Loaded();

        catalog.Resync([Row(4, default, Digest1) with { Status = new McpServerStatus { Name = "alpha", Status = HealthStatus.Disconnected, Version = 4 } }]);

        var entry = catalog.Current.Servers["alpha"];
        Assert.Equal(HealthStatus.Disconnected, entry.Status.Status);
        Assert.Equal(EchoTools.AsEnumerable(), entry.Tools.AsEnumerable());
        Assert.Equal(Digest1, entry.ListsDigest);
    }

    [Fact]
    public void A_changed_configuration_at_the_same_version_is_taken()
    {
        var catalog = Loaded();

        catalog.Resync([Row(3, default, Digest1, Alpha with { AllowedRoles = ["admin"] })]);

        Assert.Equal(["admin"], catalog.Current.Servers["alpha"].Server.AllowedRoles.AsEnumerable());
    }

    [Fact]
    public void Tools_the_feed_brought_are_not_named_so_the_next_resync_brings_the_databases()
    {
        var catalog = Loaded();
        var other = ImmutableArray.Create(new McpToolInfo { Name = "sum", InputSchemaJson = "{}" });

        catalog.Apply(FeedEvent(StatusMessageTypes.ToolsChanged, version: 4) with { Tools = other });

        Assert.False(catalog.ListsHeld().ContainsKey("alpha"));
        catalog.Resync([Row(4, other, Digest2)]);
        Assert.Equal(Digest2, catalog.ListsHeld()["alpha"]);
    }

    [Fact]
    public void Tools_spared_for_a_server_dropped_meanwhile_are_asked_for_again()
    {
        var catalog = new ServerCatalog();

        // The catalog named alpha's digest, then lost alpha before the rows arrived.
        catalog.Resync([Row(3, default, Digest1)]);

        Assert.Empty(catalog.Current.Servers["alpha"].Tools);
        Assert.False(catalog.ListsHeld().ContainsKey("alpha"));
    }

    private static readonly McpServerListings OnePrompt = new([new McpListedItem("greet", """{"name":"greet"}""")], [], []);

    [Fact]
    public void A_row_brings_its_listings_and_a_row_spared_its_lists_keeps_the_ones_held()
    {
        var catalog = new ServerCatalog();

        catalog.Resync([Row(3, EchoTools, Digest1) with { Listings = OnePrompt }]);
        var before = catalog.Current;
        catalog.Resync([Row(3, default, Digest1)]);

        Assert.Same(before, catalog.Current);
        Assert.True(catalog.Current.Servers["alpha"].Listings.SameAs(OnePrompt));
    }

    [Fact]
    public void Listings_the_feed_brought_are_not_named_so_the_next_resync_brings_the_databases()
    {
        var catalog = Loaded();

        catalog.Apply(FeedEvent(StatusMessageTypes.ListingsChanged, version: 4) with { Listings = OnePrompt });

        Assert.False(catalog.ListsHeld().ContainsKey("alpha"));
        Assert.True(catalog.Current.Servers["alpha"].Listings.SameAs(OnePrompt));
    }

    [Fact]
    public void A_server_missing_from_the_rows_is_removed()
    {
        var catalog = Loaded();

        catalog.Resync([]);

        Assert.Empty(catalog.Current.Servers);
    }
}

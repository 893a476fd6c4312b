using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.UnitTests.Catalog;

public sealed class ServerCatalogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static ServerCatalog WithServer(DateTimeOffset? lastCheck, long version = 3)
    {
        var catalog = new ServerCatalog();
        catalog.Resync([new CatalogEntry(
            new McpServerInfo("alpha", McpTransport.StreamableHttp, true, []),
            new McpServerStatus { Name = "alpha", Status = HealthStatus.Healthy, LastCheckAt = lastCheck, Version = version, Silo = "silo-a" },
            [])]);
        return catalog;
    }

    private static McpServerStatus Alpha(ServerCatalog catalog) => catalog.Current.Servers["alpha"].Status;

    [Fact]
    public void A_check_moves_the_last_check_forward_and_changes_nothing_else()
    {
        var catalog = WithServer(T0);

        catalog.ApplyChecks([new ServerCheck("alpha", T0.AddSeconds(30), "silo-b")]);

        var status = Alpha(catalog);
        Assert.Equal(T0.AddSeconds(30), status.LastCheckAt);
        Assert.Equal("silo-b", status.Silo);
        Assert.Equal(3, status.Version);
        Assert.Equal(HealthStatus.Healthy, status.Status);
    }

    [Fact]
    public void An_older_check_never_moves_the_last_check_back()
    {
        var catalog = WithServer(T0.AddSeconds(30));

        catalog.ApplyChecks([new ServerCheck("alpha", T0)]);

        Assert.Equal(T0.AddSeconds(30), Alpha(catalog).LastCheckAt);
    }

    [Fact]
    public void A_check_of_an_unknown_server_is_ignored()
    {
        var catalog = WithServer(T0);
        var before = catalog.Current;

        catalog.ApplyChecks([new ServerCheck("ghost", T0.AddSeconds(30))]);

        Assert.Same(before, catalog.Current);
    }

    [Fact]
    public void A_resync_from_an_older_row_keeps_the_live_last_check()
    {
        var catalog = WithServer(T0);
        catalog.ApplyChecks([new ServerCheck("alpha", T0.AddSeconds(30))]);

        catalog.Resync([new CatalogEntry(
            new McpServerInfo("alpha", McpTransport.StreamableHttp, true, []),
            new McpServerStatus { Name = "alpha", Status = HealthStatus.Healthy, LastCheckAt = T0, Version = 3 },
            ImmutableArray<McpToolInfo>.Empty)]);

        Assert.Equal(T0.AddSeconds(30), Alpha(catalog).LastCheckAt);
    }

    [Fact]
    public void A_resync_keeps_the_silo_the_feed_named_since_the_database_holds_none()
    {
        var catalog = WithServer(T0);

        // The row's last check is newer (the 5 s batch wrote it), so the entry is rebuilt from the row.
        catalog.Resync([new CatalogEntry(
            new McpServerInfo("alpha", McpTransport.StreamableHttp, true, []),
            new McpServerStatus { Name = "alpha", Status = HealthStatus.Healthy, LastCheckAt = T0.AddSeconds(30), Version = 3 },
            ImmutableArray<McpToolInfo>.Empty)]);

        Assert.Equal(T0.AddSeconds(30), Alpha(catalog).LastCheckAt);
        Assert.Equal("silo-a", Alpha(catalog).Silo);
    }

    [Fact]
    public void A_catalog_is_loaded_only_after_its_first_resync()
    {
        var catalog = new ServerCatalog();
        Assert.False(catalog.IsLoaded);

        catalog.Resync([]);

        Assert.True(catalog.IsLoaded);
    }

    [Fact]
    public void A_resync_of_changed_rows_drops_no_server_it_does_not_name()
    {
        var catalog = WithServer(T0);

        catalog.Resync([new CatalogEntry(
            new McpServerInfo("beta", McpTransport.StreamableHttp, true, []),
            new McpServerStatus { Name = "beta", Status = HealthStatus.Disconnected, Version = 1 },
            [])], complete: false);

        Assert.Equal(["alpha", "beta"], catalog.Current.Servers.Keys);
    }

    [Fact]
    public void A_resync_of_changed_rows_does_not_make_a_catalog_loaded()
    {
        var catalog = new ServerCatalog();

        catalog.Resync([], complete: false);

        Assert.False(catalog.IsLoaded);
    }

    private static McpStatusEvent Updated(long version, bool enabled, params string[] allowedRoles) => new()
    {
        Type = StatusMessageTypes.ServerUpdated,
        Timestamp = T0,
        McpName = "alpha",
        OldStatus = HealthStatus.Healthy,
        NewStatus = HealthStatus.Healthy,
        Status = new McpServerStatus { Name = "alpha", Status = HealthStatus.Healthy, Version = version },
        Server = new McpServerInfo("alpha", McpTransport.StreamableHttp, enabled, [.. allowedRoles]),
    };

    [Fact]
    public void A_late_event_with_the_roles_before_a_restriction_does_not_make_the_server_visible_again()
    {
        var catalog = WithServer(T0, version: 3);
        catalog.Apply(Updated(5, true, "admin"));

        catalog.Apply(Updated(4, true));

        Assert.Equal(["admin"], catalog.Current.Servers["alpha"].Server.AllowedRoles.ToArray());
        Assert.Equal(5, Alpha(catalog).Version);
    }

    [Fact]
    public void A_late_event_from_before_a_disable_does_not_enable_the_server_again()
    {
        var catalog = WithServer(T0, version: 3);
        catalog.Apply(Updated(5, false));

        catalog.Apply(Updated(4, true));

        Assert.False(catalog.Current.Servers["alpha"].Server.Enabled);
    }

    [Fact]
    public void A_newer_event_changes_the_roles()
    {
        var catalog = WithServer(T0, version: 3);

        catalog.Apply(Updated(4, true, "operator"));

        Assert.Equal(["operator"], catalog.Current.Servers["alpha"].Server.AllowedRoles.ToArray());
    }

    [Fact]
    public void A_resync_read_before_a_restriction_does_not_make_the_server_visible_again()
    {
        var catalog = WithServer(T0, version: 3);
        catalog.Apply(Updated(4, true, "admin"));

        catalog.Resync([new CatalogEntry(
            new McpServerInfo("alpha", McpTransport.StreamableHttp, true, []),
            new McpServerStatus { Name = "alpha", Status = HealthStatus.Healthy, Version = 3 },
            [])]);

        Assert.Equal(["admin"], catalog.Current.Servers["alpha"].Server.AllowedRoles.ToArray());
    }
}

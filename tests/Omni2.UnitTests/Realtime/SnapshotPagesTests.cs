using Microsoft.Extensions.Time.Testing;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;
using Omni2.Host.Realtime;

namespace Omni2.UnitTests.Realtime;

public sealed class SnapshotPagesTests
{
    private static readonly string[] Viewer = ["viewer"];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero));

    private static CatalogEntry Row(string name, params string[] allowedRoles) => new(
        new McpServerInfo(name, McpTransport.StreamableHttp, true, [.. allowedRoles]),
        new McpServerStatus { Name = name, Status = HealthStatus.Healthy, Version = 1 },
        []);

    private static ServerCatalog CatalogOf(params string[] names)
    {
        var catalog = new ServerCatalog();
        catalog.Resync([.. names.Select(n => Row(n))]);
        return catalog;
    }

    private static List<RealtimeMessage> All(SnapshotPages pages, ISet<string> known)
    {
        var messages = new List<RealtimeMessage>();
        while (pages.Next(known) is { } page)
        {
            messages.Add(page);
        }
        return messages;
    }

    [Fact]
    public void Five_servers_in_pages_of_two_are_pages_one_to_three_in_name_order()
    {
        var pages = new SnapshotPages(CatalogOf("e", "a", "c", "b", "d"), Viewer, pageSize: 2, _time);
        var known = new HashSet<string>();

        var messages = All(pages, known);

        Assert.Equal([1, 2, 3], messages.Select(m => m.Page));
        Assert.All(messages, m => Assert.Equal(3, m.Pages));
        Assert.All(messages, m => Assert.Equal(RealtimeMessage.SnapshotType, m.Type));
        Assert.Equal(["a", "b", "c", "d", "e"], messages.SelectMany(m => m.Snapshot!).Select(s => s.Name));
        Assert.Equal(["a", "b", "c", "d", "e"], known.Order());
        Assert.True(pages.Done);
    }

    [Fact]
    public void An_empty_fleet_is_one_empty_page()
    {
        var messages = All(new SnapshotPages(CatalogOf(), Viewer, pageSize: 2, _time), new HashSet<string>());

        var page = Assert.Single(messages);
        Assert.Equal((1, 1), (page.Page, page.Pages));
        Assert.Empty(page.Snapshot!);
    }

    [Fact]
    public void A_page_is_built_from_the_catalog_as_it_is_when_it_is_sent()
    {
        var catalog = CatalogOf("a", "b", "c", "d");
        var pages = new SnapshotPages(catalog, Viewer, pageSize: 2, _time);
        var known = new HashSet<string>();
        pages.Next(known);

        catalog.Remove("c");
        catalog.Resync([Row("d", "admin")], complete: false);
        var second = pages.Next(known)!;

        Assert.Empty(second.Snapshot!); // c is gone, and d may no longer be seen by a viewer
        Assert.Equal(["a", "b"], known.Order());
    }

    [Fact]
    public void Servers_a_recipient_may_not_see_are_in_no_page_and_count_for_no_page()
    {
        var catalog = new ServerCatalog();
        catalog.Resync([Row("open"), Row("secret", "admin")]);

        var messages = All(new SnapshotPages(catalog, Viewer, pageSize: 1, _time), new HashSet<string>());

        Assert.Equal(["open"], messages.SelectMany(m => m.Snapshot!).Select(s => s.Name));
        Assert.Equal(1, Assert.Single(messages).Pages);
    }
}

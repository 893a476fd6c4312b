using System.Text.Json;
using Omni2.Host.Auth;
using Omni2.Testing;

namespace Omni2.IntegrationTests.Catalog;

/// <summary>
/// A real SignalR client of a host whose snapshot pages hold 3 servers (<see cref="BehindTheFeedFixture"/>):
/// a snapshot of more arrives as pages 1 to n, in order, and together they hold every server.
/// </summary>
public sealed class PagedSnapshotTests(BehindTheFeedFixture fixture) : IClassFixture<BehindTheFeedFixture>
{
    private const int Servers = 10;

    [Fact]
    public async Task A_snapshot_of_ten_servers_arrives_as_four_pages_in_order_holding_every_server()
    {
        var names = Enumerable.Range(0, Servers).Select(i => $"paged-{i:D2}").ToList();
        foreach (var name in names)
        {
            await fixture.InsertAsync(name);
        }
        await Eventually.MatchesAsync(() => Task.FromResult(names.Count(fixture.Catalog.Current.Servers.ContainsKey)), n => n == Servers, TimeSpan.FromSeconds(60), "every server in the catalog");

        await using var client = await RealtimeClient.ConnectAsync(fixture.Host, fixture.Host.Token(Roles.Viewer));
        var pages = await Eventually.MatchesAsync(
            () => Task.FromResult(client.Events().Where(e => e.GetProperty("type").GetString() == "snapshot").ToList()),
            received => received.Count > 0 && Page(received[^1]) == received[^1].GetProperty("pages").GetInt32(),
            TimeSpan.FromSeconds(60),
            "the snapshot's last page");

        Assert.Equal([1, 2, 3, 4], pages.Select(Page));
        Assert.All(pages, p => Assert.Equal(4, p.GetProperty("pages").GetInt32()));
        Assert.All(pages, p => Assert.InRange(p.GetProperty("snapshot").GetArrayLength(), 0, 3));
        var shown = pages.SelectMany(p => p.GetProperty("snapshot").EnumerateArray()).Select(s => s.GetProperty("name").GetString()!).ToList();
        Assert.Equal(names, shown);
        Assert.Equal(names, client.LatestStatuses().Keys.Order());
    }

    private static int Page(JsonElement message) => message.GetProperty("page").GetInt32();
}

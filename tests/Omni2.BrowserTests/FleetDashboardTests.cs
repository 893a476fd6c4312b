using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Omni2.BrowserTests.Infrastructure;
using Omni2.Testing;
using static Microsoft.Playwright.Assertions;

namespace Omni2.BrowserTests;

/// <summary>The dashboard with 1,000 servers from the fleet process: summary, search, sort, pages, history, mass failure, polling.</summary>
[Collection("fleet-dashboard")]
public sealed class FleetDashboardTests(FleetDashboardFixture fixture) : IAsyncLifetime
{
    private const int Size = FleetDashboardFixture.Size;
    private static readonly LocatorAssertionsToHaveTextOptions Live = new() { Timeout = 60_000 };

    private Uri BaseAddress => fixture.Host.CreateClient().BaseAddress!;

    /// <summary>Every test starts from a healthy fleet, and brings back whatever it killed, however it ended.</summary>
    public Task InitializeAsync() => fixture.WaitForHealthyAsync();

    public Task DisposeAsync() => fixture.Fleet.ReviveAsync(0, Size - 1);

    private async Task<DashboardPage> OpenSignedInAsync(string role, string test, string query = "", Func<IPage, Task>? beforeLoad = null)
    {
        var page = await DashboardPage.OpenAsync(fixture.Browser, new Uri(BaseAddress, "/" + query), test, beforeLoad);
        await page.SignInAsync(fixture.Host.Token(role, $"{role}-in-chromium"));
        await Expect(page.Count("healthy")).ToHaveTextAsync(Size.ToString(), Live);
        return page;
    }

    [Fact]
    public async Task The_summary_counts_every_status_and_the_page_holds_one_page_of_rows()
    {
        await using var page = await OpenSignedInAsync("viewer", "20-fleet-summary");

        Assert.Equal(new Dictionary<string, int> { ["healthy"] = Size, ["disconnected"] = 0, ["circuit_open"] = 0, ["disabled"] = 0, ["unknown"] = 0 }, await page.CountsAsync());
        await Expect(page.Rows).ToHaveCountAsync(100);
        await Expect(page.Page.Locator("#page-label")).ToHaveTextAsync($"1–100 of {Size}");
        await page.ScreenshotAsync("summary");

        await page.Page.Locator("#page-next").ClickAsync();
        await Expect(page.Rows.First).ToHaveAttributeAsync("data-server", FleetDashboardFixture.Name(100));
        await Expect(page.Rows).ToHaveCountAsync(100);
        Assert.Contains("page=2", page.Page.Url);
        page.AssertNoErrors();
    }

    [Fact]
    public async Task A_count_filters_the_table_to_its_status_and_updates_live()
    {
        await using var page = await OpenSignedInAsync("operator", "21-fleet-count-filter");
        await fixture.Fleet.KillAsync(10, 14);
        await Expect(page.Count("circuit_open")).ToHaveTextAsync("5", Live);
        await Expect(page.Count("healthy")).ToHaveTextAsync((Size - 5).ToString());

        await page.Page.Locator("button[data-filter-status='circuit_open']").ClickAsync();
        await Expect(page.Rows).ToHaveCountAsync(5);
        await Expect(page.Page.Locator("button[data-filter-status='circuit_open']")).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.Contains("status=circuit_open", page.Page.Url);
        await page.ScreenshotAsync("circuit-open-only");

        await fixture.Fleet.ReviveAsync(10, 14);
        await Expect(page.Count("healthy")).ToHaveTextAsync(Size.ToString(), Live);
        await Expect(page.Rows).ToHaveCountAsync(0);
        await Expect(page.Page.Locator("#no-match")).ToBeVisibleAsync();
        page.AssertNoErrors();
    }

    [Fact]
    public async Task Typing_in_the_search_box_filters_by_name_and_the_link_shows_the_same_to_someone_else()
    {
        string link;
        await using (var page = await OpenSignedInAsync("viewer", "22-fleet-search"))
        {
            await page.SearchBox.PressSequentiallyAsync("fleet-0004");
            await Expect(page.Rows).ToHaveCountAsync(10);
            await page.Page.Locator("select#status-filter").SelectOptionAsync("healthy");
            await page.Page.Locator("select#transport-filter").SelectOptionAsync("streamable_http");
            await Expect(page.Rows).ToHaveCountAsync(10);
            await Expect(page.Page.Locator("#shown")).ToHaveTextAsync($"10 of {Size} server(s)");
            await page.ScreenshotAsync("searched");
            link = new Uri(page.Page.Url).Query;
            Assert.Contains("q=fleet-0004", link);
            page.AssertNoErrors();
        }

        await using var other = await OpenSignedInAsync("admin", "22-fleet-shared-link", link);
        await Expect(other.Rows).ToHaveCountAsync(10);
        await Expect(other.SearchBox).ToHaveValueAsync("fleet-0004");
        await Expect(other.Page.Locator("select#status-filter")).ToHaveValueAsync("healthy");
        other.AssertNoErrors();
    }

    [Fact]
    public async Task Every_column_sorts_and_a_second_click_reverses_it()
    {
        await using var page = await OpenSignedInAsync("viewer", "23-fleet-sort");
        await fixture.Fleet.KillAsync(500, 500);
        await Expect(page.Count("circuit_open")).ToHaveTextAsync("1", Live);

        foreach (var key in new[] { "transport", "status", "circuit", "failures", "last_check", "next_attempt", "tools", "name" })
        {
            var header = page.Page.Locator($"th[data-sort='{key}']");
            await header.Locator("button").ClickAsync();
            await Expect(header).ToHaveAttributeAsync("aria-sort", "ascending");
            if (key == "status")
            {
                await Expect(page.Rows.First).ToHaveAttributeAsync("data-server", FleetDashboardFixture.Name(500)); // the worst first
            }
            await header.Locator("button").ClickAsync();
            await Expect(header).ToHaveAttributeAsync("aria-sort", "descending");
            Assert.Contains(key == "name" ? "dir=desc" : $"sort={key}&dir=desc", page.Page.Url); // by name is the default
        }
        await Expect(page.Rows.First).ToHaveAttributeAsync("data-server", FleetDashboardFixture.Name(Size - 1));
        await page.ScreenshotAsync("by-name-descending");
        page.AssertNoErrors();
    }

    [Fact]
    public async Task An_expanded_row_shows_its_status_history_with_uptime_and_each_transition_on_hover()
    {
        const int server = 7;
        var name = FleetDashboardFixture.Name(server);
        await using var page = await OpenSignedInAsync("viewer", "24-fleet-history");
        await fixture.Fleet.KillAsync(server, server);
        await page.WaitForUnavailableAsync(name);
        await fixture.Fleet.ReviveAsync(server, server);
        await page.WaitForStatusAsync(name, ["healthy"], TimeSpan.FromSeconds(30));

        await page.Row(name).Locator("button[data-action='expand']").ClickAsync();
        var chart = page.Page.Locator($"tr[data-detail-for='{name}'] svg[role='img']");
        await Expect(chart).ToHaveAttributeAsync("aria-label", new Regex(@"^Status history, last 24 hours: \d+(\.\d+)? % uptime, \d+ transition"));
        Assert.True(await chart.Locator("rect.span[data-status='healthy']").CountAsync() > 0, "no healthy span");
        Assert.True(await chart.Locator("rect.span[data-status='disconnected'], rect.span[data-status='circuit_open']").CountAsync() > 0, "no span of the outage");
        var uptime = double.Parse((await chart.GetAttributeAsync("data-uptime"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(uptime, 0.01, 99.99);

        var mark = chart.Locator("rect.transition").Last;
        await mark.HoverAsync();
        await Expect(page.Page.Locator($"tr[data-detail-for='{name}'] .history-hover")).ToHaveTextAsync(new Regex("→ healthy"));
        await page.ScreenshotAsync("history");
        page.AssertNoErrors();
    }

    [Fact]
    public async Task The_fleet_chart_shows_the_last_hour_as_soon_as_the_page_opens()
    {
        // The fleet was registered minutes ago: moved half an hour back (the whole log, so it stays in order),
        // the health log holds 30 minutes of a healthy fleet that no page sampled.
        await fixture.Database.ExecuteAsync("UPDATE omni2.mcp_health_log SET created_at = created_at - interval '30 minutes'");
        await using var page = await OpenSignedInAsync("viewer", "28-fleet-chart-history");

        var healthyBars = page.Page.Locator("#fleet-chart svg[role='img'] rect.span-healthy");
        await Eventually.MatchesAsync(healthyBars.CountAsync, bars => bars >= 30, TimeSpan.FromSeconds(30), "30 minutes of healthy bars");
        await Expect(healthyBars.Last.Locator("title")).ToHaveTextAsync(new Regex($": {Size} healthy$"));
        await page.ScreenshotAsync("fleet-chart-history");
        page.AssertNoErrors();
    }

    [Fact]
    public async Task A_malformed_health_log_or_fleet_history_still_draws_the_charts_and_breaks_nothing()
    {
        var name = FleetDashboardFixture.Name(3);
        await using var page = await OpenSignedInAsync("viewer", "27-fleet-malformed-history", beforeLoad: async p =>
        {
            await p.RouteAsync($"**/api/v1/mcp/servers/{name}/health-log*", route => route.FulfillAsync(new RouteFulfillOptions
            {
                ContentType = "application/json",
                Body = """
                    {"events": [null, 7, "x", {"created_at": "not a time", "new_status": "healthy"},
                      {"created_at": "2001-01-01T00:00:00Z", "old_status": "melting", "new_status": 42},
                      {"created_at": null}, {"old_status": "healthy"}], "next_before": "nope"}
                    """,
            }));
            await p.RouteAsync("**/api/v1/mcp/status/history*", route => route.FulfillAsync(new RouteFulfillOptions
            {
                ContentType = "application/json",
                Body = """
                    {"bucket_seconds": 60, "buckets": [null, 7, {"at": "not a time", "counts": {"healthy": 1}},
                      {"at": "2001-01-01T00:00:00Z", "counts": {"healthy": -5, "melting": 3}}, {"counts": {"healthy": "many"}},
                      {"at": "2999-01-01T00:00:00Z", "counts": {"healthy": 1e9}}]}
                    """,
            }));
        });

        // The fleet chart keeps to what the page sampled itself.
        await Expect(page.Page.Locator("#fleet-chart svg[role='img']")).ToHaveAttributeAsync("aria-label", new Regex($"now {Size} healthy$"));
        await page.Row(name).Locator("button[data-action='expand']").ClickAsync();

        var chart = page.Page.Locator($"tr[data-detail-for='{name}'] svg[role='img']");
        // The one event with a time is older than the window and names a status the page does not know.
        await Expect(chart).ToHaveAttributeAsync("aria-label", new Regex("^Status history, last 24 hours: uptime unknown, 0 transition"));
        await page.ScreenshotAsync("malformed-history");
        page.AssertNoErrors();
    }

    [Fact]
    public async Task The_counts_stay_live_while_every_server_fails_at_once()
    {
        await using var page = await OpenSignedInAsync("admin", "25-fleet-mass-failure");
        await Expect(page.Page.Locator("#fleet-chart svg[role='img']")).ToHaveAttributeAsync("aria-label", new Regex($"^Fleet status counts over the last 60 minutes; now {Size} healthy"), new() { Timeout = 10_000 });
        await fixture.Fleet.KillAsync(0, Size - 1);
        await Expect(page.Count("healthy")).ToHaveTextAsync("0", Live);
        await Eventually.MatchesAsync(page.CountsAsync, c => c["disconnected"] + c["circuit_open"] == Size, TimeSpan.FromSeconds(60), "every server down in the summary");
        await Expect(page.Rows).ToHaveCountAsync(100);
        await page.ScreenshotAsync("all-down");

        await fixture.Fleet.ReviveAsync(0, Size - 1);
        await Expect(page.Count("healthy")).ToHaveTextAsync(Size.ToString(), Live);
        await page.ScreenshotAsync("all-back");
        page.AssertNoErrors();
    }

    [Fact]
    public async Task Without_the_WebSocket_the_page_polls_and_the_counts_follow_at_this_scale()
    {
        await using var page = await OpenSignedInAsync("viewer", "26-fleet-polling", beforeLoad: p =>
            p.RouteWebSocketAsync(new Regex("/ws"), ws => ws.CloseAsync(new WebSocketRouteCloseOptions { Code = 1011, Reason = "blocked by the test" })));
        await Expect(page.Connection).ToHaveAttributeAsync("data-state", "polling");
        await fixture.Fleet.KillAsync(20, 29);
        await Expect(page.Count("healthy")).ToHaveTextAsync((Size - 10).ToString(), Live);
        await page.ScreenshotAsync("polled-failures");
        await fixture.Fleet.ReviveAsync(20, 29);
        await Expect(page.Count("healthy")).ToHaveTextAsync(Size.ToString(), Live);
        await Expect(page.Connection).ToHaveAttributeAsync("data-state", "polling");
        page.AssertNoErrors();
    }
}

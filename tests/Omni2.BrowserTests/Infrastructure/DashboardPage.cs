using Microsoft.Playwright;
using Omni2.Testing;

namespace Omni2.BrowserTests.Infrastructure;

/// <summary>The dashboard in one fresh browser context: what a person sees and does, in Playwright terms.</summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly string _test;
    private int _shots;

    private DashboardPage(IBrowserContext context, IPage page, string test)
    {
        _context = context;
        _test = test;
        Page = page;
        page.PageError += (_, error) => Errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("WebSocket", StringComparison.OrdinalIgnoreCase))
            {
                Errors.Add(message.Text);
            }
        };
    }

    /// <summary>The statuses in which a server cannot be called.</summary>
    public static readonly string[] Unavailable = ["disconnected", "circuit_open"];

    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(20);

    public IPage Page { get; }

    /// <summary>Uncaught exceptions and console errors (other than the browser's own about a refused WebSocket).</summary>
    public List<string> Errors { get; } = [];

    public ILocator Connection => Page.Locator("#connection");

    /// <summary>Opens the dashboard; <paramref name="beforeLoad"/> can route requests before the first one is made.</summary>
    public static async Task<DashboardPage> OpenAsync(IBrowser browser, Uri baseAddress, string test, Func<IPage, Task>? beforeLoad = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        var dashboard = new DashboardPage(context, page, test);
        if (beforeLoad is not null)
        {
            await beforeLoad(page);
        }
        var response = await page.GotoAsync(baseAddress.ToString());
        Assert.True(response is { Ok: true }, $"GET / answered {response?.Status}: the host did not serve the dashboard");
        return dashboard;
    }

    /// <summary>Signs in by pasting the token, as a person would.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.Locator("#token-input").FillAsync(token);
        await Page.Locator("button[data-action='sign-in']").ClickAsync();
        await Assertions.Expect(Page.Locator("#fleet")).ToBeVisibleAsync();
    }

    public ILocator Row(string server) => Page.Locator($"tr.server[data-server='{server}']");

    /// <summary>Every server row in the DOM (one page of the table).</summary>
    public ILocator Rows => Page.Locator("tr.server");

    /// <summary>The summary's number of servers in <paramref name="status"/>.</summary>
    public ILocator Count(string status) => Page.Locator($"[data-count-status='{status}']");

    /// <summary>The summary's numbers, read together.</summary>
    public async Task<Dictionary<string, int>> CountsAsync() =>
        await Page.EvaluateAsync<Dictionary<string, int>>(
            "() => Object.fromEntries([...document.querySelectorAll('[data-count-status]')].map(e => [e.dataset.countStatus, Number(e.textContent)]))");

    public ILocator SearchBox => Page.GetByRole(AriaRole.Searchbox);

    public ILocator Badge(string server) => Row(server).Locator("[data-field='status']");

    public ILocator CallButton(string server) => Row(server).Locator("button[data-action='call']");

    /// <summary>The badge and the call button read together, so they are from the same moment.</summary>
    public async Task<CallState> CallStateAsync(string server)
    {
        var values = await Page.EvaluateAsync<string[]>(
            """
            name => {
              const row = document.querySelector(`tr.server[data-server="${name}"]`);
              const button = row?.querySelector("button[data-action='call']");
              return [row?.querySelector("[data-field='status']")?.dataset.status ?? "", String(button?.disabled ?? ""), button?.title ?? ""];
            }
            """, server);
        return new CallState(values[0], values[1] == "true", values[2]);
    }

    /// <summary>Waits (checking every 50 ms) until the server's badge shows one of <paramref name="statuses"/>; returns when it first did.</summary>
    public async Task<DateTimeOffset> WaitForStatusAsync(string server, string[] statuses, TimeSpan timeout)
    {
        await Page.WaitForFunctionAsync(
            """
            ([name, statuses]) => statuses.includes(document.querySelector(`tr.server[data-server="${name}"] [data-field='status']`)?.dataset.status)
            """,
            new object[] { server, statuses },
            new PageWaitForFunctionOptions { PollingInterval = 50, Timeout = (float)timeout.TotalMilliseconds });
        return DateTimeOffset.UtcNow;
    }

    public Task<DateTimeOffset> WaitForHealthyAsync(string server) => WaitForStatusAsync(server, ["healthy"], StatusTimeout);

    /// <summary>Waits until the badge shows the server down: disconnected, or its circuit open.</summary>
    public Task<DateTimeOffset> WaitForUnavailableAsync(string server) => WaitForStatusAsync(server, Unavailable, StatusTimeout);

    /// <summary>Saves artifacts/screenshots/{test}-{n}-{step}.png.</summary>
    public async Task ScreenshotAsync(string step)
    {
        var path = Path.Combine(Chromium.ScreenshotDirectory, $"{_test}-{++_shots}-{step}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
    }

    public void AssertNoErrors() => Assert.True(Errors.Count == 0, "the page reported errors:\n" + string.Join("\n", Errors));

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}

public sealed record CallState(string Status, bool Disabled, string Tooltip);

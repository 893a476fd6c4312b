using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// The dashboard in headless Chromium against one silo process watching a fleet of stateful
/// servers: sign-in until the summary counts every server, how soon each keystroke in the search box
/// is on screen, and the longest gap between animation frames (the main thread busy) while every
/// server fails at once and while they all come back. Timed inside the page (performance.now), so
/// Playwright's own round trips are not in the figures.
/// </summary>
public static class DashboardBenchmark
{
    private const int SignIns = 3;
    private const string Query = "fleet-00042";

    // The longest gap between frames and the longest task on the main thread since the last reset,
    // installed before the page's own script runs. A gap with no task as long was the machine's
    // (Chromium not scheduled), not the page's.
    private const string FrameMonitor = """
        window.__frames = { max: 0, task: 0, reset() { this.max = 0; this.task = 0; } };
        (() => {
          let last = performance.now();
          const loop = (t) => { const gap = t - last; last = t; if (gap > window.__frames.max) window.__frames.max = gap; requestAnimationFrame(loop); };
          requestAnimationFrame(loop);
          new PerformanceObserver((list) => {
            for (const entry of list.getEntries()) window.__frames.task = Math.max(window.__frames.task, entry.duration);
          }).observe({ type: 'longtask' });
        })();
        """;

    private const string Frames = "() => [window.__frames.max, window.__frames.task]";

    private const string Counts = "() => Object.fromEntries([...document.querySelectorAll('[data-count-status]')].map(e => [e.dataset.countStatus, Number(e.textContent) || 0]))";

    // Clicks sign-in, then checks every frame until the counts add up to the fleet.
    private const string SignInUntilCounted = """
        async (servers) => {
          const started = performance.now();
          document.querySelector("button[data-action='sign-in']").click();
          await new Promise((done) => {
            const check = () => {
              const sum = [...document.querySelectorAll('[data-count-status]')].reduce((s, e) => s + (Number(e.textContent) || 0), 0);
              if (sum >= servers) done(); else requestAnimationFrame(check);
            };
            check();
          });
          return performance.now() - started;
        }
        """;

    // Types the query a character at a time: from each input event until the frame after the one that rendered it.
    private const string TypeQuery = """
        async (query) => {
          const input = document.querySelector("[role='searchbox']");
          const frame = () => new Promise((done) => requestAnimationFrame(() => done()));
          const times = [];
          for (let i = 1; i <= query.length; i++) {
            const started = performance.now();
            input.value = query.slice(0, i);
            input.dispatchEvent(new Event('input', { bubbles: true }));
            await frame();
            await frame();
            times.push(performance.now() - started);
          }
          return { times, rows: document.querySelectorAll('tr.server').length };
        }
        """;

    public static async Task<int> RunAsync(IReadOnlyList<int> sizes)
    {
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            Console.WriteLine("Dashboard in headless Chromium (Debian's, Playwright), one silo process, stateful fleet servers checked every 30 s, an admin signed in.");
            Console.WriteLine();
            Console.WriteLine("| servers | sign-in to complete summary (median of 3) | keystroke to screen p50 / max | rows in the DOM | all shown down after the kill | longest frame gap (longest task) while they fail | main thread meanwhile: tasks / script / layout and style | all shown healthy after revival | longest frame gap (longest task) while they recover | JS heap |");
            Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var size in sizes)
            {
                await MeasureAsync(browser, size);
            }
            return 0;
        }
        finally
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    private static async Task MeasureAsync(IBrowser browser, int servers)
    {
        await using var rig = await FleetRig.StartAsync(servers, stateful: true, new Dictionary<string, string?>
        {
            // The silo runs from its build output, which holds no dashboard: serve the one Vite built.
            ["ASPNETCORE_WEBROOT"] = Path.Combine(RepoPaths.Root, "src", "Omni2.Host", "wwwroot"),
        });
        await rig.RegisterUpToAsync(servers, intervalSeconds: 30);
        await rig.WaitForStatusCountAsync("healthy", servers, TimeSpan.FromMinutes(10));
        var token = FleetRig.Token("admin", "dashboard-bench");

        var signIns = new List<double>();
        IPage page = null!;
        for (var run = 0; run < SignIns; run++)
        {
            if (run > 0)
            {
                await page.Context.DisposeAsync();
            }
            page = await OpenAsync(browser, rig.Silo.BaseAddress);
            await page.Locator("#token-input").FillAsync(token);
            signIns.Add(await page.EvaluateAsync<double>(SignInUntilCounted, servers));
        }
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2)); // the hub's first snapshot and checks settle
            var typed = await page.EvaluateAsync<JsonElement>(TypeQuery, Query);
            var keystrokes = typed.GetProperty("times").EnumerateArray().Select(t => t.GetDouble()).Order().ToArray();
            var rows = typed.GetProperty("rows").GetInt32();
            await page.GetByRole(AriaRole.Searchbox).FillAsync("");

            await page.EvaluateAsync("() => window.__frames.reset()");
            var cdp = await page.Context.NewCDPSessionAsync(page);
            await cdp.SendAsync("Performance.enable");
            var before = await MainThreadAsync(cdp);
            var killed = Stopwatch.StartNew();
            await rig.Fleet.KillAsync(0, servers - 1);
            await WaitForCountsAsync(page, c => c["healthy"] == 0 && c["disconnected"] + c["circuit_open"] == servers, Patience(servers));
            var down = killed.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(5)); // the storm's tail: retries and circuits opening
            var failing = await page.EvaluateAsync<double[]>(Frames);
            var storm = (await MainThreadAsync(cdp)).Since(before);

            await page.EvaluateAsync("() => window.__frames.reset()");
            var revived = Stopwatch.StartNew();
            await rig.Fleet.ReviveAsync(0, servers - 1);
            // A recovery slower than its deadline still prints what was measured before it, and how far it got.
            var healthy = await WaitForCountsAsync(page, c => c["healthy"] == servers, Patience(servers), throwOnTimeout: false);
            var up = healthy == servers ? $"{revived.Elapsed.TotalSeconds:0.0} s" : $"not within {revived.Elapsed.TotalSeconds:0} s ({healthy:N0} healthy)";
            var recovering = await page.EvaluateAsync<double[]>(Frames);
            var heap = await page.EvaluateAsync<double>("() => performance.memory?.usedJSHeapSize ?? 0");

            Console.WriteLine(Invariant(
                $"| {servers:N0} | {Percentiles.Median(signIns):N0} ms | {Percentiles.Of(keystrokes, 0.5):0.0} / {keystrokes[^1]:0.0} ms | {rows} after '{Query}' | {down.TotalSeconds:0.0} s | **{failing[0]:N0} ms** ({failing[1]:N0} ms) | {storm.Tasks:N0} / {storm.Script:N0} / {storm.Layout:N0} ms | {up} | {recovering[0]:N0} ms ({recovering[1]:N0} ms) | {heap / 1048576:0} MiB |"));
        }
        finally
        {
            await page.Context.DisposeAsync();
        }
    }

    private static async Task<IPage> OpenAsync(IBrowser browser, Uri baseAddress)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await context.AddInitScriptAsync(FrameMonitor);
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(baseAddress.ToString());
        if (response is not { Ok: true })
        {
            throw new InvalidOperationException($"GET / answered {response?.Status}: the silo serves no dashboard (npm run build in src/Omni2.Host/Dashboard/web).");
        }
        return page;
    }

    /// <summary>Chromium's own count of the renderer's main-thread time so far (CDP Performance.getMetrics), in ms.</summary>
    private static async Task<MainThread> MainThreadAsync(ICDPSession cdp)
    {
        var metrics = (await cdp.SendAsync("Performance.getMetrics"))!.Value.GetProperty("metrics").EnumerateArray()
            .ToDictionary(m => m.GetProperty("name").GetString()!, m => m.GetProperty("value").GetDouble() * 1000);
        return new MainThread(metrics["TaskDuration"], metrics["ScriptDuration"], metrics["LayoutDuration"] + metrics["RecalcStyleDuration"]);
    }

    /// <summary>Main-thread time: all tasks (script, layout, style, paint, the rest), script, layout and style.</summary>
    private sealed record MainThread(double Tasks, double Script, double Layout)
    {
        public MainThread Since(MainThread earlier) => new(Tasks - earlier.Tasks, Script - earlier.Script, Layout - earlier.Layout);
    }

    /// <summary>How long the page may take to show a whole fleet's change: 3 minutes, or 50 ms a server (10,000 recovered at 49 a second on two busy cores).</summary>
    private static TimeSpan Patience(int servers) => TimeSpan.FromMilliseconds(Math.Max(180_000, servers * 50));

    /// <summary>Waits for the summary's counts to match; returns the healthy count then, or when <paramref name="throwOnTimeout"/> is false, at the deadline.</summary>
    private static async Task<int> WaitForCountsAsync(IPage page, Func<Dictionary<string, int>, bool> condition, TimeSpan timeout, bool throwOnTimeout = true)
    {
        try
        {
            return (await Eventually.MatchesAsync(() => page.EvaluateAsync<Dictionary<string, int>>(Counts), condition, timeout, "the summary's counts")).GetValueOrDefault("healthy");
        }
        catch (TimeoutException) when (!throwOnTimeout)
        {
            return (await page.EvaluateAsync<Dictionary<string, int>>(Counts)).GetValueOrDefault("healthy");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

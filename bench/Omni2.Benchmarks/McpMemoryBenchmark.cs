using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Omni2.Benchmarks;

/// <summary>How many requests warm the silo up and how many are measured, stateless and in whole sessions.</summary>
public sealed record McpMemorySettings(int Servers, int WarmUp, int Requests, int Sessions)
{
    public const int Concurrency = 16;

    public static readonly McpMemorySettings Full = new(10, 20_000, 1_000_000, 10_000);

    /// <summary>For CI: proves both phases still run end to end; the numbers are rough.</summary>
    public static readonly McpMemorySettings Quick = new(10, 5_000, 20_000, 500);

    /// <param name="servers">The fleet size, instead of 10 (<c>--servers</c>).</param>
    public static McpMemorySettings Of(bool quick, int? servers)
    {
        var settings = quick ? Quick : Full;
        return servers is { } fleet ? settings with { Servers = fleet } : settings;
    }
}

/// <summary>
/// Memory under MCP traffic (issue 13): one silo process (Release, PostgreSQL, production timings)
/// with fleet servers registered (10 by default, about 100 tools), and one user sending stateless
/// 2026-07-28 <c>tools/list</c> requests to <c>/mcp</c> over raw HTTP, <see cref="McpMemorySettings.Concurrency"/>
/// at a time. After a warm-up, the silo's resident memory before, after and at its peak, and its GC
/// heap (.NET's <c>System.Runtime</c> meter on <c>/metrics</c>); then whole sessions (initialize,
/// <c>tools/list</c>, DELETE) measured the same way, and the session records left in the database.
/// The goal (growth under 50 MB over 1,000,000 requests) is reported, never enforced: only failed
/// requests or session records left behind fail the run.
/// </summary>
public static class McpMemoryBenchmark
{
    public const long GrowthGoalBytes = 50_000_000;
    private const int ToolsPerFleetServer = 10; // the fleet's ToolsPerFleetServer
    private const string User = "mcp-agent";

    public static async Task<int> RunAsync(McpMemorySettings settings)
    {
        await using var rig = await FleetRig.StartAsync(settings.Servers, stateful: false);
        await rig.RegisterUpToAsync(settings.Servers, intervalSeconds: 30);
        await rig.WaitForStatusCountAsync("healthy", settings.Servers, TimeSpan.FromMinutes(2));
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = rig.Silo.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FleetRig.Token("viewer", User));
        var traffic = new McpTraffic(http);
        var tools = await traffic.CountToolsAsync(new byte[4 << 20]);
        if (tools != settings.Servers * ToolsPerFleetServer)
        {
            await Console.Error.WriteLineAsync($"mcp-memory: tools/list listed {tools} tools, expected {settings.Servers * ToolsPerFleetServer}");
            return 1;
        }
        var silo = new ProcessMeter(rig.Silo.ProcessId);
        Console.Error.WriteLine($"mcp-memory: {tools} tools; warming up with {settings.WarmUp:N0} stateless requests, silo process {rig.Silo.ProcessId}");
        var warmUp = await MeasureAsync("warm-up", settings.WarmUp, (id, buffer) => traffic.ListToolsStatelessAsync(id, buffer), rig, silo);

        var stateless = await MeasureAsync("stateless", settings.Requests, (id, buffer) => traffic.ListToolsStatelessAsync(id, buffer), rig, silo);
        var sessions = await MeasureAsync("sessions", settings.Sessions, (id, buffer) => traffic.SessionAsync(id, buffer), rig, silo);
        var recordsLeft = await SessionRowsAsync(rig);

        Console.WriteLine($"Memory under MCP traffic: one user, {tools} tools from {settings.Servers} fleet servers, {McpMemorySettings.Concurrency} requests at a time, after {settings.WarmUp:N0} stateless requests of warm-up (RSS {Mib(warmUp.RssAfter)})");
        Console.WriteLine();
        Console.WriteLine("| traffic | count | per second | RSS before | RSS after | RSS peak | RSS growth | GC heap before → after | errors | growth < 50 MB |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        Row($"stateless `tools/list` requests ({McpTraffic.StatelessProtocol})", stateless);
        Row($"whole sessions ({McpTraffic.SessionsProtocol}: initialize, initialized, `tools/list`, DELETE)", sessions);
        Console.WriteLine();
        Console.WriteLine($"Session records left after every DELETE: {recordsLeft}.");

        var errors = warmUp.Errors + stateless.Errors + sessions.Errors;
        if (errors > 0 || recordsLeft > 0)
        {
            await Console.Error.WriteLineAsync($"mcp-memory: {errors} failed requests (first: {warmUp.FirstError ?? stateless.FirstError ?? sessions.FirstError ?? "none"}), {recordsLeft} session records left");
            return 1;
        }
        return 0;
    }

    private sealed record Phase(int Requests, TimeSpan Elapsed, long RssBefore, long RssAfter, long RssPeak, double HeapBefore, double HeapAfter, int Errors, string? FirstError)
    {
        public long Growth => RssAfter - RssBefore;
    }

    /// <summary>
    /// Sends <paramref name="count"/> requests (each <paramref name="send"/> returns null or an error),
    /// <see cref="McpMemorySettings.Concurrency"/> at a time, sampling the silo's RSS twice a second and
    /// logging it at every tenth of the way to standard error.
    /// </summary>
    private static async Task<Phase> MeasureAsync(string name, int count, Func<long, byte[], Task<string?>> send, FleetRig rig, ProcessMeter silo)
    {
        await Task.Delay(TimeSpan.FromSeconds(2)); // what the previous phase left in flight settles
        var (rssBefore, heapBefore) = (silo.SampleRss(), await GcHeapAsync(rig));
        silo.Restart();
        long next = 0, done = 0;
        var errors = 0;
        string? firstError = null;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            var logged = 0L;
            while (!sampling.IsCancellationRequested)
            {
                var rss = silo.SampleRss();
                if (Interlocked.Read(ref done) >= logged + count / 10)
                {
                    logged = Interlocked.Read(ref done);
                    Console.Error.WriteLine($"mcp-memory: {name} {logged:N0} / {count:N0}, RSS {Mib(rss)}");
                }
                await Task.Delay(500, CancellationToken.None);
            }
        });
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, McpMemorySettings.Concurrency).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[1 << 20];
            while (Interlocked.Increment(ref next) is var id && id <= count)
            {
                string? error;
                try
                {
                    error = await send(id, buffer);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    error = ex.Message;
                }
                if (error is not null && Interlocked.Increment(ref errors) == 1)
                {
                    firstError = error;
                }
                Interlocked.Increment(ref done);
            }
        })));
        var elapsed = watch.Elapsed;
        await sampling.CancelAsync();
        await sampler;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var (rssAfter, heapAfter) = (silo.SampleRss(), await GcHeapAsync(rig));
        return new Phase(count, elapsed, rssBefore, rssAfter, silo.PeakRss, heapBefore, heapAfter, errors, firstError);
    }

    /// <summary>The managed heap after the silo's last collection, every generation.</summary>
    private static async Task<double> GcHeapAsync(FleetRig rig) =>
        (await MetricsScrape.ReadAsync(rig.Viewer)).Sum("dotnet_gc_last_collection_heap_size_bytes");

    /// <summary>Session records left after every DELETE, waiting up to 30 s for the last ones to go.</summary>
    private static async Task<long> SessionRowsAsync(FleetRig rig)
    {
        const string Rows = "SELECT count(*) FROM orleansstorage WHERE graintypestring = 'mcp-session'";
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        long left;
        while ((left = await rig.Database.ScalarAsync<long>(Rows)) > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
        return left;
    }

    private static void Row(string traffic, Phase phase) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {traffic} | {phase.Requests:N0} | {phase.Requests / phase.Elapsed.TotalSeconds:N0} | {Mib(phase.RssBefore)} | {Mib(phase.RssAfter)} | {Mib(phase.RssPeak)} | {Signed(phase.Growth)} | {Mib(phase.HeapBefore)} → {Mib(phase.HeapAfter)} | {phase.Errors} | {(phase.Growth < GrowthGoalBytes ? "yes" : "**no**")} |"));

    private static string Mib(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB");

    private static string Signed(long bytes) => (bytes >= 0 ? "+" : "−") + Mib(Math.Abs(bytes));
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Omni2.Grains.Persistence;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Benchmarks;

/// <summary>How long and how often to load each endpoint.</summary>
/// <param name="MaxAttempts">
/// How often a run is repeated while other processes took over <see cref="ApiBenchmark.MaxOtherCpuPercent"/>:
/// on a shared 2-core machine they skew one side of the comparison.
/// </param>
public sealed record BenchSettings(TimeSpan WarmUp, TimeSpan Duration, int Runs, int MaxAttempts)
{
    public static readonly BenchSettings Full = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), 3, MaxAttempts: 4);

    /// <summary>For CI: enough to prove the benchmark still runs end to end, not to compare numbers.</summary>
    /// <remarks>The warm-up still has to let tiered compilation optimise the authenticated path, or its numbers mean nothing.</remarks>
    public static readonly BenchSettings Quick = new(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3), 1, MaxAttempts: 1);
}

/// <summary>One endpoint's runs, with the median of each figure.</summary>
public sealed record EndpointResult(string Label, string Path, WireResponse Response, IReadOnlyList<WrkResult> Runs, IReadOnlyList<ResourceUsage> Usage)
{
    public double RequestsPerSecond => Percentiles.Median(Runs.Select(r => r.RequestsPerSecond));
    public double P50Ms => Percentiles.Median(Runs.Select(r => r.P50Ms));
    public double P99Ms => Percentiles.Median(Runs.Select(r => r.P99Ms));
    public double HostCpuPercent => Percentiles.Median(Usage.Select(u => u.HostCpuPercent));
    /// <summary>The host's CPU time per response: its efficiency, whatever wrk and the neighbours took.</summary>
    public double HostMicrosecondsPerRequest => Percentiles.Median(Runs.Zip(Usage, (r, u) => u.HostCpuPercent / 100 * 1_000_000 / r.RequestsPerSecond));
    public double WrkCpuPercent => Percentiles.Median(Usage.Select(u => u.PeerCpuPercent));
    public double InterruptCpuPercent => Percentiles.Median(Usage.Select(u => u.InterruptCpuPercent));
    public double OtherCpuPercent => Percentiles.Median(Usage.Select(u => u.OtherCpuPercent));
    public double AllocatedPerRequest => (double)Usage.Sum(u => u.AllocatedBytes) / Math.Max(1, Runs.Sum(r => r.Requests));
    public int Gen2 => Usage.Sum(u => u.Gen2);

    /// <summary>Wire bytes per second: what loopback, Kestrel and wrk had to move.</summary>
    public double MegabytesPerSecond => RequestsPerSecond * Response.WireBytes / 1_000_000;
}

/// <summary>One comparison: Omni2's endpoint against its static twin, loaded alternately.</summary>
public sealed record Measurement(string Title, EndpointResult Baseline, EndpointResult Omni2)
{
    public double Ratio => Omni2.RequestsPerSecond / Baseline.RequestsPerSecond;
}

/// <summary>
/// <c>GET /api/v1/mcp/tools/capabilities</c> over a 1,000-server × 10-tool catalog against a static
/// endpoint that returns the same bytes from the same Kestrel, under 64 connections.
/// </summary>
public static class ApiBenchmark
{
    public const int Servers = 1000;
    public const string Role = Roles.Viewer;
    public const double RatioTarget = 0.60;
    public const double P99TargetMs = 5;

    /// <summary>Other processes' CPU (percent of one core) above which a run counts as disturbed.</summary>
    public const double MaxOtherCpuPercent = 20;
    private const string CapabilitiesPath = "/api/v1/mcp/tools/capabilities";
    private const string McpGatewayPath = "/mcp";
    private static readonly TimeSpan McpMinimumRun = TimeSpan.FromSeconds(10);
    private static readonly string OneServer = SyntheticCatalog.ServerName(42);

    public static async Task<int> RunAsync(BenchSettings settings)
    {
        Log($"starting the host (embedded default, {Servers} servers × 10 tools)");
        using var host = new BenchHost();
        host.StartServer();
        var store = host.Services.GetRequiredService<IServerConfigSource>();
        if ((await store.LoadAllAsync()).Count is var configured and > 0)
        {
            throw new InvalidOperationException($"The host was configured with {configured} servers; the benchmark needs none.");
        }
        var catalog = host.Services.GetRequiredService<ServerCatalog>();
        var snapshot = await InjectAsync(catalog);
        EnsureNoChildProcesses();

        var authorization = "Bearer " + host.Token(Role);
        var measurements = new List<Measurement>();
        foreach (var (title, query, twinName) in new[]
        {
            ($"full listing: {Servers:N0} servers × 10 tools", "", "all"),
            ($"one server: ?server={OneServer} (10 tools)", $"?server={OneServer}", OneServer),
        })
        {
            measurements.Add(await MeasureAsync(host, title, CapabilitiesPath + query, twinName, authorization, settings));
        }
        var mcp = await MeasureMcpAsync(host, authorization, settings);

        // The cached rendering lives on the snapshot: a new one mid-run would have re-rendered.
        if (!ReferenceEquals(catalog.Current, snapshot))
        {
            throw new InvalidOperationException("The catalog snapshot changed during the run; the numbers mix cold and warm renderings.");
        }
        EnsureNoChildProcesses();
        Console.Write(Report(measurements, settings));
        Console.Write(McpReport(mcp));
        return 0;
    }

    /// <summary>
    /// Waits for the catalog feed's first load (of the empty store) so it cannot overwrite the
    /// synthetic fleet afterwards, then puts the fleet in.
    /// </summary>
    private static async Task<CatalogSnapshot> InjectAsync(ServerCatalog catalog)
    {
        var waited = Stopwatch.StartNew();
        while (!catalog.IsLoaded)
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("The catalog feed never loaded the store.");
            }
            await Task.Delay(50);
        }
        catalog.Resync(SyntheticCatalog.Rows(Servers));
        return catalog.Current;
    }

    private static async Task<Measurement> MeasureAsync(BenchHost host, string title, string path, string twinName, string authorization, BenchSettings settings)
    {
        var omni2 = await WireProbe.GetAsync(host.BaseAddress, path, authorization);
        if (omni2.Status != 200)
        {
            throw new InvalidOperationException($"{path} answered {omni2.Status}: {Encoding.UTF8.GetString(omni2.Body)}");
        }
        var staticPath = host.Twin.Serve(twinName, omni2.Body);
        var baseline = await WireProbe.GetAsync(host.BaseAddress, staticPath, authorization);
        if (baseline.Status != 200 || !baseline.Body.AsSpan().SequenceEqual(omni2.Body))
        {
            throw new InvalidOperationException($"{staticPath} does not return {path}'s bytes.");
        }
        Log($"{title}: {omni2.Body.Length:N0} body bytes ({omni2.HeaderBytes} header bytes from Omni2, {baseline.HeaderBytes} from the twin)");

        var results = await LoadAlternatelyAsync(host, [new("static twin", staticPath, baseline), new("Omni2", path, omni2)], authorization, settings);
        return new Measurement(title, results[0], results[1]);
    }

    /// <summary>
    /// <c>tools/list</c> and <c>resources/list</c> on <c>/mcp</c> over the same catalog (as many resources as
    /// tools per server), each a stateless 2026-07-28 JSON-RPC POST as the SDK client sends it; no twin.
    /// </summary>
    private static async Task<EndpointResult[]> MeasureMcpAsync(BenchHost host, string authorization, BenchSettings settings)
    {
        var endpoints = new List<LoadedEndpoint>();
        foreach (var (method, listed) in new[] { ("tools/list", "\"tools\":["), ("resources/list", "\"resources\":[") })
        {
            var body = $$"""{"method":"{{method}}","params":{"_meta":{{McpTraffic.Meta}}},"id":1,"jsonrpc":"2.0"}""";
            var headers = new Dictionary<string, string>
            {
                ["Content-Type"] = "application/json",
                ["Accept"] = "application/json, text/event-stream",
                ["MCP-Protocol-Version"] = McpTraffic.StatelessProtocol,
                ["Mcp-Method"] = method,
            };
            using var http = new HttpClient { BaseAddress = host.BaseAddress };
            using var request = new HttpRequestMessage(HttpMethod.Post, McpGatewayPath) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            foreach (var (name, value) in headers.Where(h => h.Key != "Content-Type"))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            using var response = await http.SendAsync(request);
            var answer = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode || !Encoding.UTF8.GetString(answer).Contains(listed, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{method} on {McpGatewayPath} answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer.AsSpan(0, Math.Min(300, answer.Length)))}");
            }
            Log($"{McpGatewayPath} {method}: {answer.Length:N0} body bytes ({response.Content.Headers.ContentType?.MediaType})");
            // Header bytes are not measured here: the answer is an event stream, not a buffered body.
            endpoints.Add(new($"/mcp {method}", McpGatewayPath, new WireResponse((int)response.StatusCode, 0, answer), Wrk.PostScript(body, headers)));
        }
        try
        {
            // A full listing through the SDK takes seconds per response under 64 connections: a run shorter
            // than McpMinimumRun would complete none.
            var longer = settings with { WarmUp = Max(settings.WarmUp, McpMinimumRun), Duration = Max(settings.Duration, McpMinimumRun) };
            return await LoadAlternatelyAsync(host, endpoints, authorization, longer);
        }
        finally
        {
            endpoints.ForEach(e => File.Delete(e.Script!));
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>An endpoint to load: its path, its answer, and the wrk script that sends its request (none: a GET).</summary>
    private sealed record LoadedEndpoint(string Label, string Path, WireResponse Response, string? Script = null);

    /// <summary>Warms each endpoint up, then loads them in turn, <see cref="BenchSettings.Runs"/> times, repeating a disturbed run.</summary>
    private static async Task<EndpointResult[]> LoadAlternatelyAsync(BenchHost host, IReadOnlyList<LoadedEndpoint> endpoints, string authorization, BenchSettings settings)
    {
        foreach (var endpoint in endpoints)
        {
            var warm = await Wrk.RunAsync(new Uri(host.BaseAddress, endpoint.Path), settings.WarmUp, authorization, endpoint.Script);
            Log($"  warm-up {endpoint.Label,-11} {warm.RequestsPerSecond,10:N0} req/s");
        }
        var runs = endpoints.Select(_ => new List<(WrkResult, ResourceUsage)>()).ToArray();
        for (var run = 1; run <= settings.Runs; run++)
        {
            for (var i = 0; i < endpoints.Count; i++)
            {
                for (var attempt = 1; ; attempt++)
                {
                    var meter = new ResourceMeter();
                    var result = await Wrk.RunAsync(new Uri(host.BaseAddress, endpoints[i].Path), settings.Duration, authorization, endpoints[i].Script);
                    var usage = meter.Stop().WithPeer(result.CpuTime);
                    // Errors mean the benchmark is broken; timeouts only that the machine is overloaded, and are reported.
                    if (result.Non2xx > 0 || result.SocketErrors > 0)
                    {
                        throw new InvalidOperationException(
                            $"{endpoints[i].Path}: {result.Non2xx} non-2xx responses, {result.SocketErrors} socket errors; the run does not count.");
                    }
                    var disturbed = usage.OtherCpuPercent > MaxOtherCpuPercent;
                    Log($"  run {run} {endpoints[i].Label,-11} {result.RequestsPerSecond,10:N0} req/s  p50 {result.P50Ms,7:F2} ms  p99 {result.P99Ms,7:F2} ms"
                        + (result.Timeouts > 0 ? $"  ({result.Timeouts} timed out)" : "")
                        + $"  cpu: host {usage.HostCpuPercent,4:F0}%, wrk {usage.PeerCpuPercent,4:F0}%, softirq {usage.InterruptCpuPercent,3:F0}%, other {usage.OtherCpuPercent,3:F0}%; gen2 GCs {usage.Gen2}"
                        + (disturbed ? attempt < settings.MaxAttempts ? "  -> disturbed, again" : "  -> disturbed, kept" : ""));
                    if (!disturbed || attempt >= settings.MaxAttempts)
                    {
                        runs[i].Add((result, usage));
                        break;
                    }
                }
            }
        }
        return [.. endpoints.Select((e, i) => new EndpointResult(e.Label, e.Path, e.Response, [.. runs[i].Select(r => r.Item1)], [.. runs[i].Select(r => r.Item2)]))];
    }

    private static string Report(IReadOnlyList<Measurement> measurements, BenchSettings settings)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"wrk -t{Wrk.Threads} -c{Wrk.Connections} -d{settings.Duration.TotalSeconds:0}s --latency, "
            + $"{settings.Runs} alternating run(s) per endpoint after a {settings.WarmUp.TotalSeconds:0} s warm-up; medians. "
            + $"Token role: {Role}. {Environment.ProcessorCount} cores shared by host and wrk.");
        foreach (var m in measurements)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"### {m.Title}").AppendLine();
            text.AppendLine("| endpoint | req/s | p50 | p99 | body bytes | wire bytes/resp | MB/s on the wire | host CPU | host CPU/req | wrk CPU | softirq (in host + wrk) | other procs CPU | alloc/req | gen2 GCs | ratio |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var e in new[] { m.Baseline, m.Omni2 })
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {e.Label} `{e.Path}` | {e.RequestsPerSecond:N0} | {e.P50Ms:F2} ms | {e.P99Ms:F2} ms | {e.Response.Body.Length:N0} | {e.Response.WireBytes:N0} | "
                    + $"{e.MegabytesPerSecond:N0} | {e.HostCpuPercent:F0} % | {e.HostMicrosecondsPerRequest:F1} µs | {e.WrkCpuPercent:F0} % | {e.InterruptCpuPercent:F0} % | {e.OtherCpuPercent:F0} % | {Bytes(e.AllocatedPerRequest)} | {e.Gen2} | {e.RequestsPerSecond / m.Baseline.RequestsPerSecond:F2} |");
            }
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- throughput ratio Omni2/static: **{m.Ratio:F2}** (target ≥ {RatioTarget:F2}: {(m.Ratio >= RatioTarget ? "met" : "MISSED")})");
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- Omni2 p99: **{m.Omni2.P99Ms:F2} ms** (target ≤ {P99TargetMs:F0} ms: {(m.Omni2.P99Ms <= P99TargetMs ? "met" : "MISSED")}); static twin p99 {m.Baseline.P99Ms:F2} ms");
            // Closed loop: each connection waits for its response, so the mean latency is fixed by throughput.
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- {Wrk.Connections} connections / req/s = mean latency {1000.0 * Wrk.Connections / m.Baseline.RequestsPerSecond:F2} ms (static), "
                + $"{1000.0 * Wrk.Connections / m.Omni2.RequestsPerSecond:F2} ms (Omni2); a {P99TargetMs:F0} ms p99 needs more than "
                + $"{1000.0 * Wrk.Connections / P99TargetMs:N0} req/s = {1000.0 * Wrk.Connections / P99TargetMs * m.Omni2.Response.WireBytes / 1_000_000:N0} MB/s at this size");
            if (new[] { m.Baseline, m.Omni2 }.Sum(e => e.Usage.Count(u => u.OtherCpuPercent > MaxOtherCpuPercent)) is var disturbed and > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"- **{disturbed} run(s) kept although other processes took over {MaxOtherCpuPercent:F0} % CPU** (see the 'other procs' column): the machine was shared");
            }
            if (m.Baseline.Runs.Sum(r => r.Timeouts) + m.Omni2.Runs.Sum(r => r.Timeouts) is var timeouts and > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- **{timeouts} requests timed out (over 10 s)** and are missing from the latencies");
            }
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- runs (req/s): static {string.Join(", ", m.Baseline.Runs.Select(r => r.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))}; "
                + $"Omni2 {string.Join(", ", m.Omni2.Runs.Select(r => r.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))}");
        }
        return text.ToString();
    }

    private static string McpReport(IReadOnlyList<EndpointResult> mcp)
    {
        var text = new StringBuilder().AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"### /mcp listings, stateless 2026-07-28 POSTs: {Servers:N0} servers × 10 tools, × 10 resources").AppendLine();
        text.AppendLine("| request | req/s | p50 | p99 | body bytes | host CPU | host CPU/req | wrk CPU | other procs CPU | alloc/req | gen2 GCs | ratio to tools/list |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var e in mcp)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| `{e.Label}` | {e.RequestsPerSecond:N0} | {e.P50Ms:F2} ms | {e.P99Ms:F2} ms | {e.Response.Body.Length:N0} | {e.HostCpuPercent:F0} % | {e.HostMicrosecondsPerRequest:F1} µs | "
                + $"{e.WrkCpuPercent:F0} % | {e.OtherCpuPercent:F0} % | {Bytes(e.AllocatedPerRequest)} | {e.Gen2} | {e.RequestsPerSecond / mcp[0].RequestsPerSecond:F2} |");
        }
        return text.ToString();
    }

    private static string Bytes(double bytes) => bytes switch
    {
        >= 1_000_000 => (bytes / 1_000_000).ToString("F1", CultureInfo.InvariantCulture) + " MB",
        >= 1_000 => (bytes / 1_000).ToString("F1", CultureInfo.InvariantCulture) + " KB",
        _ => bytes.ToString("F0", CultureInfo.InvariantCulture) + " B",
    };

    /// <summary>
    /// Fails if this process has a child (an MCP server over stdio, like appsettings.json's <c>npx</c> one, would be
    /// one). Called only while no wrk runs.
    /// </summary>
    private static void EnsureNoChildProcesses()
    {
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var children = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
                var ppid = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                if (ppid == self)
                {
                    children.Add($"{Path.GetFileName(dir)}: {command}");
                }
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }
        if (children.Count > 0)
        {
            throw new InvalidOperationException($"The host started processes (no MCP server should run): {string.Join("; ", children)}");
        }
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}

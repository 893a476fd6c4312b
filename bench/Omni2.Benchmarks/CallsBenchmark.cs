using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.McpGateway;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>How long to warm each path up, how long one measured run lasts, and how many runs per path and concurrency.</summary>
public sealed record CallSettings(TimeSpan WarmUp, TimeSpan Duration, int Runs)
{
    public static readonly CallSettings Full = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), 3);

    /// <summary>For CI: proves every path still calls end to end; the numbers are rough.</summary>
    public static readonly CallSettings Quick = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1.5), 1);
}

/// <summary>One measured run of one path: every call's latency, and what the machine spent on it.</summary>
public sealed record CallRun(IReadOnlyList<double> SortedLatenciesMs, TimeSpan Elapsed, ResourceUsage Usage)
{
    public double CallsPerSecond => SortedLatenciesMs.Count / Elapsed.TotalSeconds;
    public double P50Ms => Percentiles.Of(SortedLatenciesMs, 0.50);
    public double P99Ms => Percentiles.Of(SortedLatenciesMs, 0.99);
    /// <summary>This process's CPU time per call: the client's share, and for Omni2's paths the whole gateway's.</summary>
    public double HostMicrosecondsPerCall => Usage.HostCpuPercent / 100 * 1_000_000 / CallsPerSecond;
    public double FleetMicrosecondsPerCall => Usage.PeerCpuPercent / 100 * 1_000_000 / CallsPerSecond;
}

/// <summary>The runs of one path at one concurrency, with the median of each figure.</summary>
public sealed record PathResult(string Label, int Concurrency, IReadOnlyList<CallRun> Runs)
{
    public double CallsPerSecond => Percentiles.Median(Runs.Select(r => r.CallsPerSecond));
    public double P50Ms => Percentiles.Median(Runs.Select(r => r.P50Ms));
    public double P99Ms => Percentiles.Median(Runs.Select(r => r.P99Ms));
    public double HostMicrosecondsPerCall => Percentiles.Median(Runs.Select(r => r.HostMicrosecondsPerCall));
    public double FleetMicrosecondsPerCall => Percentiles.Median(Runs.Select(r => r.FleetMicrosecondsPerCall));
    public double OtherCpuPercent => Percentiles.Median(Runs.Select(r => r.Usage.OtherCpuPercent));
}

/// <summary>
/// Tool-call overhead: <c>echo</c> on one fleet server called directly with the official SDK's
/// <see cref="McpClient"/>, against the same server called through Omni2 (REST
/// <c>POST /api/v1/mcp/tools/call</c>, and Omni2's own MCP endpoint <c>/mcp</c> with the same SDK),
/// sequentially and at <see cref="Concurrency"/> concurrent callers, the paths alternating run by run.
/// </summary>
public static class CallsBenchmark
{
    public const int Concurrency = 32;
    public const double AddedP50GoalMs = 1;
    public const double ThroughputGoal = 2000;
    public const double LimiterP50GoalMs = 0.05;
    public const double AuditP50GoalMs = 0.05;
    private const string Rest = "Omni2 REST";
    private const string RestWithoutLimiter = "Omni2 REST, no rate limiter";
    private const string RestWithoutAudit = "Omni2 REST, no audit";
    private const string ServerName = "calls-bench";
    private const string Message = "the quick brown fox";

    public static async Task<int> RunAsync(CallSettings settings)
    {
        Log("starting the fleet (1 stateless server) and the host (embedded default)");
        await using var fleet = await FleetProcess.StartAsync(1);
        using var host = new BenchHost();
        host.StartServer();
        await host.RegisterAsync(ServerName, fleet.Endpoint(0), healthCheckIntervalSeconds: 300);
        await host.WaitHealthyAsync([ServerName], TimeSpan.FromSeconds(60));
        // The same host with the rate limiter switched off, for its cost side by side.
        using var unlimited = new BenchHost(new Dictionary<string, string> { ["Omni2:RateLimits:Enabled"] = "false" });
        unlimited.StartServer();
        await unlimited.RegisterAsync(ServerName, fleet.Endpoint(0), healthCheckIntervalSeconds: 300);
        await unlimited.WaitHealthyAsync([ServerName], TimeSpan.FromSeconds(60));
        // And with the audit of tool calls switched off, for its cost.
        using var unaudited = new BenchHost(new Dictionary<string, string> { ["Omni2:Audit:Enabled"] = "false" });
        unaudited.StartServer();
        await unaudited.RegisterAsync(ServerName, fleet.Endpoint(0), healthCheckIntervalSeconds: 300);
        await unaudited.WaitHealthyAsync([ServerName], TimeSpan.FromSeconds(60));

        await using var direct = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions { Endpoint = fleet.Endpoint(0) }));
        using var rest = host.ClientAs(Roles.Operator);
        using var restWithoutLimiter = unlimited.ClientAs(Roles.Operator);
        using var restWithoutAudit = unaudited.ClientAs(Roles.Operator);
        var gatewayHttp = host.ClientAs(Roles.Operator);
        await using var gateway = await McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(host.BaseAddress, McpGatewaySetup.Path) }, gatewayHttp, ownsHttpClient: true));
        var fleetMeter = new ProcessMeter(fleet.ProcessId);

        var paths = new (string Label, Func<Task> Call)[]
        {
            ("direct", () => CallSdkAsync(direct, "echo")),
            (Rest, () => CallRestAsync(rest)),
            (RestWithoutLimiter, () => CallRestAsync(restWithoutLimiter)),
            (RestWithoutAudit, () => CallRestAsync(restWithoutAudit)),
            ("Omni2 /mcp", () => CallSdkAsync(gateway, QualifiedNames.Of(ServerName, "echo"))),
        };
        foreach (var (label, call) in paths)
        {
            var warm = await LoadAsync(call, Concurrency, settings.WarmUp, fleetMeter);
            Log($"  warm-up {label}: {warm.CallsPerSecond:N0} calls/s");
        }

        var results = new List<PathResult>();
        foreach (var concurrency in new[] { 1, Concurrency })
        {
            var runs = paths.Select(_ => new List<CallRun>()).ToArray();
            for (var run = 1; run <= settings.Runs; run++)
            {
                for (var i = 0; i < paths.Length; i++)
                {
                    var result = await LoadAsync(paths[i].Call, concurrency, settings.Duration, fleetMeter);
                    runs[i].Add(result);
                    Log($"  run {run} ×{concurrency,-2} {paths[i].Label,-10} {result.CallsPerSecond,8:N0} calls/s  p50 {result.P50Ms,6:F3} ms  p99 {result.P99Ms,6:F3} ms"
                        + $"  cpu: host {result.Usage.HostCpuPercent,4:F0}%, fleet {result.Usage.PeerCpuPercent,4:F0}%, other {result.Usage.OtherCpuPercent,3:F0}%");
                }
            }
            results.AddRange(paths.Select((p, i) => new PathResult(p.Label, concurrency, runs[i])));
        }
        var stats = await fleet.StatsAsync();
        Console.Write(Report(results, settings, stats.GetProperty("tool_calls").GetInt64()));
        return 0;
    }

    /// <summary>Calls for <paramref name="duration"/> from <paramref name="concurrency"/> callers, each waiting for its answer before the next call.</summary>
    private static async Task<CallRun> LoadAsync(Func<Task> call, int concurrency, TimeSpan duration, ProcessMeter fleet)
    {
        fleet.Restart();
        var meter = new ResourceMeter();
        var watch = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var latencies = new List<double>();
            while (watch.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await call();
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            return latencies;
        }));
        var all = await Task.WhenAll(callers);
        var elapsed = watch.Elapsed;
        var usage = meter.Stop() with { PeerCpuPercent = fleet.CpuPercent() };
        return new CallRun([.. all.SelectMany(l => l).Order()], elapsed, usage);
    }

    private static async Task CallSdkAsync(McpClient client, string tool)
    {
        var result = await client.CallToolAsync(tool, new Dictionary<string, object?> { ["message"] = Message });
        if (result.IsError == true || result.Content is not [TextContentBlock { Text: Message }])
        {
            throw new InvalidOperationException($"{tool} answered {JsonSerializer.Serialize(result.Content)} (is_error: {result.IsError}).");
        }
    }

    private static readonly byte[] RestBody = JsonSerializer.SerializeToUtf8Bytes(new { server = ServerName, tool = "echo", arguments = new { message = Message } });

    private static async Task CallRestAsync(HttpClient client)
    {
        using var content = new ByteArrayContent(RestBody);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.PostAsync("/api/v1/mcp/tools/call", content);
        var body = await response.Content.ReadAsByteArrayAsync();
        using var json = JsonDocument.Parse(body);
        if (!response.IsSuccessStatusCode
            || json.RootElement.GetProperty("content")[0].GetProperty("text").GetString() != Message)
        {
            throw new InvalidOperationException($"tools/call answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        }
    }

    private static string Report(IReadOnlyList<PathResult> results, CallSettings settings, long fleetToolCalls)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"echo on one fleet server (stateless streamable HTTP): direct with the official SDK's McpClient, through Omni2's REST "
            + $"POST /api/v1/mcp/tools/call (operator token), and through Omni2's /mcp with the same SDK client. {settings.Runs} alternating run(s) of {settings.Duration.TotalSeconds:0.#} s per path "
            + $"after a {settings.WarmUp.TotalSeconds:0.#} s warm-up each; medians of the runs. Callers run in the host's process; "
            + $"{Environment.ProcessorCount} cores shared by host, callers and fleet. The fleet served {fleetToolCalls:N0} tool calls.");
        foreach (var level in results.GroupBy(r => r.Concurrency))
        {
            var direct = level.First();
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"### {(level.Key == 1 ? "sequential (1 caller)" : $"{level.Key} concurrent callers")}").AppendLine();
            text.AppendLine("| path | calls/s | p50 | p99 | added p50 | added p99 | calls/s ratio to direct | host CPU/call | fleet CPU/call | other procs CPU |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in level)
            {
                var added = ReferenceEquals(r, direct)
                    ? "| | "
                    : $"| {r.P50Ms - direct.P50Ms:+0.000;-0.000} ms | {r.P99Ms - direct.P99Ms:+0.000;-0.000} ms ";
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Label} | {r.CallsPerSecond:N0} | {r.P50Ms:F3} ms | {r.P99Ms:F3} ms {added}| {r.CallsPerSecond / direct.CallsPerSecond:F2} | "
                    + $"{r.HostMicrosecondsPerCall:F0} µs | {r.FleetMicrosecondsPerCall:F0} µs | {r.OtherCpuPercent:F0} % |");
            }
        }
        var rest = results.Where(r => r.Label == Rest).ToDictionary(r => r.Concurrency);
        var withoutLimiter = results.Where(r => r.Label == RestWithoutLimiter).ToDictionary(r => r.Concurrency);
        var withoutAudit = results.Where(r => r.Label == RestWithoutAudit).ToDictionary(r => r.Concurrency);
        var directs = results.Where(r => r.Label == "direct").ToDictionary(r => r.Concurrency);
        var addedP50 = rest[1].P50Ms - directs[1].P50Ms;
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- added p50 through REST, sequential: **{addedP50:F3} ms** (goal ≤ {AddedP50GoalMs:F0} ms: {(addedP50 <= AddedP50GoalMs ? "met" : "MISSED")})");
        var limiterP50 = rest[1].P50Ms - withoutLimiter[1].P50Ms;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- the rate limiter's cost, sequential REST p50 with it minus without: **{limiterP50:+0.000;-0.000} ms** (goal ≤ {LimiterP50GoalMs:F2} ms: {(limiterP50 <= LimiterP50GoalMs ? "met" : "MISSED")}); "
            + $"at {Concurrency} concurrent {rest[Concurrency].CallsPerSecond:N0} against {withoutLimiter[Concurrency].CallsPerSecond:N0} calls/s");
        var auditP50 = rest[1].P50Ms - withoutAudit[1].P50Ms;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- the audit's cost, sequential REST p50 with it minus without: **{auditP50:+0.000;-0.000} ms** (goal ≤ {AuditP50GoalMs:F2} ms: {(auditP50 <= AuditP50GoalMs ? "met" : "MISSED")}); "
            + $"at {Concurrency} concurrent {rest[Concurrency].CallsPerSecond:N0} against {withoutAudit[Concurrency].CallsPerSecond:N0} calls/s");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- REST at {Concurrency} concurrent: **{rest[Concurrency].CallsPerSecond:N0} calls/s** (goal ≥ {ThroughputGoal:N0}: {(rest[Concurrency].CallsPerSecond >= ThroughputGoal ? "met" : "MISSED")}), "
            + $"{rest[Concurrency].CallsPerSecond / directs[Concurrency].CallsPerSecond:F2} of direct");
        if (results.Sum(r => r.Runs.Count(x => x.Usage.OtherCpuPercent > ApiBenchmark.MaxOtherCpuPercent)) is var disturbed and > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- **{disturbed} run(s) while other processes took over {ApiBenchmark.MaxOtherCpuPercent:F0} % CPU** (see the 'other procs' column): the machine was shared");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"- runs (calls/s at {Concurrency}): {string.Join("; ", results.Where(r => r.Concurrency == Concurrency).Select(r => $"{r.Label} {string.Join(", ", r.Runs.Select(x => x.CallsPerSecond.ToString("N0", CultureInfo.InvariantCulture)))}"))}");
        return text.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine(message);
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Omni2.Contracts;
using Omni2.Host.Auth;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// Passive detection: how long after a server fails its status changes, with no health check
/// involved (the check interval is far longer than the run). Two failures, each on its own fleet
/// servers (stateful, so every connection holds a GET stream): <em>break</em> (new requests get
/// HTTP 500, the stream stays open) followed by a tool call through Omni2 that fails, and
/// <em>kill</em> (the stream is reset, no call). Measured until a SignalR client of <c>/ws</c>
/// receives the <c>status_change</c>, and until the REST API reports it: the catalog-served
/// <c>GET /api/v1/mcp/status</c> (with its ETag) and the grain-served <c>GET /api/v1/mcp/servers/{name}</c>,
/// each polled every millisecond or so. The per-user push rate limit is lifted: it only shapes bursts.
/// </summary>
public static class DetectBenchmark
{
    public const double GoalMs = 100;
    /// <summary>How long a change is waited for: 50 times the goal.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(int rounds)
    {
        Log($"starting the fleet ({2 * rounds} stateful servers) and the host (embedded default)");
        await using var fleet = await FleetProcess.StartAsync(2 * rounds, stateful: true);
        using var host = new BenchHost(new Dictionary<string, string> { ["Omni2:Realtime:MaxMessagesPerSecond"] = "100000" });
        host.StartServer();
        var names = Enumerable.Range(0, 2 * rounds).Select(i => $"detect-{i:D3}").ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            await host.RegisterAsync(names[i], fleet.Endpoint(i), healthCheckIntervalSeconds: 3600);
        }
        await host.WaitHealthyAsync(names, TimeSpan.FromSeconds(60));
        await using var realtime = await RealtimeClient.ConnectAsync(host.BaseAddress, host.Token(Roles.Viewer));
        using var caller = host.ClientAs(Roles.Operator);
        using var viewer = host.ClientAs(Roles.Viewer);
        using var admin = host.ClientAs(Roles.Admin);
        // Warm: one successful call per server, and both read endpoints.
        foreach (var name in names)
        {
            using var warm = await RestProbes.CallEchoAsync(caller, name, "detect");
            await EnsureStatusAsync(warm, HttpStatusCode.OK, name);
            await IsDownInDetailAsync(admin, name);
        }
        await RestProbes.ListPoller(viewer, names[0])();
        var fleetMeter = new ProcessMeter(fleet.ProcessId);
        var meter = new ResourceMeter();

        var broken = new List<Round>();
        for (var i = 0; i < rounds; i++)
        {
            var name = names[i];
            await fleet.BreakAsync(i, i);
            var sent = DateTimeOffset.UtcNow;
            var list = FirstSeenAsync(RestProbes.ListPoller(viewer, name));
            var detail = FirstSeenAsync(() => IsDownInDetailAsync(admin, name));
            using var response = await RestProbes.CallEchoAsync(caller, name, "detect");
            var answered = DateTimeOffset.UtcNow;
            await EnsureStatusAsync(response, HttpStatusCode.BadGateway, name);
            var round = new Round(sent, answered, await PushedAsync(realtime, name, sent), await list, await detail);
            if (!round.Detected)
            {
                throw new TimeoutException($"A failed call did not change {name}'s status everywhere within {Patience.TotalSeconds} s: {round}");
            }
            broken.Add(round);
            Log($"  break {name}: call failed after {Show(answered - sent)}; from its response: push {Show(round.Pushed - answered)}, "
                + $"list {Show(round.Listed - answered)}, detail {Show(round.Detailed - answered)}");
            await Task.Delay(50);
        }

        var killed = new List<Round>();
        for (var i = rounds; i < 2 * rounds; i++)
        {
            var name = names[i];
            var sent = DateTimeOffset.UtcNow;
            var list = FirstSeenAsync(RestProbes.ListPoller(viewer, name));
            var detail = FirstSeenAsync(() => IsDownInDetailAsync(admin, name));
            await fleet.KillAsync(i, i);
            var round = new Round(sent, sent, await PushedAsync(realtime, name, sent), await list, await detail);
            killed.Add(round);
            Log($"  kill {name}: push {Show(round.Pushed - sent)}, list {Show(round.Listed - sent)}, detail {Show(round.Detailed - sent)}");
            if (!round.Detected)
            {
                // Each further round would only wait as long again.
                Log("  the remaining kill rounds are skipped");
                break;
            }
            await Task.Delay(50);
        }
        var usage = meter.Stop() with { PeerCpuPercent = fleetMeter.CpuPercent() };
        Console.Write(Report(broken, killed, usage));
        return 0;
    }

    /// <summary>
    /// One failure: when it was caused (the call sent, or the kill command), when the failing call
    /// answered, and when each observer saw it (null: not within <see cref="Patience"/>).
    /// </summary>
    private sealed record Round(DateTimeOffset Sent, DateTimeOffset Answered, DateTimeOffset? Pushed, DateTimeOffset? Listed, DateTimeOffset? Detailed)
    {
        public bool Detected => Pushed is not null && Listed is not null && Detailed is not null;
    }

    private static async Task EnsureStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string server)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException(
                $"A call to {server} answered {(int)response.StatusCode} instead of {(int)expected}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>When the SignalR client received the <c>status_change</c> that took <paramref name="server"/> from healthy.</summary>
    private static async Task<DateTimeOffset?> PushedAsync(RealtimeClient client, string server, DateTimeOffset since)
    {
        var deadline = DateTimeOffset.UtcNow + Patience;
        while (DateTimeOffset.UtcNow < deadline)
        {
            foreach (var (at, message) in client.Messages)
            {
                if (at >= since && Unpacked(message).Any(e => e.GetProperty("type").GetString() == StatusMessageTypes.StatusChange
                    && e.TryGetProperty("mcp_name", out var name) && name.GetString() == server
                    && e.GetProperty("old_status").GetString() == "healthy"))
                {
                    return at;
                }
            }
            await Task.Delay(5);
        }
        return null;
    }

    private static IEnumerable<JsonElement> Unpacked(JsonElement message) =>
        message.GetProperty("type").GetString() == "batch" ? message.GetProperty("events").EnumerateArray() : [message];

    /// <summary>Polls <paramref name="isDown"/> about every millisecond, for up to <see cref="Patience"/>.</summary>
    private static Task<DateTimeOffset?> FirstSeenAsync(Func<Task<bool>> isDown) => RestProbes.FirstSeenAsync(isDown, Patience, TimeSpan.FromMilliseconds(1));

    private static async Task<bool> IsDownInDetailAsync(HttpClient admin, string server)
    {
        var detail = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/mcp/servers/{server}");
        return detail.GetProperty("status").GetProperty("health_status").GetString() != "healthy";
    }

    private static string Report(IReadOnlyList<Round> broken, IReadOnlyList<Round> killed, ResourceUsage usage)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{broken.Count} break rounds and {killed.Count} kill rounds, each on its own fleet server (stateful, a GET stream per connection); "
            + $"no health check ran (interval 1 h). CPU over the rounds, in % of one of the {Environment.ProcessorCount} cores: host (with the pollers) "
            + $"{usage.HostCpuPercent:F0} %, fleet {usage.PeerCpuPercent:F0} %, other processes {usage.OtherCpuPercent:F0} %.");
        text.AppendLine();
        text.AppendLine("| failure | from | until | p50 | p99 | max | goal ≤ 100 ms |");
        text.AppendLine("| --- | --- | --- | ---: | ---: | ---: | --- |");
        void Row(string failure, string from, string until, IReadOnlyCollection<TimeSpan?> spans)
        {
            if (spans.Count(s => s is null) is var missing and > 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {failure} | {from} | {until} | not within {Patience.TotalSeconds:0} s in {missing} of {spans.Count} round(s) | | | MISSED |");
                return;
            }
            var sorted = spans.Select(s => s!.Value.TotalMilliseconds).Order().ToList();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {failure} | {from} | {until} | {Percentiles.Of(sorted, 0.5):F1} ms | {Percentiles.Of(sorted, 0.99):F1} ms | {sorted[^1]:F1} ms | {(sorted[^1] <= GoalMs ? "met" : Percentiles.Of(sorted, 0.99) <= GoalMs ? "p99 met" : "MISSED")} |");
        }
        const string Break = "break + failing call";
        Row(Break, "call sent", "call's 502 received", [.. broken.Select(r => (TimeSpan?)(r.Answered - r.Sent))]);
        Row(Break, "call's 502 received", "SignalR status_change", [.. broken.Select(r => r.Pushed - r.Answered)]);
        Row(Break, "call sent", "SignalR status_change", [.. broken.Select(r => r.Pushed - r.Sent)]);
        Row(Break, "call's 502 received", "REST `/status` (catalog)", [.. broken.Select(r => r.Listed - r.Answered)]);
        Row(Break, "call's 502 received", "REST detail (grain)", [.. broken.Select(r => r.Detailed - r.Answered)]);
        const string Kill = "kill (stream reset, no call)";
        Row(Kill, "kill command sent", "SignalR status_change", [.. killed.Select(r => r.Pushed - r.Sent)]);
        Row(Kill, "kill command sent", "REST `/status` (catalog)", [.. killed.Select(r => r.Listed - r.Sent)]);
        Row(Kill, "kill command sent", "REST detail (grain)", [.. killed.Select(r => r.Detailed - r.Sent)]);
        return text.ToString();
    }

    private static string Show(TimeSpan? span) =>
        span is { } s ? $"{s.TotalMilliseconds:F1} ms" : $"not within {Patience.TotalSeconds:0} s";

    private static void Log(string message) => Console.Error.WriteLine(message);
}

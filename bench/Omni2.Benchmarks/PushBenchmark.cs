using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Omni2.Contracts;
using Omni2.Testing;
using Omni2.Testing.McpServer;

namespace Omni2.Benchmarks;

/// <summary>
/// Push latency: a transition published by a grain → its receipt by a SignalR client connected to
/// the OTHER silo of a two-silo cluster on PostgreSQL. The per-user rate limit is lifted for the
/// measurement (it would add its own wait under a burst); what is measured is stream → silo →
/// dispatcher → SignalR → client. Timestamps come from one clock: the grain's publish time and the
/// client's receive time, on the same machine.
/// </summary>
public static class PushBenchmark
{
    public static async Task<int> RunAsync(int transitions)
    {
        await using var db = await PostgresDatabase.CreateAsync();
        var serviceId = $"omni2-push-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Omni2:Realtime:MaxMessagesPerSecond"] = "100000",
            // Standard output is the report.
            ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
        };
        // Started first, so it stops last: the hosts never see it gone.
        await using var server = await TestMcpServer.StartAsync();
        await using var a = new ApiHost(db.ConnectionString, serviceId, settings);
        a.StartServer();
        await using var b = new ApiHost(db.ConnectionString, serviceId, settings);
        b.StartServer();
        const string name = "push-bench";
        using (var admin = a.ClientAs("admin"))
        {
            var body = JsonSerializer.Serialize(new { name, transport = "streamable_http", url = server.StreamableHttpEndpoint.ToString(), health_check_interval_seconds = 300 });
            var created = await admin.PostAsync("/api/v1/mcp/servers", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            if (created.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"registration failed: {created.StatusCode}");
            }
        }
        var grain = a.Services.GetRequiredService<IGrainFactory>().GetGrain<IMcpServerGrain>(name);
        await Eventually.MatchesAsync(() => grain.GetStatusAsync(), s => s.Status == HealthStatus.Healthy, TimeSpan.FromSeconds(30), "healthy");
        // The client sits on the silo that does NOT host the grain, so every message crosses silos.
        var owner = (await grain.GetStatusAsync()).Silo ?? "";
        var far = owner.Contains($":{a.SiloPort}:", StringComparison.Ordinal) ? b : a;
        await using var client = await RealtimeClient.ConnectAsync(far, far.Token("viewer"));

        var startedAt = DateTimeOffset.UtcNow;
        var watch = Stopwatch.StartNew();
        var produced = 0;
        while (produced < transitions)
        {
            await grain.DisableAsync("push benchmark"); // manually_disabled
            await grain.EnableAsync();                 // manually_enabled, connected
            produced += 3;
        }
        // Messages for one server that meet in the dispatcher are coalesced (the latest wins), so the
        // run ends when the client holds the final state, and latency is taken over what arrived.
        var final = (await grain.GetStatusAsync()).Version;
        await Eventually.MatchesAsync(
            () => Task.FromResult(client.LatestStatuses().TryGetValue(name, out var s) ? s.GetProperty("version").GetInt64() : 0),
            v => v >= final,
            TimeSpan.FromSeconds(60),
            "the final state at the client");
        watch.Stop();

        var latencies = Transitions(client).Where(t => t.PublishedAt >= startedAt).Select(t => (t.ReceivedAt - t.PublishedAt).TotalMilliseconds).Order().ToList();
        Console.WriteLine($"| push latency, client on the other silo | {produced} transitions published, {latencies.Count} delivered (rest coalesced) | p50 {Percentiles.Of(latencies, 0.50):0.0} ms | p99 {Percentiles.Of(latencies, 0.99):0.0} ms | max {latencies[^1]:0.0} ms | {produced / watch.Elapsed.TotalSeconds:0} transitions/s |");
        return 0;
    }

    /// <summary>Every transition the client received (batches unpacked), with the grain's publish time.</summary>
    private static List<(DateTimeOffset PublishedAt, DateTimeOffset ReceivedAt)> Transitions(RealtimeClient client) =>
        [.. client.Messages.SelectMany(m => (m.Message.GetProperty("type").GetString() == "batch"
                ? m.Message.GetProperty("events").EnumerateArray().ToArray()
                : [m.Message])
            .Where(e => e.TryGetProperty("mcp_name", out var n) && n.GetString() == "push-bench"
                && e.GetProperty("type").GetString() == StatusMessageTypes.StatusChange)
            .Select(e => (e.GetProperty("timestamp").GetDateTimeOffset(), m.At)))];
}

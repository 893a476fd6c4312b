using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Omni2.Contracts;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// The catalog and the hub's snapshot at fleet scale, in one real host (embedded default) with a synthetic
/// catalog of N healthy servers: what one status event and one batch of checks cost the catalog (time and
/// bytes allocated per swap), what a resync that changes nothing costs, what a read of one server's
/// capabilities costs right after a swap (its rendering dies with the snapshot), and what a real SignalR
/// client's snapshot is: its messages, the largest, its bytes as sent and gzip-compressed, the time until it
/// is complete, and the bytes the process allocated meanwhile (host and client together); then
/// <see cref="CatalogReads"/> on PostgreSQL.
/// </summary>
public static class CatalogBenchmark
{
    private const int Events = 1_000;
    private const int CheckBatch = 1_000;
    private const int ColdReads = 200;

    public static async Task<int> RunAsync(int servers)
    {
        using var host = new BenchHost();
        host.StartServer();
        var catalog = host.Services.GetRequiredService<ServerCatalog>();
        await Eventually.MatchesAsync(() => Task.FromResult(catalog.IsLoaded), loaded => loaded, TimeSpan.FromMinutes(1), "the catalog's first load");
        var rows = SyntheticCatalog.Rows(servers);
        var loadCost = Measure(() => catalog.Resync(rows));
        var resyncCost = Measure(() => catalog.Resync(rows));

        var eventCost = Measure(() =>
        {
            for (var i = 0; i < Events; i++)
            {
                catalog.Apply(Disconnected(SyntheticCatalog.ServerName(i % servers), version: 2 + i / servers));
            }
        });
        var now = DateTimeOffset.UtcNow;
        var checks = Enumerable.Range(0, Math.Min(CheckBatch, servers)).Select(i => new ServerCheck(SyntheticCatalog.ServerName(i), now, "bench")).ToList();
        var checksCost = Measure(() => catalog.ApplyChecks(checks));
        var cold = await ColdReadsAsync(host, catalog, servers);
        var snapshot = await SnapshotAsync(host, servers);
        var reads = await CatalogReads.MeasureAsync(servers);

        Console.WriteLine(Invariant($"Catalog and hub snapshot: {servers:N0} synthetic servers × 10 tools, one host (embedded default), one SignalR client (viewer)"));
        Console.WriteLine();
        Console.WriteLine("| catalog | time | allocated |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine(Invariant($"| first load of {servers:N0} rows | {loadCost.Milliseconds:0.0} ms | {loadCost.Bytes / 1024.0 / 1024:0.0} MiB |"));
        Console.WriteLine(Invariant($"| resync of {servers:N0} unchanged rows | {resyncCost.Milliseconds:0.0} ms | {resyncCost.Bytes / 1024.0 / 1024:0.0} MiB |"));
        Console.WriteLine(Invariant($"| one status event (mean of {Events:N0}) | {eventCost.Milliseconds * 1000 / Events:0.0} µs | {eventCost.Bytes / Events:N0} B |"));
        Console.WriteLine(Invariant($"| one batch of {checks.Count:N0} checks | {checksCost.Milliseconds:0.00} ms | {checksCost.Bytes / 1024.0:N0} KiB |"));
        Console.WriteLine(Invariant($"| GET capabilities?server= right after a swap, p50 / p99 of {ColdReads} | {cold.P50:0.00} / {cold.P99:0.00} ms | |"));
        Console.WriteLine();
        Console.WriteLine("| hub snapshot | value |");
        Console.WriteLine("| --- | ---: |");
        Console.WriteLine(Invariant($"| servers received | {snapshot.Servers:N0} |"));
        Console.WriteLine(Invariant($"| messages | {snapshot.Messages:N0} |"));
        Console.WriteLine(Invariant($"| largest message | {snapshot.Largest / 1024.0:N0} KiB |"));
        Console.WriteLine(Invariant($"| JSON bytes in all (gzip) | {snapshot.Bytes / 1024.0 / 1024:0.00} MiB ({snapshot.Gzipped / 1024.0 / 1024:0.00} MiB) |"));
        Console.WriteLine(Invariant($"| connect until complete | {snapshot.Seconds * 1000:N0} ms |"));
        Console.WriteLine(Invariant($"| allocated meanwhile (host and client) | {snapshot.Allocated / 1024.0 / 1024:N0} MiB |"));
        Console.WriteLine();
        Console.WriteLine(Invariant($"| resync on PostgreSQL, {servers:N0} rows | time | rows read |"));
        Console.WriteLine("| --- | ---: | ---: |");
        reads.ToList().ForEach(r => Console.WriteLine(Invariant($"| {r.What} | {r.Milliseconds:N1} ms | {r.Rows:N0} |")));
        return snapshot.Servers == servers ? 0 : 1;
    }

    private static McpStatusEvent Disconnected(string name, long version) => new()
    {
        Type = StatusMessageTypes.StatusChange,
        Timestamp = DateTimeOffset.UtcNow,
        McpName = name,
        OldStatus = HealthStatus.Healthy,
        NewStatus = HealthStatus.Disconnected,
        Event = HealthEventType.Disconnected,
        Status = new McpServerStatus { Name = name, Status = HealthStatus.Disconnected, Circuit = CircuitState.Closed, ConsecutiveFailures = 1, ToolCount = 10, Version = version },
    };

    /// <summary>A swap, then one read of one server's capabilities (rendered anew, as every read after a swap is).</summary>
    private static async Task<(double P50, double P99)> ColdReadsAsync(BenchHost host, ServerCatalog catalog, int servers)
    {
        using var client = host.ClientAs(Roles.Viewer);
        var path = $"/api/v1/mcp/tools/capabilities?server={SyntheticCatalog.ServerName(servers - 1)}";
        (await client.GetAsync(path)).EnsureSuccessStatusCode();
        var times = new List<double>();
        for (var i = 0; i < ColdReads; i++)
        {
            catalog.Apply(Disconnected(SyntheticCatalog.ServerName(i % servers), version: 1_000 + i));
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path);
            response.EnsureSuccessStatusCode();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        times.Sort();
        return (Percentiles.Of(times, 0.50), Percentiles.Of(times, 0.99));
    }

    private static async Task<SnapshotFigures> SnapshotAsync(BenchHost host, int servers)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        await using var client = await RealtimeClient.ConnectAsync(host.BaseAddress, host.Token(Roles.Viewer));
        var pages = await Eventually.MatchesAsync(
            () => Task.FromResult(client.Messages.Select(m => m.Message).Where(m => m.GetProperty("type").GetString() == "snapshot").ToList()),
            received => received.Count > 0 && Complete(received[^1]),
            TimeSpan.FromMinutes(2),
            "the whole snapshot");
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var texts = pages.Select(p => Encoding.UTF8.GetBytes(p.GetRawText())).ToList();
        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Fastest, leaveOpen: true))
        {
            texts.ForEach(t => gzip.Write(t));
        }
        var received = pages.Sum(p => p.GetProperty("snapshot").GetArrayLength());
        return new SnapshotFigures(received, pages.Count, texts.Max(t => t.Length), texts.Sum(t => (long)t.Length), gzipped.Length, seconds, allocated);
    }

    /// <summary>The last page of a paged snapshot, or a snapshot sent whole.</summary>
    private static bool Complete(JsonElement message) =>
        !message.TryGetProperty("pages", out var pages) || message.GetProperty("page").GetInt32() == pages.GetInt32();

    private static (double Milliseconds, long Bytes) Measure(Action action)
    {
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        action();
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record SnapshotFigures(int Servers, int Messages, int Largest, long Bytes, long Gzipped, double Seconds, long Allocated);
}

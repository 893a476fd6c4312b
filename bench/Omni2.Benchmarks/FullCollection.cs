using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Omni2.Testing;

namespace Omni2.Benchmarks;

/// <summary>
/// A silo's memory after a full, blocking garbage collection, which this induces from outside the process
/// through its diagnostics port (the runtime collects when an EventPipe session asks for the GC heap, as
/// <c>dotnet-gcdump</c> does). RSS between collections also holds garbage and slack of the allocation rate;
/// after a full collection the GC heap is what is alive, so a difference between two fleet sizes is what
/// the servers cost.
/// </summary>
public static class FullCollection
{
    private const long GcKeyword = 0x1;
    private const long GcHeapCollectKeyword = 0x800000;

    /// <summary>
    /// Collects, then returns the process's RSS, its GC heap (all generations) and the memory the GC keeps
    /// committed for it (from the silo's <c>System.Runtime</c> meter): RSS less that is the runtime's and
    /// the libraries' native memory and code.
    /// </summary>
    public static async Task<(long Rss, long GcHeap, long GcCommitted)> MeasureAsync(int processId, HttpClient viewer)
    {
        var gen2 = (await MetricsScrape.ReadAsync(viewer)).Sum("dotnet_gc_collections_total", "gen2");
        var client = new DiagnosticsClient(processId);
        using (var session = client.StartEventPipeSession(
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GcKeyword | GcHeapCollectKeyword), requestRundown: false))
        {
            var drain = session.EventStream.CopyToAsync(Stream.Null);
            await Eventually.MatchesAsync(
                async () => (await MetricsScrape.ReadAsync(viewer)).Sum("dotnet_gc_collections_total", "gen2"),
                collections => collections > gen2,
                TimeSpan.FromSeconds(30),
                "an induced full collection");
            await session.StopAsync(CancellationToken.None);
            await drain;
        }
        var after = await MetricsScrape.ReadAsync(viewer);
        return (ProcessMeter.RssBytes(processId), (long)after.Sum("dotnet_gc_last_collection_heap_size_bytes"),
            (long)after.Sum("dotnet_gc_last_collection_memory_committed_size_bytes"));
    }
}

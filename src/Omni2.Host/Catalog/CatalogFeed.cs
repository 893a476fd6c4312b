using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Feed;
using Omni2.Grains.Persistence;
using Omni2.Grains.Telemetry;

namespace Omni2.Host.Catalog;

/// <summary>
/// This silo's receiver of the status feed: keeps the <see cref="ServerCatalog"/> current (loaded
/// when the silo starts, every event applied, resynced from the database periodically and whenever
/// an event names a server it does not know), keeps the <see cref="FeedHistory"/> a grain resumes
/// from, then tells the other listeners. A listener that throws is logged and counted; the catalog,
/// the other listeners and the next events go on. A resync reads the rows changed since the last
/// (<see cref="CatalogRead.Mark"/>), so its cost follows the changes, not the fleet; <see cref="ResyncMarks"/>
/// says when it reads every row instead.
/// </summary>
public sealed class CatalogFeed(
    ServerCatalog catalog,
    FeedHistory history,
    IEnumerable<IStatusEventListener> listeners,
    ICatalogSource source,
    IGrainFactory grains,
    StatusPublisher publisher,
    ILocalSiloDetails silo,
    IHostApplicationLifetime lifetime,
    IOptions<CatalogOptions> options,
    IOptions<StatusFeedOptions> feed,
    TimeProvider time,
    LoopGuard loops,
    ILogger<CatalogFeed> logger) : BackgroundService, IStatusObserver
{
    private const string Loop = "catalog_feed";
    private readonly SemaphoreSlim _resyncRequested = new(0, 1);
    private readonly Lock _delivery = new();
    private readonly ResyncMarks _marks = new(time, options.Value.FullResyncInterval);

    public Task OnEventsAsync(ImmutableArray<McpStatusEvent> events)
    {
        lock (_delivery)
        {
            foreach (var message in events)
            {
                // The catalog first, so that whatever a listener reads from it already includes this event.
                loops.Run(Loop, () => catalog.Apply(message));
                loops.Run(Loop, () => history.Record(message));
                foreach (var listener in listeners)
                {
                    loops.Run(Loop, () => listener.OnStatusEvent(message));
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task OnChecksAsync(ImmutableArray<ServerCheck> checks)
    {
        lock (_delivery)
        {
            loops.Run(Loop, () => catalog.ApplyChecks(checks));
            foreach (var listener in listeners)
            {
                loops.Run(Loop, () => listener.OnChecks(checks));
            }
        }
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken);

        catalog.UnknownServerSeen += RequestResync;
        publisher.AttachLocal(this);
        var subscription = StatusSubscription.Start(grains, this, silo.SiloAddress, feed.Value.RenewInterval, logger);
        try
        {
            // Every publisher rereads its receivers within one refresh: only from then on does this
            // silo see every event, so only then is its catalog loaded (and the silo ready).
            await subscription.Subscribed.WaitAsync(stoppingToken);
            await Task.Delay(feed.Value.RefreshInterval, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await ResyncAsync(stoppingToken);
                try
                {
                    await _resyncRequested.WaitAsync(options.Value.ResyncInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shut down before the catalog was loaded.
        }
        finally
        {
            catalog.UnknownServerSeen -= RequestResync;
            publisher.AttachLocal(null);
            await subscription.DisposeAsync();
        }
    }

    private void RequestResync()
    {
        if (_resyncRequested.CurrentCount == 0)
        {
            try
            {
                _resyncRequested.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already requested.
            }
        }
    }

    /// <summary>A failed resync keeps the current catalog; the next one tries again.</summary>
    private Task ResyncAsync(CancellationToken stoppingToken) =>
        loops.RunAsync(Loop, async () =>
        {
            var mark = catalog.ChangeMark;
            var read = _marks.NextChangedAfter is { } after
                ? await source.LoadCatalogAsync(changedAfter: after, cancellationToken: stoppingToken)
                : await source.LoadCatalogAsync(catalog.ListsHeld(), cancellationToken: stoppingToken);
            var listsMissing = read.Rows.Any(r => r.Tools.IsDefault && !catalog.Current.Servers.ContainsKey(r.Server.Name));
            catalog.Resync(read.Rows, mark, read.Complete);
            if (_marks.Read(read, catalog.Current.Servers.Count, listsMissing))
            {
                RequestResync();
            }
        }, stoppingToken);
}

using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Orleans.Streams;

namespace Omni2.Host.Catalog;

/// <summary>Section <c>Omni2:Catalog</c>.</summary>
public sealed class CatalogOptions
{
    public const string Section = "Omni2:Catalog";

    /// <summary>How often the catalog is rebuilt from the database, healing any missed stream message.</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Something else on this silo that reacts to every status-stream event (after the catalog has).</summary>
public interface IStatusEventListener
{
    /// <summary>Called on the stream's delivery thread: return quickly.</summary>
    void OnStatusEvent(McpStatusEvent message);
}

/// <summary>
/// Keeps this silo's <see cref="ServerCatalog"/> current: loads it when the silo starts, applies
/// every status-stream event, and resyncs from the database periodically and whenever an event
/// names a server it does not know.
/// </summary>
public sealed partial class CatalogFeed(
    ServerCatalog catalog,
    IEnumerable<IStatusEventListener> listeners,
    ICatalogSource source,
    IClusterClient client,
    IHostApplicationLifetime lifetime,
    Microsoft.Extensions.Options.IOptions<CatalogOptions> options,
    ILogger<CatalogFeed> logger) : BackgroundService
{
    private readonly SemaphoreSlim _resyncRequested = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var _ = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stoppingToken);

        catalog.UnknownServerSeen += RequestResync;
        var subscription = await SubscribeAsync(stoppingToken);
        try
        {
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
        finally
        {
            catalog.UnknownServerSeen -= RequestResync;
            await UnsubscribeAsync(subscription);
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

    private async Task<StreamSubscriptionHandle<McpStatusEvent>?> SubscribeAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var stream = client.GetStreamProvider(StreamNames.Provider)
                    .GetStream<McpStatusEvent>(StreamId.Create(StreamNames.StatusNamespace, StreamNames.StatusKey));
                return await stream.SubscribeAsync((message, _) =>
                {
                    // The catalog first, so that whatever a listener reads from it already includes this event.
                    catalog.Apply(message);
                    foreach (var listener in listeners)
                    {
                        listener.OnStatusEvent(message);
                    }
                    return Task.CompletedTask;
                });
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSubscribeFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
        return null;
    }

    private async Task ResyncAsync(CancellationToken stoppingToken)
    {
        try
        {
            var mark = catalog.ChangeMark;
            catalog.Resync(await source.LoadCatalogAsync(stoppingToken), mark);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogResyncFailed(ex);
        }
    }

    private async Task UnsubscribeAsync(StreamSubscriptionHandle<McpStatusEvent>? subscription)
    {
        try
        {
            if (subscription is not null)
            {
                await subscription.UnsubscribeAsync();
            }
        }
        catch (Exception ex)
        {
            LogUnsubscribeFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog: subscribing to the status stream failed; retrying")]
    private partial void LogSubscribeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog: resync from the database failed; keeping the current catalog")]
    private partial void LogResyncFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Catalog: unsubscribing from the status stream failed")]
    private partial void LogUnsubscribeFailed(Exception exception);
}

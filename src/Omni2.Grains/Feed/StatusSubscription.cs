using Microsoft.Extensions.Logging;
using Omni2.Contracts;

namespace Omni2.Grains.Feed;

/// <summary>
/// Keeps a receiver subscribed to the status feed: renews it every <c>renewEvery</c> (so a
/// restarted <see cref="IStatusSubscribersGrain"/> has it back within one renewal) and
/// unsubscribes it when disposed. Holds the receiver strongly: Orleans keeps observers weakly.
/// </summary>
public sealed partial class StatusSubscription : IAsyncDisposable
{
    private readonly IGrainFactory _grains;
    private readonly IStatusObserver _receiver;
    private readonly IStatusObserver _reference;
    private readonly SiloAddress? _silo;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _renewing;
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    private StatusSubscription(IGrainFactory grains, IStatusObserver receiver, SiloAddress? silo, TimeSpan renewEvery, ILogger logger)
    {
        _grains = grains;
        _receiver = receiver;
        _reference = grains.CreateObjectReference<IStatusObserver>(receiver);
        _silo = silo;
        _logger = logger;
        _renewing = RenewAsync(renewEvery, _stop.Token);
    }

    /// <summary>Completes once the first subscription went through.</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>Subscribes <paramref name="receiver"/>, on silo <paramref name="silo"/> (null for a client).</summary>
    public static StatusSubscription Start(IGrainFactory grains, IStatusObserver receiver, SiloAddress? silo, TimeSpan renewEvery, ILogger logger) =>
        new(grains, receiver, silo, renewEvery, logger);

    private async Task RenewAsync(TimeSpan renewEvery, CancellationToken stop)
    {
        var subscribers = _grains.GetGrain<IStatusSubscribersGrain>(GrainKeys.StatusSubscribers);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // A short attempt, retried each second: a call made while the cluster is still forming
                // (or its silo just died) may never be answered, and every publisher waits for this one.
                await subscribers.SubscribeAsync(new StatusSubscriber(_reference, _silo)).WaitAsync(AttemptTimeout, stop);
                _subscribed.TrySetResult();
                await Task.Delay(renewEvery, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The list may live on a silo that just died: its next activation takes the renewal.
                LogRenewFailed(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _renewing;
        try
        {
            await _grains.GetGrain<IStatusSubscribersGrain>(GrainKeys.StatusSubscribers)
                .UnsubscribeAsync(_reference).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex)
        {
            LogRenewFailed(ex.Message); // It expires on its own.
        }
        _grains.DeleteObjectReference<IStatusObserver>(_reference);
        GC.KeepAlive(_receiver);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Status feed: renewing a subscription failed: {Error}")]
    private partial void LogRenewFailed(string error);
}

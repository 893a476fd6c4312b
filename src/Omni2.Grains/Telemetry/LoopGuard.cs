using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Omni2.Grains.Telemetry;

/// <summary>
/// What every background loop does with an item that throws: logs it, counts it
/// (<c>omni2.background.failures</c>, by loop) and goes on with the next. One bad item must never
/// end a loop: a <c>BackgroundService</c> that ends with an exception stops the host.
/// </summary>
public sealed partial class LoopGuard(Omni2Metrics metrics, ILogger<LoopGuard> logger)
{
    /// <summary>Runs one item of <paramref name="loop"/>; false when it threw (logged and counted).</summary>
    public bool Run(string loop, Action item)
    {
        try
        {
            item();
            return true;
        }
        catch (Exception ex)
        {
            Failed(loop, ex);
            return false;
        }
    }

    /// <summary>Runs one asynchronous item; false when it threw. Cancellation by <paramref name="stopping"/> is no failure: it propagates.</summary>
    public async Task<bool> RunAsync(string loop, Func<Task> item, CancellationToken stopping)
    {
        try
        {
            await item();
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            Failed(loop, ex);
            return false;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>, a loop meant to last until <paramref name="stopping"/> (a watch of an
    /// update stream), and starts it again <paramref name="pause"/> after it threw or ended. Returns once stopping.
    /// </summary>
    public async Task KeepRunningAsync(string loop, Func<CancellationToken, Task> body, TimeSpan pause, CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                await RunAsync(loop, () => body(stopping), stopping);
                await Task.Delay(pause, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>Logs and counts a failure a loop caught itself.</summary>
    public void Failed(string loop, Exception exception)
    {
        metrics.BackgroundFailure(loop);
        LogFailed(exception, loop);
    }

    /// <summary>
    /// A queue of at most <paramref name="capacity"/> items for one loop. When it is full,
    /// <paramref name="whenFull"/> says which item goes (never <see cref="BoundedChannelFullMode.Wait"/>: a
    /// writer must not wait); each dropped item is counted (<c>omni2.queue.dropped</c>, by queue) and
    /// handed to <paramref name="dropped"/>.
    /// </summary>
    public Channel<T> BoundedQueue<T>(string queue, int capacity, BoundedChannelFullMode whenFull, Action<T>? dropped = null)
    {
        if (whenFull == BoundedChannelFullMode.Wait)
        {
            throw new ArgumentOutOfRangeException(nameof(whenFull), "A loop's queue drops; its writers never wait.");
        }
        return Channel.CreateBounded<T>(
            new BoundedChannelOptions(capacity) { FullMode = whenFull, SingleReader = true },
            item =>
            {
                metrics.QueueDropped(queue);
                dropped?.Invoke(item);
            });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Background loop {Loop}: an item failed; the loop goes on with the next")]
    private partial void LogFailed(Exception exception, string loop);
}

using Microsoft.Extensions.Hosting;

namespace Omni2.Grains.Telemetry;

public static class LifetimeExtensions
{
    /// <summary>Completes once the host has started (the silo runs, so grains answer), or is cancelled with <paramref name="stopping"/>.</summary>
    public static async Task WhenStartedAsync(this IHostApplicationLifetime lifetime, CancellationToken stopping)
    {
        var started = new TaskCompletionSource();
        using var _ = lifetime.ApplicationStarted.Register(started.SetResult);
        await started.Task.WaitAsync(stopping);
    }
}

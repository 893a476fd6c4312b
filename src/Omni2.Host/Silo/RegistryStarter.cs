using Omni2.Contracts;

namespace Omni2.Host.Silo;

/// <summary>
/// Once the silo runs, asks the registry for a scan: that activates it (and its reminder) and wakes
/// every configured server at once instead of one reminder period later.
/// </summary>
public sealed partial class RegistryStarter(IGrainFactory grains, IHostApplicationLifetime lifetime, ILogger<RegistryStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WhenStartedAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await grains.GetGrain<IRegistryGrain>(GrainKeys.Registry).ReloadNowAsync();
                LogStarted(result.Added, result.Changed, result.Unchanged);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRetry(ex);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        lifetime.ApplicationStarted.Register(started.SetResult);
        return started.Task.WaitAsync(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry started: {Added} servers added, {Changed} changed, {Unchanged} unchanged")]
    private partial void LogStarted(int added, int changed, int unchanged);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry not reachable yet; retrying")]
    private partial void LogRetry(Exception exception);
}

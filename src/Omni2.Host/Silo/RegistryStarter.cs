using Omni2.Contracts;
using Omni2.Grains.Telemetry;

namespace Omni2.Host.Silo;

/// <summary>
/// Once the silo runs, asks the registry for a scan: that activates it (and its reminder) and wakes
/// every configured server at once instead of one reminder period later. Until the registry answers
/// (the cluster may still be forming) each failed attempt is logged and counted, and retried 2 s later.
/// </summary>
public sealed partial class RegistryStarter(IGrainFactory grains, IHostApplicationLifetime lifetime, LoopGuard loops, ILogger<RegistryStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken);
        while (!await loops.RunAsync("registry_starter", StartAsync, stoppingToken))
        {
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
        }
    }

    private async Task StartAsync()
    {
        var result = await grains.GetGrain<IRegistryGrain>(GrainKeys.Registry).ReloadNowAsync();
        LogStarted(result.Added, result.Changed, result.Unchanged);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry started: {Added} servers added, {Changed} changed, {Unchanged} unchanged")]
    private partial void LogStarted(int added, int changed, int unchanged);
}

using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;

namespace Omni2.Grains.Registry;

/// <summary>
/// Hot reload in well under a second: one <c>LISTEN omni2_mcp_servers</c> connection per silo (the trigger of
/// <c>sql/012_omni2_mcp_servers_notify.sql</c> names each server whose configuration changed) tells the registry
/// which rows to reload. A burst (one transaction's NOTIFYs arrive together) is gathered for
/// <see cref="RegistryOptions.NotifyCoalesce"/>; one naming more than <see cref="RegistryOptions.NotifyScanThreshold"/>
/// servers is one full scan instead, so a bulk update of 10,000 rows costs one scan, not 10,000 reloads. After
/// every (re)connection the registry scans once: what changed while nobody listened. The registry's own scan
/// stays the safety net, for a reload that failed too. A name no row and no registry entry knows is ignored and
/// counted (<c>omni2.registry.notifications</c>).
/// </summary>
public sealed partial class RowChangeListener(
    NpgsqlDataSource database,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<RegistryOptions> options,
    LoopGuard loops,
    Omni2Metrics metrics,
    ILogger<RowChangeListener> logger) : BackgroundService
{
    public const string NotifyChannel = "omni2_mcp_servers";
    private const string Loop = "registry_notify";
    // The longest server name the table allows (varchar(63)); a longer payload names no row.
    private const int MaxNameLength = 63;
    // Without a notification for this long, the connection is tested, so a dead one is noticed and replaced.
    private static readonly TimeSpan IdleProbe = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private HashSet<string> _pending = new(StringComparer.Ordinal);
    // A wake-up, not a queue: the names wait in _pending, so one signal stands for any number of them.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private IRegistryGrain Registry => grains.GetGrain<IRegistryGrain>(GrainKeys.Registry);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await lifetime.WhenStartedAsync(stoppingToken);
        var applying = ApplyAsync(stoppingToken);
        await loops.KeepRunningAsync(Loop, ListenAsync, options.Value.NotifyReconnectDelay, stoppingToken);
        await applying;
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        await using var connection = await database.OpenConnectionAsync(stopping);
        connection.Notification += (_, e) => Received(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {NotifyChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stopping);
        }
        var resync = await Registry.ReloadNowAsync();
        LogListening(resync.Added, resync.Changed, resync.Retired);
        while (true)
        {
            if (!await connection.WaitAsync(IdleProbe, stopping))
            {
                await using var probe = new NpgsqlCommand("SELECT 1", connection);
                await probe.ExecuteNonQueryAsync(stopping);
            }
        }
    }

    private void Received(string name)
    {
        if (name.Length is 0 or > MaxNameLength)
        {
            metrics.RegistryNotifications("ignored", 1);
            return;
        }
        lock (_gate)
        {
            _pending.Add(name);
        }
        _wake.Writer.TryWrite(true);
    }

    private async Task ApplyAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var _ in _wake.Reader.ReadAllAsync(stopping))
            {
                await Task.Delay(options.Value.NotifyCoalesce, stopping);
                HashSet<string> names;
                lock (_gate)
                {
                    (names, _pending) = (_pending, new HashSet<string>(StringComparer.Ordinal));
                }
                await loops.RunAsync(Loop, () => ReloadAsync(names), stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task ReloadAsync(HashSet<string> names)
    {
        if (names.Count > options.Value.NotifyScanThreshold)
        {
            await Registry.ReloadNowAsync();
            metrics.RegistryNotifyCalls("scan", 1);
            metrics.RegistryNotifications("scanned", names.Count);
            LogScanned(names.Count);
            return;
        }
        var results = await Task.WhenAll(names.Select(Registry.ReloadAsync));
        metrics.RegistryNotifyCalls("row", names.Count);
        var ignored = results.Sum(r => r.Unknown);
        metrics.RegistryNotifications("reloaded", names.Count - ignored);
        metrics.RegistryNotifications("ignored", ignored);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for changes of omni2.mcp_servers; resync: {Added} added, {Changed} changed, {Retired} retired")]
    private partial void LogListening(int added, int changed, int retired);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} servers changed at once: one registry scan")]
    private partial void LogScanned(int count);
}

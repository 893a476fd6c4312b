using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Persistence;

namespace Omni2.Grains.Registry;

/// <summary>
/// Hot reload: a reminder rescans the configured servers. New rows get a grain, changed rows
/// reconfigure theirs, deleted or disabled rows retire theirs. The first scan after activation
/// also wakes every enabled server, so a restarted cluster reconnects without waiting for reminders.
/// </summary>
public sealed partial class RegistryGrain(
    [PersistentState("registry", StorageNames.Grains)] IPersistentState<RegistryState> state,
    IServerConfigSource configs,
    IOptions<RegistryOptions> options,
    ILogger<RegistryGrain> logger) : Grain, IRegistryGrain, IRemindable
{
    private const string ScanReminder = "registry-scan";
    private bool _scannedSinceActivation;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.ScanInterval;
        await this.RegisterOrUpdateReminder(ScanReminder, interval, interval);
    }

    public Task<RegistryScanResult> ReloadNowAsync() => ScanAsync();

    public async Task<int> WakeAllAsync()
    {
        var rows = (await configs.LoadAllAsync()).Where(row => row.Enabled).ToList();
        // ApplyConfig is idempotent: an active grain with this configuration returns at once.
        var failed = await RunBoundedAsync([.. rows.Select(row => (row.Name, (Func<Task>)(() => GrainFactory.GetGrain<IMcpServerGrain>(row.Name).ApplyConfigAsync(row))))]);
        LogWoken(rows.Count, failed.Count);
        return rows.Count - failed.Count;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ScanReminder)
        {
            await ScanAsync();
        }
    }

    private async Task<RegistryScanResult> ScanAsync()
    {
        var rows = await configs.LoadAllAsync();
        var known = state.State.Servers;
        var work = new List<(string Name, Func<Task> Call)>();
        int added = 0, changed = 0, retired = 0, unchanged = 0;
        var next = new Dictionary<string, KnownServer>(StringComparer.Ordinal);

        foreach (var row in rows)
        {
            var grain = GrainFactory.GetGrain<IMcpServerGrain>(row.Name);
            var seen = new KnownServer(row.Fingerprint(), row.Enabled);
            next[row.Name] = seen;
            known.TryGetValue(row.Name, out var before);
            switch (before, row.Enabled)
            {
                case (null, false):
                    unchanged++;
                    break;
                case ({ Enabled: true }, false):
                    retired++;
                    work.Add((row.Name, () => grain.RetireAsync(RetireReason.Disabled)));
                    break;
                case (null, true):
                    added++;
                    work.Add((row.Name, () => grain.ApplyConfigAsync(row)));
                    break;
                case ({ Enabled: false }, true):
                    changed++;
                    work.Add((row.Name, async () =>
                    {
                        await grain.ApplyConfigAsync(row);
                        await grain.EnableAsync();
                    }));
                    break;
                case var _ when before.Fingerprint != seen.Fingerprint || (!_scannedSinceActivation && row.Enabled):
                    if (before.Fingerprint != seen.Fingerprint) changed++; else unchanged++;
                    work.Add((row.Name, () => grain.ApplyConfigAsync(row)));
                    break;
                default:
                    unchanged++;
                    break;
            }
        }
        foreach (var name in known.Keys.Where(name => !next.ContainsKey(name)))
        {
            retired++;
            var grain = GrainFactory.GetGrain<IMcpServerGrain>(name);
            work.Add((name, () => grain.RetireAsync(RetireReason.Deleted)));
        }

        foreach (var failed in await RunBoundedAsync(work))
        {
            // Remember the server as it was, so the next scan tries again.
            if (known.TryGetValue(failed, out var before))
            {
                next[failed] = before;
            }
            else
            {
                next.Remove(failed);
            }
        }
        _scannedSinceActivation = true;
        var result = new RegistryScanResult(added, changed, retired, unchanged);
        if (added + changed + retired > 0 || !known.Keys.ToHashSet().SetEquals(next.Keys))
        {
            state.State.Servers = next;
            await state.WriteStateAsync();
            LogScan(result.Added, result.Changed, result.Retired, result.Unchanged);
        }
        return result;
    }

    /// <summary>Runs the grain calls a bounded number at a time; one failing server never stops the scan.</summary>
    private async Task<List<string>> RunBoundedAsync(List<(string Name, Func<Task> Call)> work)
    {
        var failed = new List<string>();
        var parallelism = Math.Max(1, options.Value.Parallelism);
        for (var i = 0; i < work.Count; i += parallelism)
        {
            await Task.WhenAll(work.Skip(i).Take(parallelism).Select(async item =>
            {
                try
                {
                    await item.Call();
                }
                catch (Exception ex)
                {
                    failed.Add(item.Name);
                    LogServerUpdateFailed(ex, item.Name);
                }
            }));
        }
        return failed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry scan: {Added} added, {Changed} changed, {Retired} retired, {Unchanged} unchanged")]
    private partial void LogScan(int added, int changed, int retired, int unchanged);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry: woke {Count} servers ({Failed} failed) after a silo left")]
    private partial void LogWoken(int count, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry scan: updating MCP server {Server} failed; retrying on the next scan")]
    private partial void LogServerUpdateFailed(Exception exception, string server);
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Persistence;

namespace Omni2.Grains.Registry;

/// <summary>
/// Hot reload: a reminder rescans the configured servers, a changed row is reloaded alone;
/// <see cref="RegistryPlanner"/> decides what each server needs and this grain makes those calls.
/// </summary>
public sealed partial class RegistryGrain(
    [PersistentState("registry", StorageNames.Grains)] IPersistentState<RegistryState> state,
    IServerConfigSource configs,
    IOptions<RegistryOptions> options,
    ILogger<RegistryGrain> logger) : Grain, IRegistryGrain, IRemindable
{
    private const string ScanReminder = "registry-scan";
    private bool _scannedSinceActivation;
    private readonly Dictionary<string, Task> _reloading = new(StringComparer.Ordinal);
    /// <summary>While a scan runs: what reloads interleaved with it learned, which its rows (read before) do not know.</summary>
    private Dictionary<string, KnownServer?>? _reloadedDuringScan;
    private bool _unsaved;
    private IGrainTimer? _saveTimer;

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

    public async Task<RegistryScanResult> ReloadAsync(string name)
    {
        // Reloads interleave, but one server's one at a time (the admin API's and the NOTIFY's for one
        // change meet here): the second reads what the first did, and makes no second call.
        while (_reloading.TryGetValue(name, out var running))
        {
            await running;
        }
        var done = new TaskCompletionSource();
        _reloading[name] = done.Task;
        try
        {
            return await ReloadOneAsync(name);
        }
        finally
        {
            _reloading.Remove(name);
            done.SetResult();
        }
    }

    private async Task<RegistryScanResult> ReloadOneAsync(string name)
    {
        var row = await configs.LoadAsync(name);
        var known = state.State.Servers;
        known.TryGetValue(name, out var before);
        var step = RegistryPlanner.Plan(name, row, before, wake: !_scannedSinceActivation);
        // A failed call leaves the server as it was known, so the next scan tries again.
        if ((step.Call is RegistryCall.None || (await RunBoundedAsync([(name, Call(step))])).Count == 0) && step.Next != before)
        {
            Remember(known, name, step.Next);
            if (_reloadedDuringScan is { } duringScan)
            {
                duringScan[name] = step.Next;
            }
            SaveSoon();
        }
        return RegistryPlanner.Count([step]);
    }

    private async Task<RegistryScanResult> ScanAsync()
    {
        _reloadedDuringScan = new(StringComparer.Ordinal);
        try
        {
            return await ScanRowsAsync(_reloadedDuringScan);
        }
        finally
        {
            _reloadedDuringScan = null;
        }
    }

    private async Task<RegistryScanResult> ScanRowsAsync(Dictionary<string, KnownServer?> reloadedDuringScan)
    {
        var rows = await configs.LoadAllAsync();
        var known = state.State.Servers;
        var plan = RegistryPlanner.Scan(rows, known, wake: !_scannedSinceActivation);
        var next = plan.Next;

        foreach (var failed in await RunBoundedAsync([.. plan.Steps.Where(step => step.Call is not RegistryCall.None).Select(step => (step.Name, Call(step)))]))
        {
            // Remember the server as it was, so the next scan tries again.
            Remember(next, failed, known.GetValueOrDefault(failed));
        }
        foreach (var (name, reloaded) in reloadedDuringScan)
        {
            Remember(next, name, reloaded);
        }
        _scannedSinceActivation = true;
        var result = plan.Result;
        if (_unsaved || result.Added + result.Changed + result.Retired > 0 || !known.Keys.ToHashSet().SetEquals(next.Keys))
        {
            state.State.Servers = next;
            await SaveAsync();
            LogScan(result.Added, result.Changed, result.Retired, result.Unchanged);
        }
        return result;
    }

    /// <summary>Records what the registry knows of a server; null: nothing (no row, or never applied).</summary>
    private static void Remember(Dictionary<string, KnownServer> servers, string name, KnownServer? known)
    {
        if (known is null)
        {
            servers.Remove(name);
        }
        else
        {
            servers[name] = known;
        }
    }

    private Func<Task> Call(RegistryStep step)
    {
        var grain = GrainFactory.GetGrain<IMcpServerGrain>(step.Name);
        return step.Call switch
        {
            RegistryCall.Apply => () => grain.ApplyConfigAsync(step.Row!),
            RegistryCall.ApplyAndEnable => async () =>
            {
                await grain.ApplyConfigAsync(step.Row!);
                await grain.EnableAsync(CancellationToken.None);
            },
            RegistryCall.RetireDeleted => () => grain.RetireAsync(RetireReason.Deleted),
            RegistryCall.RetireDisabled => () => grain.RetireAsync(RetireReason.Disabled),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step.Call, "no grain call to make"),
        };
    }

    /// <summary>
    /// Writes the registry's state within a second, once for any number of single reloads: it is
    /// only a cache of the rows, so a crash before the write costs the next scan a few idempotent calls.
    /// </summary>
    private void SaveSoon()
    {
        if (_unsaved)
        {
            return;
        }
        _unsaved = true;
        var due = TimeSpan.FromSeconds(1);
        if (_saveTimer is null)
        {
            _saveTimer = this.RegisterGrainTimer(async () =>
            {
                if (_unsaved)
                {
                    await SaveAsync();
                }
            }, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan));
        }
        else
        {
            _saveTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task SaveAsync()
    {
        _unsaved = false;
        await state.WriteStateAsync();
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

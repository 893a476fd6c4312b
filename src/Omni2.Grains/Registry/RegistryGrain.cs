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
        var row = await configs.LoadAsync(name);
        var known = state.State.Servers;
        known.TryGetValue(name, out var before);
        var tally = new ScanTally();
        var (work, next) = Reconcile(name, row, before, tally);
        // A failed call leaves the server as it was known, so the next scan tries again.
        if ((work is null || (await RunBoundedAsync([(name, work)])).Count == 0) && next != before)
        {
            if (next is null)
            {
                known.Remove(name);
            }
            else
            {
                known[name] = next;
            }
            SaveSoon();
        }
        return tally.Result;
    }

    private async Task<RegistryScanResult> ScanAsync()
    {
        var rows = await configs.LoadAllAsync();
        var known = state.State.Servers;
        var work = new List<(string Name, Func<Task> Call)>();
        var tally = new ScanTally();
        var next = new Dictionary<string, KnownServer>(StringComparer.Ordinal);

        foreach (var row in rows)
        {
            known.TryGetValue(row.Name, out var before);
            var (call, seen) = Reconcile(row.Name, row, before, tally);
            next[row.Name] = seen!;
            if (call is not null)
            {
                work.Add((row.Name, call));
            }
        }
        foreach (var (name, before) in known.Where(k => !next.ContainsKey(k.Key)))
        {
            work.Add((name, Reconcile(name, null, before, tally).Work!));
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
        var result = tally.Result;
        if (_unsaved || result.Added + result.Changed + result.Retired > 0 || !known.Keys.ToHashSet().SetEquals(next.Keys))
        {
            state.State.Servers = next;
            await SaveAsync();
            LogScan(result.Added, result.Changed, result.Retired, result.Unchanged);
        }
        return result;
    }

    /// <summary>
    /// What one server needs, from its row (null: deleted) and what the registry knew of it: the
    /// grain call to make, if any, and what to know of it afterwards (null: forget it).
    /// </summary>
    private (Func<Task>? Work, KnownServer? Next) Reconcile(string name, McpServerConfig? row, KnownServer? before, ScanTally tally)
    {
        var grain = GrainFactory.GetGrain<IMcpServerGrain>(name);
        if (row is null)
        {
            return before is null ? tally.Unknown() : tally.Retired(() => grain.RetireAsync(RetireReason.Deleted), null);
        }
        var seen = new KnownServer(row.Fingerprint(), row.Enabled);
        return (before, row.Enabled) switch
        {
            (null, false) => tally.Unchanged(null, seen),
            ({ Enabled: true }, false) => tally.Retired(() => grain.RetireAsync(RetireReason.Disabled), seen),
            (null, true) => tally.Added(() => grain.ApplyConfigAsync(row), seen),
            ({ Enabled: false }, true) => tally.Changed(async () =>
            {
                await grain.ApplyConfigAsync(row);
                await grain.EnableAsync(CancellationToken.None);
            }, seen),
            _ when before.Fingerprint != seen.Fingerprint => tally.Changed(() => grain.ApplyConfigAsync(row), seen),
            // The first scan after activation wakes every enabled server.
            _ when !_scannedSinceActivation && row.Enabled => tally.Unchanged(() => grain.ApplyConfigAsync(row), seen),
            _ => tally.Unchanged(null, seen),
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

    /// <summary>Counts what a scan did, one server at a time.</summary>
    private sealed class ScanTally
    {
        private int _added, _changed, _retired, _unchanged, _unknown;

        public RegistryScanResult Result => new(_added, _changed, _retired, _unchanged, _unknown);

        public (Func<Task>?, KnownServer?) Added(Func<Task> work, KnownServer? next) => Count(ref _added, work, next);

        public (Func<Task>?, KnownServer?) Changed(Func<Task> work, KnownServer? next) => Count(ref _changed, work, next);

        public (Func<Task>?, KnownServer?) Retired(Func<Task> work, KnownServer? next) => Count(ref _retired, work, next);

        public (Func<Task>?, KnownServer?) Unchanged(Func<Task>? work, KnownServer? next) => Count(ref _unchanged, work, next);

        public (Func<Task>?, KnownServer?) Unknown() => Count(ref _unknown, null, null);

        private static (Func<Task>?, KnownServer?) Count(ref int counter, Func<Task>? work, KnownServer? next)
        {
            counter++;
            return (work, next);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry scan: {Added} added, {Changed} changed, {Retired} retired, {Unchanged} unchanged")]
    private partial void LogScan(int added, int changed, int retired, int unchanged);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry: woke {Count} servers ({Failed} failed) after a silo left")]
    private partial void LogWoken(int count, int failed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registry scan: updating MCP server {Server} failed; retrying on the next scan")]
    private partial void LogServerUpdateFailed(Exception exception, string server);
}

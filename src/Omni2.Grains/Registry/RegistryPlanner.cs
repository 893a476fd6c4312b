using Omni2.Contracts;

namespace Omni2.Grains.Registry;

/// <summary>
/// The registry's reconcile, with no Orleans or I/O in it: from the rows and what the registry knew of
/// each server, which grain calls to make. New rows are added, changed or re-enabled rows reconfigured,
/// deleted or disabled ones retired; with <c>wake</c> (the first scan after the registry's activation)
/// every enabled server is given its configuration, so a restarted cluster reconnects at once.
/// </summary>
public static class RegistryPlanner
{
    public static RegistryStep Plan(string name, McpServerConfig? row, KnownServer? before, bool wake)
    {
        if (row is null)
        {
            return before is null
                ? new(name, null, RegistryCall.None, RegistryChange.Unknown, null)
                : new(name, null, RegistryCall.RetireDeleted, RegistryChange.Retired, null);
        }
        var seen = new KnownServer(row.Fingerprint(), row.Enabled);
        var (call, change) = (before, row.Enabled) switch
        {
            (null, false) => (RegistryCall.None, RegistryChange.Unchanged),
            ({ Enabled: true }, false) => (RegistryCall.RetireDisabled, RegistryChange.Retired),
            (null, true) => (RegistryCall.Apply, RegistryChange.Added),
            ({ Enabled: false }, true) => (RegistryCall.ApplyAndEnable, RegistryChange.Changed),
            _ when before.Fingerprint != seen.Fingerprint => (RegistryCall.Apply, RegistryChange.Changed),
            _ when wake && row.Enabled => (RegistryCall.Apply, RegistryChange.Unchanged),
            _ => (RegistryCall.None, RegistryChange.Unchanged),
        };
        return new(name, row, call, change, seen);
    }

    /// <summary>Every row, and every server the registry knew that has no row any more.</summary>
    public static RegistryPlan Scan(IReadOnlyList<McpServerConfig> rows, IReadOnlyDictionary<string, KnownServer> known, bool wake)
    {
        var steps = new List<RegistryStep>(rows.Count);
        var next = new Dictionary<string, KnownServer>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var step = Plan(row.Name, row, known.GetValueOrDefault(row.Name), wake);
            steps.Add(step);
            next[row.Name] = step.Next!;
        }
        foreach (var (name, before) in known.Where(k => !next.ContainsKey(k.Key)))
        {
            steps.Add(Plan(name, null, before, wake));
        }
        return new RegistryPlan(steps, next);
    }

    public static RegistryScanResult Count(IReadOnlyCollection<RegistryStep> steps)
    {
        var counts = steps.GroupBy(s => s.Change).ToDictionary(g => g.Key, g => g.Count());
        return new RegistryScanResult(
            counts.GetValueOrDefault(RegistryChange.Added),
            counts.GetValueOrDefault(RegistryChange.Changed),
            counts.GetValueOrDefault(RegistryChange.Retired),
            counts.GetValueOrDefault(RegistryChange.Unchanged),
            counts.GetValueOrDefault(RegistryChange.Unknown),
            steps.Count(s => s.Change is RegistryChange.Unchanged && s.Call is not RegistryCall.None));
    }
}

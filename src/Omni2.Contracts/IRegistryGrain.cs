using Orleans.Concurrency;

namespace Omni2.Contracts;

/// <summary>
/// Hot reload: scans the configured servers on a reminder and gives every enabled one a grain;
/// reconfigures changed ones and retires deleted or disabled ones. One per cluster (<see cref="GrainKeys.Registry"/>).
/// </summary>
[Alias("omni2.IRegistryGrain")]
public interface IRegistryGrain : IGrainWithStringKey
{
    /// <summary>Scans now instead of waiting for the next reminder tick.</summary>
    [Alias("ReloadNow")]
    Task<RegistryScanResult> ReloadNowAsync();

    /// <summary>
    /// Reloads one server's row (the admin API calls this after each change): the same outcome as a
    /// scan for that server, without reading every row. Reloads interleave with each other and with a
    /// scan, so registering many servers at once activates their grains side by side.
    /// </summary>
    [Alias("Reload"), AlwaysInterleave, ResponseTimeout(ServerLimits.ConnectResponseTimeout)]
    Task<RegistryScanResult> ReloadAsync(string name);

    /// <summary>
    /// Makes sure every enabled server's grain is active (activating one connects and checks it):
    /// after a silo left, its servers come back at once instead of at their next reminder tick.
    /// </summary>
    [Alias("WakeAll")]
    Task<int> WakeAllAsync();
}

/// <summary>
/// What one scan changed. <see cref="Unknown"/>: names a reload was asked for that neither a row nor the
/// registry knows (a NOTIFY naming no row). <see cref="Woken"/>: unchanged servers given their configuration
/// again, which only the first scan after the registry's activation does.
/// </summary>
[GenerateSerializer, Immutable, Alias("omni2.RegistryScanResult")]
public sealed record RegistryScanResult(
    [property: Id(0)] int Added,
    [property: Id(1)] int Changed,
    [property: Id(2)] int Retired,
    [property: Id(3)] int Unchanged,
    [property: Id(4)] int Unknown = 0,
    [property: Id(5)] int Woken = 0);

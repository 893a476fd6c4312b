namespace Omni2.Grains.Registry;

/// <summary>Hot reload (section <c>Omni2:Registry</c>).</summary>
public sealed class RegistryOptions
{
    public const string Section = "Omni2:Registry";

    /// <summary>How often the registry rescans the configured servers (seed: 30 s).</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many servers one scan updates at once.</summary>
    public int Parallelism { get; set; } = 64;

    /// <summary>How long the listener gathers a burst of NOTIFYs (one transaction's arrive together) before it reloads.</summary>
    public TimeSpan NotifyCoalesce { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>A burst naming more servers than this is one full scan, not a reload per row.</summary>
    public int NotifyScanThreshold { get; set; } = 64;

    /// <summary>How long the listener waits before it connects again after its connection broke.</summary>
    public TimeSpan NotifyReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);

    public bool IsValid() =>
        ScanInterval > TimeSpan.Zero && Parallelism > 0 && NotifyCoalesce >= TimeSpan.Zero && NotifyScanThreshold > 0 && NotifyReconnectDelay > TimeSpan.Zero;
}

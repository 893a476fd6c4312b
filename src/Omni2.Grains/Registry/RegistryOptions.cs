namespace Omni2.Grains.Registry;

/// <summary>Hot reload (section <c>Omni2:Registry</c>).</summary>
public sealed class RegistryOptions
{
    public const string Section = "Omni2:Registry";

    /// <summary>How often the registry rescans the configured servers (seed: 30 s).</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many servers one scan updates at once.</summary>
    public int Parallelism { get; set; } = 64;
}

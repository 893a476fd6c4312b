using Omni2.Contracts;

namespace Omni2.Grains.Registry;

/// <summary>The grain call one server needs.</summary>
public enum RegistryCall
{
    None,
    /// <summary>Give the grain its (new) configuration; also what wakes an unchanged server.</summary>
    Apply,
    /// <summary>A disabled row enabled again: configure, then enable.</summary>
    ApplyAndEnable,
    RetireDeleted,
    RetireDisabled,
}

/// <summary>How a scan counts a server (<see cref="RegistryScanResult"/>).</summary>
public enum RegistryChange
{
    Added,
    Changed,
    Retired,
    Unchanged,
    /// <summary>Neither a row nor the registry knows the name.</summary>
    Unknown,
}

/// <summary>
/// What one server needs: its <paramref name="Call"/> (with the row to apply), how it counts, and what
/// the registry knows of it once the call succeeded (<paramref name="Next"/>; null: forget it).
/// </summary>
public sealed record RegistryStep(string Name, McpServerConfig? Row, RegistryCall Call, RegistryChange Change, KnownServer? Next);

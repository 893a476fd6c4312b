using Omni2.Contracts;

namespace Omni2.Grains.Registry;

/// <summary>A whole scan's steps, what the registry knows once they all succeed, and the counts.</summary>
public sealed record RegistryPlan(IReadOnlyList<RegistryStep> Steps, Dictionary<string, KnownServer> Next)
{
    public RegistryScanResult Result => RegistryPlanner.Count(Steps);
}

using System.Diagnostics.CodeAnalysis;
using Omni2.Grains.Servers;
using Orleans.Metadata;
using Orleans.Runtime.Placement;

namespace Omni2.Host.Silo;

/// <summary>Activation-count placement for <see cref="McpServerGrain"/>; every other grain keeps the default.</summary>
internal sealed class ServerPlacementResolver : IPlacementStrategyResolver
{
    private static readonly string ServerGrainTypeName = typeof(McpServerGrain).FullName!;
    private readonly PlacementStrategy _strategy = new ActivationCountBasedPlacement();

    public bool TryResolvePlacementStrategy(GrainType grainType, GrainProperties? properties, [MaybeNullWhen(false)] out PlacementStrategy result)
    {
        if (properties is not null
            && properties.Properties.TryGetValue(WellKnownGrainTypeProperties.FullTypeName, out var typeName)
            && typeName == ServerGrainTypeName)
        {
            result = _strategy;
            return true;
        }
        result = null;
        return false;
    }
}

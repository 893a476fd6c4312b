namespace Omni2.Grains.Registry;

/// <summary>What the registry saw last time, so a scan knows what was added, changed or removed.</summary>
[GenerateSerializer, Alias("omni2.RegistryState")]
public sealed class RegistryState
{
    [Id(0)] public Dictionary<string, KnownServer> Servers { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Immutable, Alias("omni2.KnownServer")]
public sealed record KnownServer(
    [property: Id(0)] string Fingerprint,
    [property: Id(1)] bool Enabled);

using Omni2.Contracts;

namespace Omni2.Grains.Pinning;

/// <summary><c>Omni2:Tools</c>: tool-definition pinning (see <see cref="ToolPinningMode"/>).</summary>
public sealed class ToolPinningOptions
{
    public const string Section = "Omni2:Tools";

    public ToolPinningMode Pinning { get; set; } = ToolPinningMode.Enforce;

    public bool IsValid() => Enum.IsDefined(Pinning);
}

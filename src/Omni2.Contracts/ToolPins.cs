using System.Collections.Immutable;

namespace Omni2.Contracts;

/// <summary><c>Omni2:Tools:Pinning</c>: what a server presenting a changed tool definition leads to.</summary>
public enum ToolPinningMode
{
    /// <summary>The changed tool is withheld from every listing and its calls get 409 until an admin approves it.</summary>
    Enforce,
    /// <summary>The change is logged, pushed and sent like under <see cref="Enforce"/>, but the tool stays listed and callable.</summary>
    Warn,
    /// <summary>No digest is kept or compared.</summary>
    Off,
}

/// <summary>Where one tool of a server stands with its pin.</summary>
public enum ToolPinState
{
    /// <summary>The server presents the definition an admin approved (or that was trusted on first use).</summary>
    Approved,
    /// <summary>The server presented another definition, which awaits an admin's approval.</summary>
    Pending,
    /// <summary>Pinning is off: nothing is compared.</summary>
    Unpinned,
}

/// <summary>One tool as its admin sees its pin: the approved definition and, while pending, the one presented.</summary>
[GenerateSerializer, Immutable, Alias("omni2.ToolPinView")]
public sealed record ToolPinView(
    [property: Id(0)] string Tool,
    [property: Id(1)] ToolPinState State,
    /// <summary>The approved definition, canonical JSON (<c>name, description, input_schema, output_schema, annotations</c>).</summary>
    [property: Id(2)] string? ApprovedDefinition,
    /// <summary>The definition the server presents, when it is not the approved one.</summary>
    [property: Id(3)] string? PresentedDefinition,
    [property: Id(4)] DateTimeOffset? ChangedAt);

/// <summary>A server's tools with their pins, and the mode they were judged under.</summary>
[GenerateSerializer, Immutable, Alias("omni2.ToolPinsSnapshot")]
public sealed record ToolPinsSnapshot(
    [property: Id(0)] ToolPinningMode Mode,
    [property: Id(1)] ImmutableArray<ToolPinView> Tools);

/// <summary>What an approval did: nothing, and why, when <see cref="NotPending"/> names any tool.</summary>
[GenerateSerializer, Immutable, Alias("omni2.ToolApproval")]
public sealed record ToolApproval(
    [property: Id(0)] ImmutableArray<string> NotPending,
    [property: Id(1)] ToolPinsSnapshot Pins);

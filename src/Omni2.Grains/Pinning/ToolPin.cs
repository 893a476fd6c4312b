namespace Omni2.Grains.Pinning;

/// <summary>
/// One row of <c>omni2.mcp_tool_pins</c>: the definition of a server's tool an admin approved (or
/// that was trusted on first use) and, while one awaits approval, the changed definition the server presented.
/// </summary>
public sealed record ToolPin(
    string Tool,
    string ApprovedDigest,
    string ApprovedDefinition,
    DateTimeOffset ApprovedAt,
    string? PendingDigest = null,
    string? PendingDefinition = null,
    DateTimeOffset? ChangedAt = null)
{
    public bool IsPending => PendingDigest is not null;

    public static ToolPin FirstSeen(string tool, ToolDefinition definition, DateTimeOffset now) =>
        new(tool, definition.Digest, definition.Json, now);

    /// <summary>The server presents another definition than the approved one.</summary>
    public ToolPin Changed(ToolDefinition presented, DateTimeOffset now) =>
        this with { PendingDigest = presented.Digest, PendingDefinition = presented.Json, ChangedAt = now };

    /// <summary>The server presents the approved definition again: nothing awaits approval.</summary>
    public ToolPin Reverted() => this with { PendingDigest = null, PendingDefinition = null, ChangedAt = null };

    /// <summary>An admin approved the pending definition.</summary>
    public ToolPin Approved(DateTimeOffset now) =>
        new(Tool, PendingDigest!, PendingDefinition!, now);
}

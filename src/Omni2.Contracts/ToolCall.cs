namespace Omni2.Contracts;

/// <summary>A tool call to proxy to the server that owns the tool.</summary>
[GenerateSerializer, Immutable, Alias("omni2.ToolCallRequest")]
public sealed record ToolCallRequest(
    [property: Id(0)] string Tool,
    /// <summary>The arguments as a JSON object, or null for none.</summary>
    [property: Id(1)] string? ArgumentsJson,
    /// <summary>
    /// The caller may not use the tool (its server's <c>tool_roles</c>): answered as a tool the server
    /// does not have, at the same step of the call, so that nothing tells the two apart.
    /// </summary>
    [property: Id(2)] bool Hidden = false);

/// <summary>How a proxied tool call ended; each maps to a distinct HTTP status.</summary>
public enum ToolCallOutcome
{
    /// <summary>The server answered (the tool itself may still report <c>is_error</c>).</summary>
    Completed,
    UnknownTool,
    InvalidArguments,
    /// <summary>The server is not healthy; see <see cref="ToolCallResult.RetryAfter"/>.</summary>
    Unavailable,
    Timeout,
    UpstreamFailure,
    /// <summary>The caller went away (or cancelled) before the server answered.</summary>
    Cancelled,
    /// <summary>The tool's definition changed since an admin approved it, and the change awaits approval (409).</summary>
    AwaitingApproval,
}

/// <summary>The result of a proxied tool call.</summary>
[GenerateSerializer, Immutable, Alias("omni2.ToolCallResult")]
public sealed record ToolCallResult
{
    [Id(0)] public required ToolCallOutcome Outcome { get; init; }
    /// <summary>The MCP <c>content</c> array as JSON, when the server answered.</summary>
    [Id(1)] public string? ContentJson { get; init; }
    [Id(2)] public bool IsError { get; init; }
    [Id(3)] public double DurationMs { get; init; }
    /// <summary>What went wrong, for anything but <see cref="ToolCallOutcome.Completed"/>.</summary>
    [Id(4)] public string? Detail { get; init; }
    [Id(5)] public TimeSpan? RetryAfter { get; init; }
    /// <summary>The <c>structuredContent</c> as JSON, when the tool returned one.</summary>
    [Id(6)] public string? StructuredContentJson { get; init; }
}

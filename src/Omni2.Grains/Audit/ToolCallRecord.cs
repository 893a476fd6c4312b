using System.Collections.Immutable;

namespace Omni2.Grains.Audit;

/// <summary>
/// One row of <c>omni2.tool_call_log</c>: a tool call as the gateway saw it, allowed or refused.
/// It never holds the call's arguments or result, only the arguments' size.
/// </summary>
public sealed record ToolCallRecord
{
    /// <summary>The longest server or tool name kept; a longer one (a caller may send anything) is cut.</summary>
    public const int MaxNameLength = 128;

    public required DateTimeOffset Time { get; init; }
    /// <summary>The caller's <c>sub</c>.</summary>
    public required string User { get; init; }
    public required ImmutableArray<string> Roles { get; init; }
    /// <summary>The server asked for, when the request named one.</summary>
    public string? Server { get; init; }
    public string? Tool { get; init; }
    /// <summary><c>rest</c> or <c>mcp</c>.</summary>
    public required string Route { get; init; }
    /// <summary>How the call ended, as its wire name (<see cref="ToolCallAuditOutcome"/>).</summary>
    public required string Outcome { get; init; }
    public required int HttpStatus { get; init; }
    public required double DurationMs { get; init; }
    /// <summary>The size of the arguments object as UTF-8 JSON; 0 without one.</summary>
    public required int ArgumentBytes { get; init; }
    /// <summary>The W3C trace id of the request, when it had one.</summary>
    public string? TraceId { get; init; }

    /// <summary>A name as the log keeps it: at most <see cref="MaxNameLength"/> characters.</summary>
    public static string? Bounded(string? name) => name is { Length: > MaxNameLength } ? name[..MaxNameLength] : name;
}

/// <summary>A page of the audit, newest first: every filter that is set must match.</summary>
public sealed record ToolCallQuery(string? Server, string? User, string? Tool, string? Outcome, int Limit, DateTimeOffset? Before)
{
    public bool Matches(ToolCallRecord call) =>
        (Server is null || call.Server == Server) && (User is null || call.User == User) && (Tool is null || call.Tool == Tool)
        && (Outcome is null || call.Outcome == Outcome) && (Before is not { } before || call.Time < before);
}

/// <summary>Where the audit of tool calls is kept: <c>omni2.tool_call_log</c>, or memory in the embedded default.</summary>
public interface IToolCallLog
{
    Task WriteAsync(IReadOnlyList<ToolCallRecord> calls, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ToolCallRecord>> ReadAsync(ToolCallQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes the calls made before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}

using System.Collections.Frozen;
using System.Text.Json;
using Omni2.Contracts;

namespace Omni2.Grains.Audit;

/// <summary>How an audited tool call ended, allowed or refused; its wire name is snake_case (<c>rate_limited</c>).</summary>
public enum ToolCallAuditOutcome
{
    /// <summary>The server answered and the tool did not report an error.</summary>
    Completed,
    /// <summary>The server answered with <c>isError</c>.</summary>
    ToolError,
    UnknownServer,
    UnknownTool,
    InvalidArguments,
    /// <summary>The request itself was malformed (its body, a missing field).</summary>
    InvalidRequest,
    /// <summary>The caller's roles do not allow calling tools.</summary>
    Forbidden,
    RateLimited,
    /// <summary>The server is not healthy or is at its concurrency limit.</summary>
    Unavailable,
    Timeout,
    UpstreamFailure,
    Cancelled,
    /// <summary>The tool's definition changed and awaits an admin's approval (tool-definition pinning).</summary>
    AwaitingApproval,
    /// <summary>Omni2 failed (a 5xx of its own).</summary>
    Failed,
}

public static class ToolCallAuditOutcomes
{
    private static readonly FrozenDictionary<ToolCallAuditOutcome, string> Wire =
        Enum.GetValues<ToolCallAuditOutcome>().ToFrozenDictionary(o => o, o => JsonNamingPolicy.SnakeCaseLower.ConvertName(o.ToString()));

    private static readonly FrozenDictionary<string, ToolCallAuditOutcome> ByWire =
        Wire.ToFrozenDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>Every wire name, for the query's validation.</summary>
    public static IEnumerable<string> WireNames => ByWire.Keys.Order(StringComparer.Ordinal);

    public static string ToWire(this ToolCallAuditOutcome outcome) => Wire[outcome];

    public static bool TryParse(string wire, out ToolCallAuditOutcome outcome) => ByWire.TryGetValue(wire, out outcome);

    /// <summary>What a proxied call's result means for the audit.</summary>
    public static ToolCallAuditOutcome Of(ToolCallResult result) => result.Outcome switch
    {
        ToolCallOutcome.Completed => result.IsError ? ToolCallAuditOutcome.ToolError : ToolCallAuditOutcome.Completed,
        ToolCallOutcome.UnknownTool => ToolCallAuditOutcome.UnknownTool,
        ToolCallOutcome.InvalidArguments => ToolCallAuditOutcome.InvalidArguments,
        ToolCallOutcome.Unavailable => ToolCallAuditOutcome.Unavailable,
        ToolCallOutcome.Timeout => ToolCallAuditOutcome.Timeout,
        ToolCallOutcome.Cancelled => ToolCallAuditOutcome.Cancelled,
        ToolCallOutcome.AwaitingApproval => ToolCallAuditOutcome.AwaitingApproval,
        _ => ToolCallAuditOutcome.UpstreamFailure,
    };
}

using System.Runtime.InteropServices;
using System.Text.Json;
using Omni2.Grains.Audit;

namespace Omni2.Host.Audit;

/// <summary>
/// The audit's note on one tool-call request, carried as a request feature: the handler that takes
/// the call says what was called and how it ended; the audit's middleware times the request and
/// records it (<see cref="ToolCallAuditSetup"/>). A request refused before any handler keeps only
/// what the middleware finds out itself.
/// </summary>
public sealed class ToolCallAudit
{
    public string? Server { get; private set; }

    public string? Tool { get; private set; }

    public int ArgumentBytes { get; private set; }

    /// <summary>Whether a handler (or the middleware, for a refused request) has said what was called.</summary>
    public bool Named { get; private set; }

    public ToolCallAuditOutcome? Outcome { get; private set; }

    /// <summary>The audit of the request in <paramref name="context"/>, or null when it is not an audited call.</summary>
    public static ToolCallAudit? Of(HttpContext? context) => context?.Features.Get<ToolCallAudit>();

    /// <summary>What the request calls; <paramref name="arguments"/> are counted, never kept.</summary>
    public void Called(string? server, string? tool, JsonElement? arguments) =>
        Called(server, tool, arguments is { ValueKind: not JsonValueKind.Null } given ? JsonMarshal.GetRawUtf8Value(given).Length : 0);

    public void Called(string? server, string? tool, int argumentBytes)
    {
        Server = ToolCallRecord.Bounded(server);
        Tool = ToolCallRecord.Bounded(tool);
        ArgumentBytes = argumentBytes;
        Named = true;
    }

    public void Ended(ToolCallAuditOutcome outcome) => Outcome = outcome;
}

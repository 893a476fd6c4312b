using ModelContextProtocol.Protocol;

namespace Omni2.Grains.Mcp;

/// <summary>
/// Section <c>Omni2:Upstream</c>: how much one MCP server may send. Over HTTP the byte caps are
/// enforced while the answer is read, so an oversized answer costs at most its cap in memory; a
/// stdio server's lines are read by the SDK, so there they are checked once read. Over a cap the
/// check or call fails with an <see cref="UpstreamLimitExceededException"/> naming the cap.
/// </summary>
public sealed class UpstreamOptions
{
    public const string Section = "Omni2:Upstream";

    private const long MiB = 1024 * 1024;

    /// <summary>Tools one server may list, over all pages of <c>tools/list</c>.</summary>
    public int MaxTools { get; set; } = 1_000;

    /// <summary>Pages of one <c>tools/list</c>: a server that pages forever is stopped here.</summary>
    public int MaxToolListPages { get; set; } = 100;

    /// <summary>One server's whole tool list (every page together), in bytes.</summary>
    public long MaxToolListBytes { get; set; } = 4 * MiB;

    /// <summary>One tool's input schema, in bytes.</summary>
    public long MaxSchemaBytes { get; set; } = 64 * 1024;

    /// <summary>The answer to one tool call, in bytes: a JSON body, or one event of its event stream.</summary>
    public long MaxToolResultBytes { get; set; } = 16 * MiB;

    /// <summary>
    /// Any other message, in bytes: an event (however many lines) of the server's own event stream
    /// (notifications, requests to the client), and the answer to anything but a tool call or a
    /// tool-list page.
    /// </summary>
    public long MaxMessageBytes { get; set; } = 1 * MiB;

    /// <summary>Connects one silo runs at once (see <see cref="ConnectGate"/>): each is a socket or two while it runs.</summary>
    public int MaxConcurrentConnects { get; set; } = 64;

    public bool IsValid() =>
        MaxConcurrentConnects > 0 && MaxTools > 0 && MaxToolListPages > 0 && MaxSchemaBytes > 0 && MaxMessageBytes > 0
        && MaxToolListBytes >= MaxSchemaBytes && MaxToolResultBytes > 0;

    /// <summary>The cap on the answer to a request of <paramref name="method"/> (null: the server's own event stream).</summary>
    internal ByteCap AnswerTo(string? method) => method switch
    {
        RequestMethods.ToolsCall => new ByteCap("tool result", MaxToolResultBytes, nameof(MaxToolResultBytes)),
        RequestMethods.ToolsList => new ByteCap("tool list", MaxToolListBytes, nameof(MaxToolListBytes)),
        _ => new ByteCap("message", MaxMessageBytes, nameof(MaxMessageBytes)),
    };

    /// <summary>
    /// The cap on the largest answer of all: for a request whose method is unknown here, and for
    /// the legacy SSE transport, whose one event stream carries every answer.
    /// </summary>
    internal ByteCap Largest() => new[] { AnswerTo(RequestMethods.ToolsCall), AnswerTo(RequestMethods.ToolsList), AnswerTo(null) }.MaxBy(c => c.Bytes)!;
}

/// <summary>A byte cap, what it bounds and the setting that sets it (both named in its error).</summary>
internal sealed record ByteCap(string What, long Bytes, string Setting)
{
    /// <summary>An answer whose length is known: the error names it.</summary>
    public UpstreamLimitExceededException Exceeded(long actual) =>
        UpstreamLimitExceededException.Over(What, $"{actual} bytes", Bytes, Setting);

    /// <summary>A body or line cut off at the cap while it was read: its full length is never known.</summary>
    public UpstreamLimitExceededException ExceededIn(string unit) =>
        new($"{What} too large: over {Bytes} bytes in one {unit} ({UpstreamOptions.Section}:{Setting})");
}

/// <summary>
/// An upstream sent more than a cap of <see cref="UpstreamOptions"/> allows. Deliberately no
/// <see cref="IOException"/>: the SDK swallows those on event streams (as a network error to
/// retry), and this one must reach the check or call that read too much.
/// </summary>
public sealed class UpstreamLimitExceededException(string message) : Exception(message)
{
    /// <summary>E.g. "tool list too large: 100000 tools &gt; 1000 (Omni2:Upstream:MaxTools)".</summary>
    public static UpstreamLimitExceededException Over(string what, string amount, long cap, string setting) =>
        new($"{what} too large: {amount} > {cap} ({UpstreamOptions.Section}:{setting})");
}

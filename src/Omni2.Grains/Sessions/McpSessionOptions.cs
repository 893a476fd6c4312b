namespace Omni2.Grains.Sessions;

/// <summary>Section <c>Omni2:Mcp</c>: how long an MCP session on <c>/mcp</c> lives without a request.</summary>
public sealed class McpSessionOptions
{
    public const string Section = "Omni2:Mcp";

    /// <summary>
    /// A session ends this long after its last request (the transport's idle timeout), and its
    /// record, which lets another silo continue it, expires this long after the last silo running
    /// it renewed it.
    /// </summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most a session record may hold: what the client said at initialize, trimmed to what continuing needs.</summary>
    public const int MaxRecordBytes = 16 * 1024;
}

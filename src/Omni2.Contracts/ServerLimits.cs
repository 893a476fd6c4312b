namespace Omni2.Contracts;

/// <summary>
/// A server's default timeouts and intervals (also the SQL defaults of <c>omni2.mcp_servers</c>, which a test compares),
/// the largest a server may be registered with, and the Orleans response timeouts that follow from them: a grain request
/// must outlive the longest operation it may run.
/// </summary>
public static class ServerLimits
{
    public const int DefaultHealthCheckIntervalSeconds = 30;
    public const int DefaultCheckTimeoutSeconds = 5;
    public const int DefaultConnectTimeoutSeconds = 10;
    public const int DefaultCallTimeoutSeconds = 60;
    public const int MaxCallTimeoutSeconds = 3600;
    public const int MaxCheckTimeoutSeconds = 600;
    public const int MaxConnectTimeoutSeconds = 600;
    public const int MaxHealthCheckIntervalSeconds = 86400;
    public const int DefaultMaxConcurrentCalls = 32;
    public const int MaxMaxConcurrentCalls = 10_000;
    /// <summary>How many tools a server's <c>tool_roles</c> may name, and how long a tool's name may be (MCP's 128).</summary>
    public const int MaxToolRoles = 1024;
    public const int MaxToolNameLength = 128;

    /// <summary>The longest tool call, plus a minute for queueing and the answer.</summary>
    public const string CallResponseTimeout = "01:01:00";

    /// <summary>
    /// An admin action that reconnects: it may wait behind a check in flight (check timeout), then
    /// connects and lists tools (connect + check timeout), plus a minute.
    /// </summary>
    public const string ConnectResponseTimeout = "00:31:00";
}

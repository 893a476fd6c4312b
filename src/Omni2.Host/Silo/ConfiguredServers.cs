using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Mcp;

namespace Omni2.Host.Silo;

/// <summary>A server given in configuration (<c>Omni2:Servers</c>), for the embedded default without PostgreSQL.</summary>
public sealed class ConfiguredServer
{
    public string Name { get; set; } = "";
    public string Transport { get; set; } = "streamable_http";
    public string? Url { get; set; }
    public string? Command { get; set; }
    public List<string> Args { get; set; } = [];
    public Dictionary<string, string> Env { get; set; } = [];
    public Dictionary<string, string> Headers { get; set; } = [];
    public bool Enabled { get; set; } = true;
    public List<string> AllowedRoles { get; set; } = [];
    public int HealthCheckIntervalSeconds { get; set; } = 30;
    public int CheckTimeoutSeconds { get; set; } = 5;
    public int ConnectTimeoutSeconds { get; set; } = 10;
    public int CallTimeoutSeconds { get; set; } = 60;
    public int MaxConcurrentCalls { get; set; } = ServerLimits.DefaultMaxConcurrentCalls;
    public Dictionary<string, List<string>> ToolRoles { get; set; } = [];

    /// <summary>The server's configuration; throws, so that the host does not start, on an unknown transport or a refused stdio command line.</summary>
    public McpServerConfig ToConfig()
    {
        if (!WireNames.TryParseTransport(Transport, out var transport))
        {
            throw new InvalidOperationException($"Omni2:Servers: server '{Name}' has unknown transport '{Transport}' (streamable_http, sse or stdio).");
        }
        if (transport is McpTransport.Stdio && StdioCommandRules.Check(Command ?? "", Args, Env.Keys) is { Count: > 0 } refusals)
        {
            throw new InvalidOperationException($"Omni2:Servers: server '{Name}': {StdioCommandRules.Describe(refusals)}.");
        }
        return Build(transport);
    }

    private McpServerConfig Build(McpTransport transport) => new()
    {
        Name = Name,
        Transport = transport,
        Url = Url,
        Command = Command,
        Args = [.. Args],
        Env = Env.ToImmutableDictionary(),
        Headers = Headers.ToImmutableDictionary(),
        Enabled = Enabled,
        AllowedRoles = [.. AllowedRoles],
        HealthCheckIntervalSeconds = HealthCheckIntervalSeconds,
        CheckTimeoutSeconds = CheckTimeoutSeconds,
        ConnectTimeoutSeconds = ConnectTimeoutSeconds,
        CallTimeoutSeconds = CallTimeoutSeconds,
        MaxConcurrentCalls = MaxConcurrentCalls,
        ToolRoles = ToolRoles.ToImmutableDictionary(p => p.Key, p => p.Value.ToImmutableArray()),
    };
}

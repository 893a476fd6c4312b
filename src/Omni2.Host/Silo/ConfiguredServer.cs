using System.Collections.Immutable;
using Omni2.Contracts;

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

    public McpServerConfig ToConfig() => new()
    {
        Name = Name,
        Transport = WireNames.TryParseTransport(Transport, out var transport)
            ? transport
            : throw new InvalidOperationException($"Omni2:Servers: server '{Name}' has unknown transport '{Transport}' (streamable_http, sse or stdio)."),
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
    };
}

using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Omni2.Contracts;

/// <summary>How Omni2 talks to an MCP server.</summary>
public enum McpTransport
{
    StreamableHttp,
    Sse,
    Stdio,
}

/// <summary>
/// A registered MCP server as the admin configured it (a row of <c>omni2.mcp_servers</c>).
/// <see cref="Env"/> and <see cref="Headers"/> hold secrets: they are used, never shown or logged.
/// </summary>
[GenerateSerializer, Immutable, Alias("omni2.McpServerConfig")]
public sealed record McpServerConfig
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public McpTransport Transport { get; init; } = McpTransport.StreamableHttp;
    [Id(2)] public string? Url { get; init; }
    [Id(3)] public string? Command { get; init; }
    [Id(4)] public ImmutableArray<string> Args { get; init; } = [];
    [Id(5)] public ImmutableDictionary<string, string> Env { get; init; } = ImmutableDictionary<string, string>.Empty;
    [Id(6)] public ImmutableDictionary<string, string> Headers { get; init; } = ImmutableDictionary<string, string>.Empty;
    [Id(7)] public bool Enabled { get; init; } = true;
    [Id(8)] public ImmutableArray<string> AllowedRoles { get; init; } = [];
    [Id(9)] public int HealthCheckIntervalSeconds { get; init; } = ServerLimits.DefaultHealthCheckIntervalSeconds;
    [Id(10)] public int CheckTimeoutSeconds { get; init; } = ServerLimits.DefaultCheckTimeoutSeconds;
    [Id(11)] public int ConnectTimeoutSeconds { get; init; } = ServerLimits.DefaultConnectTimeoutSeconds;
    [Id(12)] public int CallTimeoutSeconds { get; init; } = ServerLimits.DefaultCallTimeoutSeconds;
    [Id(13)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>How many tool calls may be in flight to the server at once; more are refused with a retry hint.</summary>
    [Id(14)] public int MaxConcurrentCalls { get; init; } = ServerLimits.DefaultMaxConcurrentCalls;
    /// <summary>Per-tool permissions: a tool named here needs, besides the server's <see cref="AllowedRoles"/>, the lowest role its entry names.</summary>
    [Id(15)] public ImmutableDictionary<string, ImmutableArray<string>> ToolRoles { get; init; } = ImmutableDictionary<string, ImmutableArray<string>>.Empty;

    public TimeSpan HealthCheckInterval => TimeSpan.FromSeconds(HealthCheckIntervalSeconds);
    public TimeSpan CheckTimeout => TimeSpan.FromSeconds(CheckTimeoutSeconds);
    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(ConnectTimeoutSeconds);
    public TimeSpan CallTimeout => TimeSpan.FromSeconds(CallTimeoutSeconds);

    /// <summary>
    /// A digest of everything that decides how the server is reached and checked
    /// (secrets included, so a rotated credential reconnects); <see cref="UpdatedAt"/> is left out.
    /// </summary>
    public string Fingerprint()
    {
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            Name, Transport.ToString(), Url, Command, Args.ToArray(),
            Env.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray(),
            Headers.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray(),
            Enabled, AllowedRoles.ToArray(), HealthCheckIntervalSeconds, CheckTimeoutSeconds,
            ConnectTimeoutSeconds, CallTimeoutSeconds, MaxConcurrentCalls,
            ToolRoles.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, p.Value.ToArray())).ToArray(),
        });
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>Whether <paramref name="other"/> reaches the same server the same way (if not, the connection must be renewed).</summary>
    public bool ReachesLike(McpServerConfig other) =>
        Transport == other.Transport && Url == other.Url && Command == other.Command
        && Args.SequenceEqual(other.Args)
        && Env.OrderBy(p => p.Key).SequenceEqual(other.Env.OrderBy(p => p.Key))
        && Headers.OrderBy(p => p.Key).SequenceEqual(other.Headers.OrderBy(p => p.Key))
        && ConnectTimeoutSeconds == other.ConnectTimeoutSeconds;

    /// <summary>What anyone allowed to see the server may know of its configuration.</summary>
    public McpServerInfo ToInfo() => new(Name, Transport, Enabled, AllowedRoles, ToolRoles);

    /// <summary>Never prints secrets: env and header values are replaced by their names, the URL's credentials redacted.</summary>
    public override string ToString()
    {
        var target = Transport == McpTransport.Stdio ? Command : CredentialRedaction.Url(Url);
        return $"{Name} ({Transport} {target}; env: [{string.Join(",", Env.Keys)}]; headers: [{string.Join(",", Headers.Keys)}])";
    }
}

/// <summary>The public part of a server's configuration: no address, no secrets.</summary>
[GenerateSerializer, Immutable, Alias("omni2.McpServerInfo")]
public sealed record McpServerInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] McpTransport Transport,
    [property: Id(2)] bool Enabled,
    [property: Id(3)] ImmutableArray<string> AllowedRoles,
    /// <summary>The server's <see cref="McpServerConfig.ToolRoles"/>; null (none) from a silo of an earlier version.</summary>
    [property: Id(4)] ImmutableDictionary<string, ImmutableArray<string>>? ToolRoles = null)
{
    /// <summary>The same configuration, compared by content (the record's own equality compares its collections by reference).</summary>
    public bool SameAs(McpServerInfo other) =>
        Name == other.Name && Transport == other.Transport && Enabled == other.Enabled
        && AllowedRoles.SequenceEqual(other.AllowedRoles)
        && (ToolRoles ?? ImmutableDictionary<string, ImmutableArray<string>>.Empty) is var mine
        && (other.ToolRoles ?? ImmutableDictionary<string, ImmutableArray<string>>.Empty) is var theirs
        && mine.Count == theirs.Count
        && mine.All(p => theirs.TryGetValue(p.Key, out var roles) && roles.SequenceEqual(p.Value));
}

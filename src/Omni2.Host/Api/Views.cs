using System.Collections.Immutable;
using System.Text.Json;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.Host.Api;

/// <summary>
/// A server in listings: the seed's status fields (snake_case on the wire). <see cref="Silo"/>, an
/// internal address, only for those <see cref="Auth.Roles.MaySeeSilos"/>; <see cref="ToolCount"/> counts
/// the tools the recipient may use.
/// </summary>
public sealed record ServerView(
    string Name,
    string Transport,
    bool Enabled,
    string HealthStatus,
    string CircuitState,
    int ConsecutiveFailures,
    DateTimeOffset? LastCheckAt,
    string? LastError,
    int? RecoveryEta,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastRecoveryAttempt,
    int TotalDowntimeSeconds,
    int ToolCount,
    long Version,
    string? Silo)
{
    public static ServerView From(McpServerInfo server, McpServerStatus status, ImmutableArray<McpToolInfo> tools, DateTimeOffset now, IReadOnlyCollection<string> roles) => new(
        server.Name,
        server.Transport.ToWire(),
        server.Enabled,
        status.Status.ToWire(),
        status.Circuit.ToWire(),
        status.ConsecutiveFailures,
        status.LastCheckAt,
        status.LastError,
        status.NextAttemptAt is { } next ? (int)Math.Ceiling(Math.Max(0, (next - now).TotalSeconds)) : null,
        status.NextAttemptAt,
        status.LastRecoveryAttempt,
        status.TotalDowntimeSeconds,
        server.ToolRoles is { Count: > 0 } ? tools.Count(t => Auth.Roles.MayUse(roles, server, t.Name)) : status.ToolCount,
        status.Version,
        Auth.Roles.MaySeeSilos(roles) ? status.Silo : null);
}

public sealed record ServerListView(IReadOnlyList<ServerView> Servers);

/// <summary>A tool in the capabilities listing; <c>qualified_name</c> is <c>server__tool</c>.</summary>
public sealed record ToolView(string Server, string Name, string QualifiedName, string? Description, JsonElement InputSchema)
{
    public const string Separator = "__";

    /// <summary>A qualified name's server and tool; no server when it does not split (<c>server__tool</c>).</summary>
    public static (string? Server, string Tool) Split(string qualifiedName)
    {
        var separator = qualifiedName.IndexOf(Separator, StringComparison.Ordinal);
        return separator > 0 ? (qualifiedName[..separator], qualifiedName[(separator + Separator.Length)..]) : (null, qualifiedName);
    }

    public static ToolView From(string server, McpToolInfo tool)
    {
        using var schema = JsonDocument.Parse(tool.InputSchemaJson);
        return new ToolView(server, tool.Name, server + Separator + tool.Name, tool.Description, schema.RootElement.Clone());
    }
}

public sealed record ToolListView(IReadOnlyList<ToolView> Tools);

/// <summary>
/// A server as its admin sees it: configuration with secret values redacted (env and header values
/// always, credential-looking parts of the URL and arguments by <see cref="CredentialRedaction"/>), status and tools.
/// </summary>
public sealed record ServerDetailView(
    string Name,
    string Transport,
    string? Url,
    string? Command,
    ImmutableArray<string> Args,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyDictionary<string, string> Headers,
    bool Enabled,
    ImmutableArray<string> AllowedRoles,
    IReadOnlyDictionary<string, ImmutableArray<string>> ToolRoles,
    int HealthCheckIntervalSeconds,
    int CheckTimeoutSeconds,
    int ConnectTimeoutSeconds,
    int CallTimeoutSeconds,
    int MaxConcurrentCalls,
    ServerView Status,
    IReadOnlyList<ToolView> Tools)
{
    private static readonly IReadOnlyCollection<string> AdminRoles = [Auth.Roles.Admin];

    public static ServerDetailView From(McpServerConfig config, McpServerStatus status, ImmutableArray<McpToolInfo> tools, DateTimeOffset now) => new(
        config.Name,
        config.Transport.ToWire(),
        CredentialRedaction.Url(config.Url),
        config.Command,
        CredentialRedaction.Args(config.Args),
        config.Env.ToDictionary(p => p.Key, _ => CredentialRedaction.Redacted),
        config.Headers.ToDictionary(p => p.Key, _ => CredentialRedaction.Redacted),
        config.Enabled,
        config.AllowedRoles,
        config.ToolRoles,
        config.HealthCheckIntervalSeconds,
        config.CheckTimeoutSeconds,
        config.ConnectTimeoutSeconds,
        config.CallTimeoutSeconds,
        config.MaxConcurrentCalls,
        ServerView.From(config.ToInfo(), status, tools, now, AdminRoles),
        [.. tools.Select(t => ToolView.From(config.Name, t))]);
}

public sealed record HealthLogView(long Id, string EventType, string OldStatus, string NewStatus, string? Reason, JsonElement Details, DateTimeOffset CreatedAt)
{
    public static HealthLogView From(HealthLogRecord record)
    {
        using var details = JsonDocument.Parse(record.Entry.DetailsJson);
        return new HealthLogView(record.Id, record.Entry.EventType.ToWire(), record.Entry.OldStatus.ToWire(),
            record.Entry.NewStatus.ToWire(), record.Entry.Reason, details.RootElement.Clone(), record.Entry.CreatedAt);
    }
}

public sealed record HealthLogPageView(IReadOnlyList<HealthLogView> Events, long? NextBefore);

public sealed record ToolCallBody(string? Server, string? Tool, JsonElement? Arguments);

public sealed record ToolCallView(JsonElement Content, JsonElement? StructuredContent, bool IsError, double DurationMs);

/// <summary>What a user may see of a catalog snapshot.</summary>
public static class Visibility
{
    public static IEnumerable<CatalogEntry> VisibleTo(this CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.Servers.Values.Where(e => Auth.Roles.MayUse(roles, e.Server.AllowedRoles));

    /// <summary>The servers a user may see that are healthy: what <c>/mcp</c> and the capabilities offer.</summary>
    public static IEnumerable<CatalogEntry> UsableBy(this CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.VisibleTo(roles).Where(e => e.Status.Status == HealthStatus.Healthy);

    public static CatalogEntry? Find(this CatalogSnapshot snapshot, string name, IReadOnlyCollection<string> roles) =>
        snapshot.Servers.TryGetValue(name, out var entry) && Auth.Roles.MayUse(roles, entry.Server.AllowedRoles) ? entry : null;

    /// <summary>The tools of a server the user may see that the user may also use (its <c>tool_roles</c>).</summary>
    public static IEnumerable<McpToolInfo> VisibleTools(this CatalogEntry entry, IReadOnlyCollection<string> roles) =>
        entry.Tools.Where(t => Auth.Roles.MayUse(roles, entry.Server, t.Name));
}

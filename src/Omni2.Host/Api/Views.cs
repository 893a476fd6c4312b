using System.Collections.Immutable;
using System.Text.Json;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.Host.Api;

public sealed record ServerListView(IReadOnlyList<ServerView> Servers);

/// <summary>A tool in the capabilities listing; <c>qualified_name</c> is <c>server__tool</c>.</summary>
public sealed record ToolView(string Server, string Name, string QualifiedName, string? Description, JsonElement InputSchema)
{
    public static ToolView From(string server, McpToolInfo tool)
    {
        using var schema = JsonDocument.Parse(tool.InputSchemaJson);
        return new ToolView(server, tool.Name, QualifiedNames.Of(server, tool.Name), tool.Description, schema.RootElement.Clone());
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

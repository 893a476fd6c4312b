using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Contracts;
using Omni2.Grains.Audit;
using Omni2.Host.Audit;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.McpGateway;

/// <summary>
/// The fleet as one MCP server: <c>tools/list</c> is the caller's healthy servers' tools from this
/// silo's catalog, named <c>server__tool</c>; <c>tools/call</c> goes through the owning grain with
/// the REST call's semantics (an unhealthy server is a clear tool error with its recovery ETA).
/// </summary>
public static class GatewayTools
{
    public static ValueTask<ListToolsResult> ListAsync(RequestContext<ListToolsRequestParams> context, CancellationToken cancellationToken)
    {
        var roles = Roles.Of(context.User!);
        var snapshot = context.Services!.GetRequiredService<ServerCatalog>().Current;
        context.Services!.GetRequiredService<GatewaySessions>().Shown(context.Server, snapshot, GatewayList.Tools);
        return ValueTask.FromResult(new ListToolsResult { Tools = [.. VisibleTools(snapshot, roles)] });
    }

    /// <summary>What a user with <paramref name="roles"/> sees in <c>tools/list</c>; cached per snapshot and role set.</summary>
    public static IReadOnlyList<Tool> VisibleTools(CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.Rendered("mcp-tools|" + string.Join(',', roles), s => (IReadOnlyList<Tool>)[.. s.UsableBy(roles)
            .SelectMany(e => e.VisibleTools(roles).Select(tool => ToProtocol(e.Server.Name, tool)))]);

    public static async ValueTask<CallToolResult> CallAsync(RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        var request = context.Params ?? throw new McpProtocolException("Missing parameters.", McpErrorCode.InvalidParams);
        var roles = Roles.Of(context.User!);
        var (server, tool) = QualifiedNames.Split(request.Name);
        var catalog = context.Services!.GetRequiredService<ServerCatalog>();
        // The audit's middleware already knows what is called, from the message it read.
        var audit = ToolCallAudit.Of(context.Services!.GetRequiredService<IHttpContextAccessor>().HttpContext);
        if (server is null || catalog.Current.Find(server, roles) is not { } entry)
        {
            audit?.Ended(ToolCallAuditOutcome.UnknownServer);
            throw new McpProtocolException($"Unknown tool '{request.Name}': tools are named server{QualifiedNames.Separator}tool.", McpErrorCode.InvalidParams);
        }
        if (!Roles.MayCallTools(roles))
        {
            audit?.Ended(ToolCallAuditOutcome.Forbidden);
            return Error($"Calling tools needs the {string.Join(" or ", Roles.ToolCallers)} role.");
        }
        var arguments = request.Arguments is { } args ? JsonSerializer.Serialize(args, McpJsonUtilities.DefaultOptions) : null;
        var result = await context.Services!.GetRequiredService<IGrainFactory>()
            .GetGrain<IMcpServerGrain>(entry.Server.Name)
            .CallToolAsync(new ToolCallRequest(tool, arguments, Hidden: !Roles.MayUse(roles, entry.Server, tool)), cancellationToken);
        audit?.Ended(ToolCallAuditOutcomes.Of(result));
        return result.Outcome switch
        {
            ToolCallOutcome.Completed => new CallToolResult
            {
                Content = JsonSerializer.Deserialize<List<ContentBlock>>(result.ContentJson ?? "[]", McpJsonUtilities.DefaultOptions) ?? [],
                StructuredContent = result.StructuredContentJson is { } structured ? JsonDocument.Parse(structured).RootElement.Clone() : null,
                IsError = result.IsError,
            },
            ToolCallOutcome.UnknownTool => throw new McpProtocolException(result.Detail!, McpErrorCode.InvalidParams),
            _ => Error(Describe(result)),
        };
    }

    /// <summary>Why a call or read did not complete, with an unavailable server's next recovery attempt.</summary>
    internal static string Describe(ToolCallResult result) =>
        result.Outcome is ToolCallOutcome.Unavailable && result.RetryAfter is { } eta
            ? $"{result.Detail}; next recovery attempt in {Math.Max(1, Math.Ceiling(eta.TotalSeconds)):0} s"
            : result.Detail!;

    private static Tool ToProtocol(string server, McpToolInfo tool)
    {
        using var schema = JsonDocument.Parse(tool.InputSchemaJson);
        return new Tool
        {
            Name = QualifiedNames.Of(server, tool.Name),
            Description = tool.Description,
            InputSchema = schema.RootElement.Clone(),
        };
    }

    private static CallToolResult Error(string text) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = text }],
    };
}

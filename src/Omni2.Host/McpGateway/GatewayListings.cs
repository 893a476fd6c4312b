using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Contracts;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.McpGateway;

/// <summary>
/// The fleet's prompts and resources as one MCP server's: lists from this silo's catalog (the caller's
/// healthy servers'), prompts named <c>server__prompt</c> like tools, resources and templates by
/// <see cref="ResourceUris"/>; <c>prompts/get</c> and <c>resources/read</c> go through the owning grain,
/// answered like a tool call (an unknown name, or one on a server the caller may not see, is the
/// protocol's error for it; an unhealthy server an error with its recovery ETA).
/// </summary>
public static class GatewayListings
{
    public static ValueTask<ListPromptsResult> ListPromptsAsync(RequestContext<ListPromptsRequestParams> context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListPromptsResult { Prompts = [.. Prompts(Shown(context, GatewayList.Prompts), Roles.Of(context.User!))] });

    public static ValueTask<ListResourcesResult> ListResourcesAsync(RequestContext<ListResourcesRequestParams> context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListResourcesResult { Resources = [.. Resources(Shown(context, GatewayList.Resources), Roles.Of(context.User!))] });

    public static ValueTask<ListResourceTemplatesResult> ListResourceTemplatesAsync(RequestContext<ListResourceTemplatesRequestParams> context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListResourceTemplatesResult { ResourceTemplates = [.. ResourceTemplates(Shown(context, GatewayList.Resources), Roles.Of(context.User!))] });

    /// <summary>What <paramref name="roles"/> see in <c>prompts/list</c>; cached per snapshot and role set.</summary>
    public static IReadOnlyList<Prompt> Prompts(CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.Rendered("mcp-prompts|" + string.Join(',', roles), s => (IReadOnlyList<Prompt>)[.. s.UsableBy(roles).SelectMany(e =>
            e.Listings.Prompts.Select(item => Renamed(Parsed<Prompt>(item), e.Server.Name)))]);

    /// <summary>What <paramref name="roles"/> see in <c>resources/list</c>; cached per snapshot and role set.</summary>
    public static IReadOnlyList<Resource> Resources(CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.Rendered("mcp-resources|" + string.Join(',', roles), s => (IReadOnlyList<Resource>)[.. s.UsableBy(roles).SelectMany(e =>
            e.Listings.Resources.Select(item => Rewrapped(Parsed<Resource>(item), e.Server.Name)))]);

    /// <summary>What <paramref name="roles"/> see in <c>resources/templates/list</c>; cached per snapshot and role set.</summary>
    public static IReadOnlyList<ResourceTemplate> ResourceTemplates(CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.Rendered("mcp-templates|" + string.Join(',', roles), s => (IReadOnlyList<ResourceTemplate>)[.. s.UsableBy(roles).SelectMany(e =>
            e.Listings.ResourceTemplates.Select(item => Rewrapped(Parsed<ResourceTemplate>(item), e.Server.Name)))]);

    public static async ValueTask<GetPromptResult> GetPromptAsync(RequestContext<GetPromptRequestParams> context, CancellationToken cancellationToken)
    {
        var request = context.Params ?? throw new McpProtocolException("Missing parameters.", McpErrorCode.InvalidParams);
        var (server, prompt) = QualifiedNames.Split(request.Name);
        if (Owner(context, server) is not { } owner)
        {
            throw new McpProtocolException($"Unknown prompt '{request.Name}': prompts are named server{QualifiedNames.Separator}prompt.", McpErrorCode.InvalidParams);
        }
        var arguments = request.Arguments is { } given ? JsonSerializer.Serialize(given, McpJsonUtilities.DefaultOptions) : null;
        var result = await owner.ReadAsync(new McpReadRequest(McpReadKind.Prompt, prompt, arguments), cancellationToken);
        return JsonSerializer.Deserialize<GetPromptResult>(Completed(result, McpErrorCode.InvalidParams), McpJsonUtilities.DefaultOptions)!;
    }

    public static async ValueTask<ReadResourceResult> ReadResourceAsync(RequestContext<ReadResourceRequestParams> context, CancellationToken cancellationToken)
    {
        var request = context.Params ?? throw new McpProtocolException("Missing parameters.", McpErrorCode.InvalidParams);
        if (!ResourceUris.TryUnwrap(request.Uri, out var server, out var original) || Owner(context, server) is not { } owner)
        {
            throw new McpProtocolException($"Unknown resource '{request.Uri}': resources are named {ResourceUris.Scheme}://server/uri.", McpErrorCode.ResourceNotFound);
        }
        var result = await owner.ReadAsync(new McpReadRequest(McpReadKind.Resource, original), cancellationToken);
        var read = JsonNode.Parse(Completed(result, McpErrorCode.ResourceNotFound))!;
        foreach (var content in read["contents"]?.AsArray() ?? [])
        {
            if (content?["uri"]?.GetValue<string>() is { } uri)
            {
                content["uri"] = ResourceUris.Wrap(server, uri);
            }
        }
        return read.Deserialize<ReadResourceResult>(McpJsonUtilities.DefaultOptions)!;
    }

    /// <summary>The catalog the request is answered from, noted as what its session was shown of <paramref name="list"/>.</summary>
    private static CatalogSnapshot Shown<T>(RequestContext<T> context, GatewayList list)
    {
        var snapshot = context.Services!.GetRequiredService<ServerCatalog>().Current;
        context.Services!.GetRequiredService<GatewaySessions>().Shown(context.Server, snapshot, list);
        return snapshot;
    }

    private static IMcpServerGrain? Owner<T>(RequestContext<T> context, string? server) =>
        server is not null && context.Services!.GetRequiredService<ServerCatalog>().Current.Find(server, Roles.Of(context.User!)) is { } entry
            ? context.Services!.GetRequiredService<IGrainFactory>().GetGrain<IMcpServerGrain>(entry.Server.Name)
            : null;

    /// <summary>A completed read's result, or the protocol error for how it ended.</summary>
    private static string Completed(ToolCallResult result, McpErrorCode unknown) => result.Outcome switch
    {
        ToolCallOutcome.Completed => result.ContentJson!,
        ToolCallOutcome.UnknownTool => throw new McpProtocolException(result.Detail!, unknown),
        ToolCallOutcome.InvalidArguments => throw new McpProtocolException(result.Detail!, McpErrorCode.InvalidParams),
        _ => throw new McpProtocolException(GatewayTools.Describe(result), McpErrorCode.InternalError),
    };

    private static T Parsed<T>(McpListedItem item) => JsonSerializer.Deserialize<T>(item.Json, McpJsonUtilities.DefaultOptions)!;

    private static Prompt Renamed(Prompt prompt, string server)
    {
        prompt.Name = QualifiedNames.Of(server, prompt.Name);
        return prompt;
    }

    private static Resource Rewrapped(Resource resource, string server)
    {
        resource.Uri = ResourceUris.Wrap(server, resource.Uri);
        return resource;
    }

    private static ResourceTemplate Rewrapped(ResourceTemplate template, string server)
    {
        template.UriTemplate = ResourceUris.WrapTemplate(server, template.UriTemplate);
        return template;
    }
}

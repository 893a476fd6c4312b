using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;
using Omni2.Host.Registration;

namespace Omni2.Host.Api;

/// <summary>
/// Resource reads and prompt gets for the dashboard's backend: each goes to the grain that owns its
/// server and is answered as a tool call is (the same admission, timeout, passive health and problems),
/// named by the server and its own URI or prompt name. Reading needs the read policy, as listing does.
/// The lists come from this silo's catalog, as the tools' do.
/// </summary>
public static class ReadsApi
{
    public static IEndpointRouteBuilder MapReadsApi(this IEndpointRouteBuilder app)
    {
        var reads = app.MapGroup("/api/v1/mcp").WithTags("Resources and prompts").RequireAuthorization(Policies.Read);

        reads.MapGet("/prompts", (HttpContext context, ServerCatalog catalog, string? server) =>
                ToolsApi.Listing(context, catalog, server, "prompts", (healthy, _) => new PromptListView([.. healthy.SelectMany(e => Listed(e, e.Listings.Prompts))])))
            .Produces<PromptListView>()
            .WithName("ListPrompts").WithSummary("Prompts of the healthy servers the caller may see, by their servers' own names; ?server= narrows to one.");
        reads.MapGet("/resources", (HttpContext context, ServerCatalog catalog, string? server) =>
                ToolsApi.Listing(context, catalog, server, "resources", (healthy, _) => new ResourceListView(
                    [.. healthy.SelectMany(e => Listed(e, e.Listings.Resources))], [.. healthy.SelectMany(e => Listed(e, e.Listings.ResourceTemplates))])))
            .Produces<ResourceListView>()
            .WithName("ListResources").WithSummary("Resources and resource templates of the healthy servers the caller may see, by their servers' own URIs; ?server= narrows to one.");
        reads.MapPost("/resources/read", ReadResourceAsync)
            .WithName("ReadResource").WithSummary("Reads a resource (by the server's own URI) through the grain that owns its server.");
        reads.MapPost("/prompts/get", GetPromptAsync)
            .WithName("GetPrompt").WithSummary("Gets a prompt with its arguments (strings) through the grain that owns its server.");
        return app;
    }

    private static async Task<Results<Ok<ResourceReadView>, BodyProblem, BadRequestProblem, NotFoundProblem, UpstreamProblem>> ReadResourceAsync(HttpContext context, ServerCatalog catalog, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<ResourceReadBody>(context);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        Require(body!.Server, "server", errors);
        Require(body.Uri, "uri", errors);
        return await ThroughOwnerAsync(context, catalog, grains, body.Server, errors, () => new McpReadRequest(McpReadKind.Resource, body.Uri!), (json, ms) =>
            new ResourceReadView(json.GetProperty("contents").Clone(), ms));
    }

    private static async Task<Results<Ok<PromptMessagesView>, BodyProblem, BadRequestProblem, NotFoundProblem, UpstreamProblem>> GetPromptAsync(HttpContext context, ServerCatalog catalog, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<PromptGetBody>(context);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        Require(body!.Server, "server", errors);
        Require(body.Prompt, "prompt", errors);
        ToolsApi.CheckArguments(body.Arguments, errors);
        return await ThroughOwnerAsync(context, catalog, grains, body.Server, errors,
            () => new McpReadRequest(McpReadKind.Prompt, body.Prompt!, body.Arguments?.GetRawText()), (json, ms) => new PromptMessagesView(
                json.TryGetProperty("description", out var d) && d.ValueKind is JsonValueKind.String ? d.GetString() : null,
                json.GetProperty("messages").Clone(), ms));
    }

    /// <summary>
    /// A 400 naming the invalid fields, a 404 for a server the caller may not see (as for an unknown one),
    /// or the read through the server's grain, answered as a tool call is: <paramref name="view"/> of its result and duration.
    /// </summary>
    private static async Task<Results<Ok<TView>, BodyProblem, BadRequestProblem, NotFoundProblem, UpstreamProblem>> ThroughOwnerAsync<TView>(
        HttpContext context, ServerCatalog catalog, IGrainFactory grains, string? server, Dictionary<string, string[]> errors,
        Func<McpReadRequest> request, Func<JsonElement, double, TView> view)
    {
        if (errors.Count > 0)
        {
            return Problems.BadRequest(ServerRegistrationValidator.Summary(errors), errors);
        }
        if (catalog.Current.Find(server!, Roles.Of(context.User)) is not { } entry)
        {
            return Problems.NotFound($"There is no MCP server '{server}'.");
        }
        var result = await grains.GetGrain<IMcpServerGrain>(entry.Server.Name).ReadAsync(request(), context.RequestAborted);
        if (UpstreamProblem.Of(context, result) is { } failed)
        {
            return failed;
        }
        using var json = JsonDocument.Parse(result.ContentJson!);
        return TypedResults.Ok(view(json.RootElement, Math.Round(result.DurationMs, 3)));
    }

    private static IEnumerable<ListedView> Listed(CatalogEntry entry, IEnumerable<McpListedItem> items) =>
        items.Select(item => new ListedView(entry.Server.Name, ToolsApi.Parse(item.Json)));

    private static void Require(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = ["is required"];
        }
    }
}

public sealed record ResourceReadBody(string? Server, string? Uri);

public sealed record PromptGetBody(string? Server, string? Prompt, JsonElement? Arguments);

/// <summary>A resource's contents, each as MCP spells it (<c>uri</c>, <c>mimeType</c>, <c>text</c> or <c>blob</c>).</summary>
public sealed record ResourceReadView(JsonElement Contents, double DurationMs);

/// <summary>A prompt, resource or resource template of <see cref="Server"/>, its <see cref="Definition"/> as MCP spells it and as the server named it.</summary>
public sealed record ListedView(string Server, JsonElement Definition);

public sealed record PromptListView(IReadOnlyList<ListedView> Prompts);

public sealed record ResourceListView(IReadOnlyList<ListedView> Resources, IReadOnlyList<ListedView> ResourceTemplates);

/// <summary>A prompt's messages, each as MCP spells it (<c>role</c>, <c>content</c>).</summary>
public sealed record PromptMessagesView(string? Description, JsonElement Messages, double DurationMs);

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Audit;
using Omni2.Grains.Persistence;
using Omni2.Host.Audit;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;
using Omni2.Host.Registration;

namespace Omni2.Host.Api;

/// <summary>
/// The read and call endpoints. Reads come from this silo's catalog only (no MCP server,
/// no grain fan-out); a call goes to the one grain that owns the server.
/// </summary>
public static class ToolsApi
{
    public const string CallPath = "/api/v1/mcp/tools/call";

    public static IEndpointRouteBuilder MapToolsApi(this IEndpointRouteBuilder app)
    {
        var tools = app.MapGroup("/api/v1/mcp").WithTags("Tools");

        tools.MapGet("/tools/servers", (HttpContext context, ServerCatalog catalog, TimeProvider time) =>
                ServerList(context, catalog, time))
            .RequireAuthorization(Policies.Read)
            .Produces(StatusCodes.Status304NotModified)
            .WithName("ListServers").WithSummary("Every server the caller may see, with its status.");

        tools.MapGet("/status", (HttpContext context, ServerCatalog catalog, TimeProvider time) =>
                ServerList(context, catalog, time))
            .RequireAuthorization(Policies.Read)
            .Produces(StatusCodes.Status304NotModified)
            .WithName("GetStatus").WithSummary("The polling fallback: the full status snapshot, with an ETag (If-None-Match gives 304).");

        tools.MapGet("/tools/capabilities", (HttpContext context, ServerCatalog catalog, string? server) =>
                Capabilities(context, catalog, server))
            .RequireAuthorization(Policies.Read)
            .Produces<ToolListView>()
            .WithName("ListCapabilities").WithSummary("Tools of the healthy servers the caller may use; ?server= narrows to one.");

        app.MapPost(CallPath, CallAsync).WithTags("Tools")
            .RequireAuthorization(Policies.CallTools)
            .WithName("CallTool").WithSummary("Calls a tool through the grain that owns its server.");
        return app;
    }

    /// <summary>The caller's servers; the ETag covers their versions, so it changes exactly when a status does.</summary>
    private static Results<Ok<ServerListView>, StatusCodeHttpResult> ServerList(HttpContext context, ServerCatalog catalog, TimeProvider time)
    {
        var roles = Roles.Of(context.User);
        var snapshot = catalog.Current;
        var etag = snapshot.Rendered("etag|" + string.Join(',', roles), s => ETagOf(s.VisibleTo(roles)));
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch.Contains(etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        var now = time.GetUtcNow();
        return TypedResults.Ok(new ServerListView([.. snapshot.VisibleTo(roles).Select(e => ServerView.From(e.Server, e.Status, e.Tools, now, roles))]));
    }

    private static Results<FileContentHttpResult, NotFoundProblem> Capabilities(HttpContext context, ServerCatalog catalog, string? server) =>
        Listing(context, catalog, server, "capabilities", (healthy, roles) =>
            new ToolListView([.. healthy.SelectMany(e => e.VisibleTools(roles).Select(t => ToolView.From(e.Server.Name, t)))]));

    /// <summary>
    /// A listing of the healthy servers the caller may see (<c>?server=</c> narrows to one, 404 for one it
    /// may not see), rendered once per snapshot, role set and filter: a read is a lookup and a copy. Its endpoint
    /// names <typeparamref name="T"/> in its metadata (<c>Produces</c>), since the bytes do not.
    /// </summary>
    internal static Results<FileContentHttpResult, NotFoundProblem> Listing<T>(
        HttpContext context, ServerCatalog catalog, string? server, string what, Func<IEnumerable<CatalogEntry>, IReadOnlyCollection<string>, T> view)
    {
        var roles = Roles.Of(context.User);
        var snapshot = catalog.Current;
        if (server is not null && snapshot.Find(server, roles) is null)
        {
            return Problems.NotFound($"There is no MCP server '{server}'.");
        }
        var json = snapshot.Rendered($"{what}|{string.Join(',', roles)}|{server}", s => JsonSerializer.SerializeToUtf8Bytes(
            view(s.UsableBy(roles, server), roles),
            context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions));
        return TypedResults.Bytes(json, "application/json");
    }

    private static async Task<Results<Ok<ToolCallView>, BodyProblem, BadRequestProblem, NotFoundProblem, UpstreamProblem>> CallAsync(HttpContext context, ServerCatalog catalog, IGrainFactory grains)
    {
        var (body, problem) = await JsonBody.ReadAsync<ToolCallBody>(context);
        var audit = ToolCallAudit.Of(context);
        audit?.Called(body?.Server, body?.Tool, body?.Arguments);
        if (problem is not null)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body!.Server))
        {
            errors["server"] = ["is required"];
        }
        if (string.IsNullOrWhiteSpace(body.Tool))
        {
            errors["tool"] = ["is required"];
        }
        CheckArguments(body.Arguments, errors);
        if (errors.Count > 0)
        {
            return Problems.BadRequest(ServerRegistrationValidator.Summary(errors), errors);
        }

        var roles = Roles.Of(context.User);
        if (catalog.Current.Find(body.Server!, roles) is not { } entry)
        {
            audit?.Ended(ToolCallAuditOutcome.UnknownServer);
            return Problems.NotFound($"There is no MCP server '{body.Server}'.");
        }
        var result = await grains.GetGrain<IMcpServerGrain>(entry.Server.Name).CallToolAsync(
            new ToolCallRequest(body.Tool!, body.Arguments?.GetRawText(), Hidden: !Roles.MayUse(roles, entry.Server, body.Tool!)), context.RequestAborted);
        audit?.Ended(ToolCallAuditOutcomes.Of(result));
        if (UpstreamProblem.Of(context, result) is { } failed)
        {
            return failed;
        }
        return TypedResults.Ok(new ToolCallView(
            Parse(result.ContentJson ?? "[]"),
            result.StructuredContentJson is { } structured ? Parse(structured) : null,
            result.IsError,
            Math.Round(result.DurationMs, 3)));
    }

    /// <summary>A request's <c>arguments</c>, when given, are a JSON object (or null).</summary>
    internal static void CheckArguments(JsonElement? arguments, Dictionary<string, string[]> errors)
    {
        if (arguments is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Null) } given)
        {
            errors["arguments"] = [$"must be a JSON object, not {given.ValueKind.ToString().ToLowerInvariant()}"];
        }
    }

    internal static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string ETagOf(IEnumerable<CatalogEntry> entries)
    {
        var text = new StringBuilder();
        foreach (var entry in entries)
        {
            text.Append(entry.Server.Name).Append(':').Append(entry.Status.Version).Append(':').Append(entry.Status.LastCheckAt?.UtcTicks).Append(':')
                .Append(entry.Server.Enabled).Append(':').Append(entry.Server.Transport).Append(';');
        }
        return $"\"{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32]}\"";
    }
}

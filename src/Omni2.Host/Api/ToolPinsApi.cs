using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Grains.Mcp;
using Omni2.Grains.Persistence;
using Omni2.Host.Auth;
using Omni2.Host.Http;
using Omni2.Host.Registration;

namespace Omni2.Host.Api;

/// <summary>
/// Tool-definition pinning for admins: a server's tools with their pins, and the approval of changed
/// definitions. Both go to the server's grain, the one place that decides.
/// </summary>
public static class ToolPinsApi
{
    public static IEndpointRouteBuilder MapToolPinsApi(this IEndpointRouteBuilder app)
    {
        var servers = app.MapGroup("/api/v1/mcp/servers").WithTags("Admin").RequireAuthorization(Policies.Administer);
        servers.MapGet("/{name}/tools", GetAsync).WithName("GetToolPins")
            .WithSummary("Each tool the server presents, approved or pending; a pending one with both definitions.");
        servers.MapPost("/{name}/tools/approve", ApproveAsync).WithName("ApproveTools")
            .WithSummary("Approves the pending definitions of the named tools, all or none (409 when one is not pending).");
        return app;
    }

    private static async Task<Results<Ok<ToolPinsView>, UnknownServerProblem>> GetAsync(string name, IServerConfigSource configs, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (await MissingAsync(name, configs, cancellationToken) is { } missing)
        {
            return missing;
        }
        return TypedResults.Ok(ToolPinsView.From(name, await grains.GetGrain<IMcpServerGrain>(name).GetToolPinsAsync()));
    }

    private static async Task<Results<Ok<ToolPinsView>, UnknownServerProblem, BodyProblem, BadRequestProblem, ConflictProblem>> ApproveAsync(
        string name, HttpContext context, IServerConfigSource configs, IGrainFactory grains, IOptions<UpstreamOptions> upstream)
    {
        if (await MissingAsync(name, configs, context.RequestAborted) is { } missing)
        {
            return missing;
        }
        var (body, problem) = await JsonBody.ReadAsync<ToolApprovalBody>(context);
        if (problem is not null)
        {
            return problem;
        }
        if (Validate(body!, upstream.Value.MaxTools) is { Count: > 0 } errors)
        {
            return Problems.BadRequest(ServerRegistrationValidator.Summary(errors), errors);
        }
        var approval = await grains.GetGrain<IMcpServerGrain>(name)
            .ApproveToolsAsync([.. body!.Tools!.Select(t => t!)], AuthSetup.UserOf(context.User) ?? "admin");
        if (approval.NotPending.Length > 0)
        {
            return Problems.Conflict(
                $"Not pending approval on MCP server '{name}': {string.Join(", ", approval.NotPending.Select(t => $"'{Cut(t)}'"))}; nothing was approved.");
        }
        return TypedResults.Ok(ToolPinsView.From(name, approval.Pins));
    }

    private static Dictionary<string, string[]> Validate(ToolApprovalBody body, int maxTools)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Tools is not { Count: > 0 } tools)
        {
            errors["tools"] = ["is required: a non-empty array of tool names"];
            return errors;
        }
        if (tools.Count > maxTools)
        {
            errors["tools"] = [$"names {tools.Count} tools, more than a server may have ({maxTools})"];
        }
        for (var i = 0; i < tools.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(tools[i]))
            {
                errors[$"tools[{i}]"] = ["must be a tool name"];
            }
        }
        return errors;
    }

    private static async Task<UnknownServerProblem?> MissingAsync(string name, IServerConfigSource configs, CancellationToken cancellationToken) =>
        ServerRegistrationValidator.IsValidName(name) && await configs.LoadAsync(name, cancellationToken) is not null ? null : UnknownServerProblem.Named(name);

    private static string Cut(string text) => text.Length > 80 ? text[..80] + "..." : text;
}

public sealed record ToolApprovalBody(List<string?>? Tools);

/// <summary>A server's tools with their pins: <c>{"server", "pinning", "tools": [{"name", "state", "changed_at", "approved", "presented"}]}</c>.</summary>
public sealed record ToolPinsView(string Server, string Pinning, IReadOnlyList<ToolPinEntryView> Tools)
{
    public static ToolPinsView From(string server, ToolPinsSnapshot pins) => new(
        server,
        pins.Mode.ToString().ToLowerInvariant(),
        [.. pins.Tools.Select(t => new ToolPinEntryView(
            t.Tool,
            t.State.ToString().ToLowerInvariant(),
            t.ChangedAt,
            t.ApprovedDefinition is { } approved ? ToolsApi.Parse(approved) : null,
            t.PresentedDefinition is { } presented ? ToolsApi.Parse(presented) : null))]);
}

/// <summary>
/// One tool's pin: <c>approved</c> is the definition approved (or trusted on first use), <c>presented</c>
/// the one the server presents instead while <c>state</c> is <c>pending</c> (or, with pinning off, the only one).
/// </summary>
public sealed record ToolPinEntryView(string Name, string State, DateTimeOffset? ChangedAt, JsonElement? Approved, JsonElement? Presented);

using Microsoft.AspNetCore.Http.HttpResults;
using Omni2.Grains.Audit;
using Omni2.Host.Auth;
using Omni2.Host.Http;
using Omni2.Host.Registration;

namespace Omni2.Host.Api;

/// <summary>The audit of tool calls (admins only): who called what, when, and how it went.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/mcp/audit/tool-calls", ReadAsync)
            .WithTags("Admin").RequireAuthorization(Policies.Administer)
            .WithName("ListToolCalls")
            .WithSummary("Audited tool calls, newest first; ?server=, ?user=, ?tool=, ?outcome= filter, ?limit= and ?before= (a time) page.");
        return app;
    }

    private static async Task<Results<Ok<AuditedCallListView>, BadRequestProblem>> ReadAsync(
        string? server, string? user, string? tool, string? outcome, int? limit, string? before, IToolCallLog log, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (Paging.LimitProblem(limit) is not null)
        {
            errors["limit"] = [$"must be between 1 and {Paging.MaxLimit}"];
        }
        foreach (var (field, value) in new[] { ("server", server), ("user", user), ("tool", tool) })
        {
            if (value is { Length: > ToolCallRecord.MaxNameLength })
            {
                errors[field] = [$"must be at most {ToolCallRecord.MaxNameLength} characters"];
            }
        }
        if (Given(outcome) is { } wanted && !ToolCallAuditOutcomes.TryParse(wanted, out _))
        {
            errors["outcome"] = [$"must be one of {string.Join(", ", ToolCallAuditOutcomes.WireNames)}"];
        }
        DateTimeOffset? until = null;
        if (Given(before) is { } time)
        {
            if (Paging.TryParseTime(time, out var parsed))
            {
                until = parsed;
            }
            else
            {
                errors["before"] = [Paging.TimeRule];
            }
        }
        if (errors.Count > 0)
        {
            return Problems.BadRequest(ServerRegistrationValidator.Summary(errors), errors);
        }
        var calls = await log.ReadAsync(
            new ToolCallQuery(Given(server), Given(user), Given(tool), Given(outcome), limit ?? Paging.DefaultLimit, until), cancellationToken);
        return TypedResults.Ok(new AuditedCallListView([.. calls.Select(AuditedCallView.From)]));
    }

    /// <summary>An empty query value (<c>?server=</c>) filters nothing.</summary>
    private static string? Given(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>An audited tool call (snake_case on the wire).</summary>
public sealed record AuditedCallView(
    DateTimeOffset Time, string User, IReadOnlyList<string> Roles, string? Server, string? Tool, string Route, string Outcome,
    int HttpStatus, double DurationMs, int ArgumentBytes, string? TraceId)
{
    public static AuditedCallView From(ToolCallRecord call) => new(
        call.Time, call.User, call.Roles, call.Server, call.Tool, call.Route, call.Outcome,
        call.HttpStatus, Math.Round(call.DurationMs, 3), call.ArgumentBytes, call.TraceId);
}

public sealed record AuditedCallListView(IReadOnlyList<AuditedCallView> Calls);

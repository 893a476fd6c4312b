using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Omni2.Grains.Persistence;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;

namespace Omni2.Host.Api;

/// <summary>
/// A server's health log, for everyone who may see the server (the dashboard draws its status
/// history from it): newest first, a bounded page at a time, back to a time at most the log's retention ago.
/// </summary>
public static class HealthLogApi
{
    public static IEndpointRouteBuilder MapHealthLogApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/mcp/servers/{name}/health-log", ReadAsync)
            .WithTags("Servers").RequireAuthorization(Policies.Read)
            .WithName("GetHealthLog")
            .WithSummary("The server's transitions, newest first; ?limit= and ?before= (an event id) page, ?since= (a time) bounds.");
        return app;
    }

    private static async Task<Results<Ok<HealthLogPageView>, BadRequestProblem, NotFoundProblem>> ReadAsync(
        string name, int? limit, long? before, string? since, HttpContext context, ServerCatalog catalog, IHealthLogReader log,
        IOptions<HealthLogOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Paging.LimitProblem(limit) is { } badLimit)
        {
            return badLimit;
        }
        if (before is < 1)
        {
            return Problems.BadRequest("before must be a positive event id.");
        }
        DateTimeOffset? from = null;
        if (!string.IsNullOrEmpty(since))
        {
            if (!Paging.TryParseTime(since, out var parsed))
            {
                return Problems.BadRequest($"since {Paging.TimeRule}.");
            }
            var now = time.GetUtcNow();
            if (parsed > now)
            {
                return Problems.BadRequest("since must not be in the future.");
            }
            if (now - parsed > options.Value.Retention) // never now - Retention: a configured retention may exceed the calendar
            {
                return Problems.BadRequest($"since must be within the health log's retention ({options.Value.Retention.TotalDays:0.##} days).");
            }
            from = parsed;
        }
        // The catalog's rule, as for every other read: a server the caller may not see does not exist for them.
        if (catalog.Current.Find(name, Roles.Of(context.User)) is null)
        {
            return Problems.NotFound($"There is no MCP server '{name}'.");
        }
        var page = limit ?? Paging.DefaultLimit;
        var records = await log.ReadAsync(name, page, before, from, cancellationToken);
        return TypedResults.Ok(new HealthLogPageView(
            [.. records.Select(HealthLogView.From)],
            records.Count == page ? records[^1].Id : null));
    }
}

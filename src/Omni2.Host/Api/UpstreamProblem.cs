using Microsoft.AspNetCore.Http.HttpResults;
using Omni2.Contracts;
using Omni2.Host.Http;

namespace Omni2.Host.Api;

/// <summary>
/// Why a call or read through a server's grain did not complete, as a problem: the server has no such tool
/// or item (404), its arguments are wrong (400), its definition awaits approval (409), the server is
/// unavailable (503 with <c>Retry-After</c>), too slow (504), failed (502), or the caller went away (499).
/// </summary>
public sealed class UpstreamProblem(ProblemHttpResult problem) : ProblemKind<UpstreamProblem>(problem), IProblemStatuses
{
    /// <summary>The problem for <paramref name="result"/>, or null when it completed.</summary>
    public static UpstreamProblem? Of(HttpContext context, ToolCallResult result) => result.Outcome switch
    {
        ToolCallOutcome.Completed => null,
        ToolCallOutcome.UnknownTool => new(Problems.NotFound(result.Detail!).Problem),
        ToolCallOutcome.InvalidArguments => new(Problems.BadRequest(result.Detail!).Problem),
        ToolCallOutcome.AwaitingApproval => new(Problems.Conflict(result.Detail!).Problem),
        ToolCallOutcome.Unavailable => Unavailable(context, result),
        ToolCallOutcome.Timeout => new(Problems.Status(StatusCodes.Status504GatewayTimeout, "Upstream timeout", result.Detail!)),
        ToolCallOutcome.Cancelled => new(Problems.Status(StatusCodes.Status499ClientClosedRequest, "Cancelled", result.Detail!)),
        _ => new(Problems.Status(StatusCodes.Status502BadGateway, "Upstream failure", result.Detail!)),
    };

    public static IReadOnlyList<int> Statuses { get; } =
    [
        StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status499ClientClosedRequest,
        StatusCodes.Status502BadGateway, StatusCodes.Status503ServiceUnavailable, StatusCodes.Status504GatewayTimeout,
    ];

    private static UpstreamProblem Unavailable(HttpContext context, ToolCallResult result)
    {
        var retryAfter = result.RetryAfter is { } eta ? Math.Max(1, (int)Math.Ceiling(eta.TotalSeconds)) : 30;
        context.Response.Headers.RetryAfter = retryAfter.ToString();
        return new(Problems.Status(StatusCodes.Status503ServiceUnavailable, "MCP server unavailable", $"{result.Detail}; retry in {retryAfter} s"));
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Options;
using Omni2.Grains.Audit;
using Omni2.Host.Api;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;
using Omni2.Host.McpGateway;

namespace Omni2.Host.Audit;

/// <summary>
/// The audit of every tool call a user makes, REST (<c>POST /api/v1/mcp/tools/call</c>) and
/// <c>/mcp</c> (<c>tools/call</c>), allowed or refused: one <see cref="ToolCallRecord"/> per call,
/// queued for <see cref="ToolCallAuditQueue"/> once the response is done. Requests without a user
/// (refused by authentication) are nobody's calls and are not recorded.
/// </summary>
public static class ToolCallAuditSetup
{
    public const string RestRoute = "rest";
    public const string McpRoute = "mcp";

    public static WebApplicationBuilder AddOmni2ToolCallAudit(this WebApplicationBuilder builder)
    {
        // The /mcp handler notes its outcome on its request: the SDK runs it in the request's execution context.
        builder.Services.AddHttpContextAccessor();
        return builder;
    }

    /// <summary>Runs after authentication (the caller is known), before authorization and the rate limits, whose refusals it records.</summary>
    public static WebApplication UseOmni2ToolCallAudit(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<AuditOptions>>().Value.Enabled)
        {
            return app;
        }
        var queue = app.Services.GetRequiredService<ToolCallAuditQueue>();
        var clock = app.Services.GetRequiredService<TimeProvider>();
        app.Use(async (context, next) =>
        {
            if (RouteOf(context.Request) is not { } route || AuthSetup.UserOf(context.User) is not { Length: > 0 } user)
            {
                await next(context);
                return;
            }
            var time = clock.GetUtcNow();
            var started = Stopwatch.GetTimestamp();
            var audit = new ToolCallAudit();
            if (route == McpRoute)
            {
                var message = await PostedMessage.ReadAsync(context);
                if (!message.IsToolCall)
                {
                    await next(context);
                    return;
                }
                var (server, tool) = message.ToolName is { } name ? QualifiedNames.Split(name) : (null, null);
                audit.Called(server, tool, message.ArgumentBytes);
            }
            else
            {
                // A call refused before its endpoint read the body is named from the body afterwards.
                context.Request.EnableBuffering();
            }
            context.Features.Set(audit);
            var status = StatusCodes.Status500InternalServerError; // unless the pipeline returns
            try
            {
                await next(context);
                status = context.Response.StatusCode;
            }
            finally
            {
                if (!audit.Named)
                {
                    await NameFromBodyAsync(context, audit);
                }
                queue.Record(new ToolCallRecord
                {
                    Time = time,
                    User = user,
                    Roles = [.. Roles.Of(context.User)],
                    Server = audit.Server,
                    Tool = audit.Tool,
                    Route = route,
                    Outcome = (audit.Outcome ?? OutcomeOf(status)).ToWire(),
                    HttpStatus = status,
                    DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                    ArgumentBytes = audit.ArgumentBytes,
                    TraceId = Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.TraceId.ToHexString() : null,
                });
            }
        });
        return app;
    }

    private static string? RouteOf(HttpRequest request) =>
        !HttpMethods.IsPost(request.Method) ? null
        : request.Path.StartsWithSegments(ToolsApi.CallPath) ? RestRoute
        : request.Path.StartsWithSegments(McpGatewaySetup.Path) ? McpRoute
        : null;

    /// <summary>A call that no handler took: what its refusal means.</summary>
    private static ToolCallAuditOutcome OutcomeOf(int status) => status switch
    {
        StatusCodes.Status403Forbidden => ToolCallAuditOutcome.Forbidden,
        StatusCodes.Status429TooManyRequests => ToolCallAuditOutcome.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ToolCallAuditOutcome.Unavailable,
        >= 500 => ToolCallAuditOutcome.Failed,
        _ => ToolCallAuditOutcome.InvalidRequest, // the SDK refused the message, or the request was malformed
    };

    private static async Task NameFromBodyAsync(HttpContext context, ToolCallAudit audit)
    {
        try
        {
            context.Request.Body.Position = 0;
            var (body, _) = await JsonBody.ReadAsync<ToolCallBody>(context);
            audit.Called(body?.Server, body?.Tool, body?.Arguments);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // The caller went away mid-body: the call is recorded without its names.
        }
    }
}

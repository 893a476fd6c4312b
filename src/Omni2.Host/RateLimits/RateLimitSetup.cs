using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Omni2.Contracts;
using Omni2.Host.Api;
using Omni2.Host.Auth;
using Omni2.Host.Http;
using Omni2.Host.McpGateway;
using Omni2.Host.Realtime;

namespace Omni2.Host.RateLimits;

/// <summary>
/// Per-user limits on tool calls (REST and <c>/mcp</c> together), on every other API and
/// <c>/mcp</c> request, and on new hub connections, shared by every silo (<see cref="RateLimiter"/>).
/// A limited request gets 429 with <c>Retry-After</c>: a problem on REST and the hub, a JSON-RPC
/// error carrying the same hint on <c>/mcp</c>. Requests without a user are left to authentication.
/// </summary>
public static class RateLimitSetup
{
    /// <summary>The JSON-RPC error code of a limited <c>/mcp</c> request (the implementation-defined server-error range).</summary>
    public const int McpRateLimitedCode = -32029;

    public static WebApplicationBuilder AddOmni2RateLimits(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.Section)
            .Validate(o => o.IsValid(), $"{RateLimitOptions.Section}: Window must be positive, and every role ({string.Join(", ", Roles.All)}) needs positive ToolCalls, Reads and HubConnections")
            .ValidateOnStart();
        builder.Services.AddSingleton<RateLimiter>();
        return builder;
    }

    /// <summary>Runs after authorization, so that a request refused anyway is not counted.</summary>
    public static WebApplication UseOmni2RateLimits(this WebApplication app)
    {
        if (!app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled)
        {
            return app;
        }
        var limiter = app.Services.GetRequiredService<RateLimiter>();
        app.Use(async (context, next) =>
        {
            if (AuthSetup.UserOf(context.User) is not { Length: > 0 } user
                || await KindOfAsync(context) is not { } request)
            {
                await next(context);
                return;
            }
            if (await limiter.TryAcquireAsync(request.Kind, user, Roles.Of(context.User)) is not { } retryAfter)
            {
                await next(context);
                return;
            }
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            var detail = $"Too many {Describe(request.Kind)} for '{user}'; retry in {seconds} s.";
            if (request.McpId is { } id)
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                await context.Response.WriteAsJsonAsync(new
                {
                    jsonrpc = "2.0",
                    id,
                    error = new { code = McpRateLimitedCode, message = detail, data = new { retry_after_seconds = seconds } },
                });
                return;
            }
            await Problems.Status(StatusCodes.Status429TooManyRequests, "Too many requests", detail).ExecuteAsync(context);
        });
        return app;
    }

    private static string Describe(RateLimitKind kind) => kind switch
    {
        RateLimitKind.ToolCalls => "tool calls",
        RateLimitKind.Reads => "requests",
        _ => "hub connections",
    };

    /// <summary>What a request counts as; <c>McpId</c> is set for a POST to <c>/mcp</c> (its JSON-RPC id, or null).</summary>
    private static async ValueTask<(RateLimitKind Kind, JsonElement? McpId)?> KindOfAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments(McpGatewaySetup.Path))
        {
            return HttpMethods.IsPost(request.Method) ? await McpPostKindAsync(context)
                : HttpMethods.IsGet(request.Method) ? (RateLimitKind.Reads, null)
                : null; // DELETE ends a session: never refused
        }
        if (request.Path.StartsWithSegments(StatusHub.Path))
        {
            // A new connection: its negotiation, or a WebSocket opened without one.
            var opens = request.Path.StartsWithSegments(StatusHub.Path + "/negotiate")
                || (context.WebSockets.IsWebSocketRequest && !request.Query.ContainsKey("id"));
            return opens ? (RateLimitKind.HubConnections, null) : null;
        }
        if (!IsCountedApiPath(request.Path))
        {
            return null;
        }
        return HttpMethods.IsPost(request.Method) && request.Path.StartsWithSegments(ToolsApi.CallPath)
            ? (RateLimitKind.ToolCalls, null)
            : (RateLimitKind.Reads, null);
    }

    /// <summary>
    /// Whether a request to <paramref name="path"/> outside <c>/mcp</c> and the hub counts against a limit: the API's,
    /// but not sign-in and ForwardAuth's verify (which comes with every proxied request); not probes, metrics, the dashboard.
    /// </summary>
    internal static bool IsCountedApiPath(PathString path) => path.StartsWithSegments("/api") && !path.StartsWithSegments("/api/v1/auth");

    /// <summary>Lists 429 among the responses of the group's endpoints that the limits count, while they are enabled.</summary>
    public static TBuilder ProducesRateLimitProblems<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            if (endpoint is RouteEndpointBuilder { RoutePattern.RawText: { } pattern }
                && IsCountedApiPath(new PathString(pattern.StartsWith('/') ? pattern : "/" + pattern))
                && endpoint.ApplicationServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled)
            {
                ProblemResult.Document(endpoint, [StatusCodes.Status429TooManyRequests]);
            }
        });
        return builder;
    }

    /// <summary>A JSON-RPC message posted to /mcp is a tool call when its method is <c>tools/call</c>.</summary>
    private static async ValueTask<(RateLimitKind, JsonElement?)> McpPostKindAsync(HttpContext context)
    {
        var message = await PostedMessage.ReadAsync(context);
        return (message.IsToolCall ? RateLimitKind.ToolCalls : RateLimitKind.Reads, message.Id);
    }
}

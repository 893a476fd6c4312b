using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Host.Api;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.McpGateway;

/// <summary>The healthy fleet as one MCP server at <c>/mcp</c> (streamable HTTP), with the API's auth and permissions.</summary>
public static class McpGatewaySetup
{
    public const string Path = "/mcp";

    public static WebApplicationBuilder AddOmni2McpGateway(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewaySessions>();
        builder.Services.AddSingleton<IStatusEventListener>(sp => sp.GetRequiredService<GatewaySessions>());
        builder.Services.AddSingleton<SessionMigration>();
        builder.Services.AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "omni2", Version = "1.0" };
                o.Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = true } };
            })
            .WithHttpTransport()
            .WithListToolsHandler(GatewayTools.ListAsync)
            .WithCallToolHandler(GatewayTools.CallAsync);
        builder.Services.AddOptions<HttpServerTransportOptions>().Configure<SessionMigration>((o, migration) =>
        {
            // Sessions for clients that initialize (so they can be told when tools change); the
            // 2026-07-28 protocol, which has no sessions, is served statelessly on the same endpoint.
            // Sessions are what carries tools/list_changed to clients before that revision, so they stay,
            // migrated between silos through a grain.
#pragma warning disable MCP9006
            o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
            o.SessionMigrationHandler = migration;
#pragma warning restore MCP9006
        });
        return builder;
    }

    public static WebApplication MapOmni2McpGateway(this WebApplication app)
    {
        app.MapMcp(Path).RequireAuthorization(Policies.Read);
        return app;
    }

    /// <summary>
    /// A POST to <c>/mcp</c> carries a JSON-RPC message: anything else gets a 415 problem naming the
    /// content type it had (the SDK would answer it with a 500). Runs after authorization, so a
    /// caller without a token still gets 401 first.
    /// </summary>
    public static WebApplication UseOmni2McpJsonBodies(this WebApplication app)
    {
        app.UseWhen(
            c => HttpMethods.IsPost(c.Request.Method) && c.Request.Path.StartsWithSegments(Path) && !IsJson(c.Request.ContentType),
            branch => branch.Run(context =>
            {
                var given = context.Request.ContentType is { Length: > 0 } type ? $"'{(type.Length > 100 ? type[..100] + "..." : type)}'" : "none";
                return Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                    $"POST {Path} takes a JSON-RPC message with the content type application/json; this request had {given}.").ExecuteAsync(context);
            }));
        return app;
    }

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Notes the session behind each client's event stream (GET /mcp), wherever it lands: that
    /// silo is the one that can deliver tools/list_changed, even when the session's other requests
    /// went to other silos. Runs after authentication, before the endpoint.
    /// </summary>
    public static WebApplication UseOmni2McpStreams(this WebApplication app)
    {
        var sessions = app.Services.GetRequiredService<GatewaySessions>();
        app.UseWhen(c => HttpMethods.IsGet(c.Request.Method) && c.Request.Path.StartsWithSegments(Path), branch => branch.Use(async (context, next) =>
        {
            var streaming = next(context);
            // The transport attaches the session's server to the request before it starts streaming.
            await Task.WhenAny(streaming, Task.Delay(TimeSpan.FromMilliseconds(200)));
            if (!streaming.IsCompleted && context.Features.Get<McpServer>() is { } server)
            {
                sessions.Remember(server, Roles.Of(context.User));
            }
            await streaming;
        }));
        return app;
    }
}

using System.Text.Json;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;
using Omni2.Host.Http;
using Omni2.Host.Silo;
using Microsoft.Extensions.Options;
using Omni2.Grains.Sessions;

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
                o.Capabilities = new ServerCapabilities
                {
                    Tools = new ToolsCapability { ListChanged = true },
                    Prompts = new PromptsCapability { ListChanged = true },
                    Resources = new ResourcesCapability { ListChanged = true },
                };
            })
            .WithHttpTransport()
            .WithListToolsHandler(GatewayTools.ListAsync)
            .WithCallToolHandler(GatewayTools.CallAsync)
            .WithListPromptsHandler(GatewayListings.ListPromptsAsync)
            .WithGetPromptHandler(GatewayListings.GetPromptAsync)
            .WithListResourcesHandler(GatewayListings.ListResourcesAsync)
            .WithListResourceTemplatesHandler(GatewayListings.ListResourceTemplatesAsync)
            .WithReadResourceHandler(GatewayListings.ReadResourceAsync)
            // How a stateless (2026-07-28) client is told of list changes: over its subscriptions/listen request.
            .WithSubscriptionsListenHandler((context, cancellationToken) => context.Services!.GetRequiredService<GatewaySessions>().ListenAsync(context, cancellationToken));
        var clustered = !SiloConfiguration.IsEmbedded(builder.Configuration);
        builder.Services.AddOptions<HttpServerTransportOptions>().Configure<GatewaySessions, SessionMigration, IOptions<McpSessionOptions>>((o, sessions, migration, gateway) =>
        {
            // Sessions for clients that initialize (so they can be told when tools change); the
            // 2026-07-28 protocol, which has no sessions, is served statelessly on the same endpoint.
            // Sessions are what carries list_changed to clients before that revision (after it, subscriptions/listen), so they stay:
            // tracked by id while they run, ended after SessionIdleTimeout without a request, and in a
            // cluster migrated between silos through a grain (one silo alone has nothing to migrate to).
#pragma warning disable MCP9006, MCPEXP002
            o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
            o.RunSessionHandler = clustered
                ? (context, server, closed) => Task.WhenAll(sessions.RunAsync(context, server, closed), migration.RenewWhileRunningAsync(server.SessionId, closed))
                : sessions.RunAsync;
            o.IdleTimeout = gateway.Value.SessionIdleTimeout;
            o.SessionMigrationHandler = clustered ? migration : null;
#pragma warning restore MCP9006, MCPEXP002
        });
        return builder;
    }

    public static WebApplication MapOmni2McpGateway(this WebApplication app)
    {
        app.MapMcp(Path).RequireAuthorization(Policies.Read);
        app.MapProtectedResourceMetadata(Path);
        return app;
    }

    /// <summary>
    /// A DELETE of a session also deletes its record, whichever silo ran the session (the transport
    /// ends only a session it holds). Runs after authentication: only the session's user ends it.
    /// </summary>
    public static WebApplication UseOmni2McpSessionEnds(this WebApplication app)
    {
        if (SiloConfiguration.IsEmbedded(app.Configuration))
        {
            return app; // one silo keeps no records
        }
        var migration = app.Services.GetRequiredService<SessionMigration>();
        app.UseWhen(c => HttpMethods.IsDelete(c.Request.Method) && c.Request.Path.StartsWithSegments(Path), branch => branch.Use(async (context, next) =>
        {
            await next(context);
            if (context.Response.StatusCode < 300 && context.User.Identity?.IsAuthenticated == true
                && context.Request.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } sessionId)
            {
                await migration.EndAsync(context, sessionId);
            }
        }));
        return app;
    }

    /// <summary>
    /// A POST to <c>/mcp</c> carries a JSON-RPC message: anything else gets a 415 problem naming the
    /// content type it had, and a message the SDK cannot read (an <c>initialize</c> whose params are not
    /// an object with protocolVersion, capabilities and clientInfo, or hold an escaped lone surrogate, say)
    /// a 400 problem saying what was wrong; the SDK would answer both with a 500. Runs after authorization, so a caller without a token
    /// still gets 401 first.
    /// </summary>
    public static WebApplication UseOmni2McpJsonBodies(this WebApplication app)
    {
        app.UseWhen(
            c => HttpMethods.IsPost(c.Request.Method) && c.Request.Path.StartsWithSegments(Path),
            branch => branch.Use(async (context, next) =>
            {
                if (!IsJson(context.Request.ContentType))
                {
                    var given = context.Request.ContentType is { Length: > 0 } type ? $"'{(type.Length > 100 ? type[..100] + "..." : type)}'" : "none";
                    await Problems.Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                        $"POST {Path} takes a JSON-RPC message with the content type application/json; this request had {given}.").ExecuteAsync(context);
                    return;
                }
                try
                {
                    await next(context);
                }
                catch (Exception ex) when (IsUnreadableJson(ex) && !context.Response.HasStarted)
                {
                    // Nothing of the SDK's answer went out; its headers (a session id for a failed initialize) must not either.
                    context.Response.Clear();
                    var what = ex is JsonException json ? JsonBody.Describe(json) : ex.Message;
                    await Problems.BadRequest($"The JSON-RPC message is not valid: {what}").ExecuteAsync(context);
                }
            }));
        return app;
    }

    /// <summary>System.Text.Json could not read the message: its shape (a <see cref="JsonException"/>) or its text, not Unicode (an escaped lone surrogate).</summary>
    private static bool IsUnreadableJson(Exception ex) =>
        ex is JsonException || ex is InvalidOperationException && ex.TargetSite?.DeclaringType?.Assembly == typeof(JsonException).Assembly;

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
}

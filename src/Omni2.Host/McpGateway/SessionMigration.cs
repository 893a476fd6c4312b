using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;
using Omni2.Host.Auth;

namespace Omni2.Host.McpGateway;

/// <summary>
/// Keeps each session's initialize parameters in its <see cref="IMcpSessionGrain"/>, so a request
/// that reaches another silo continues the same session there (no sticky sessions needed).
/// </summary>
public sealed class SessionMigration(IGrainFactory grains) : ISessionMigrationHandler
{
    public async ValueTask OnSessionInitializedAsync(HttpContext context, string sessionId, InitializeRequestParams initializeParams, CancellationToken cancellationToken) =>
        await grains.GetGrain<IMcpSessionGrain>(sessionId).SaveAsync(UserOf(context), JsonSerializer.Serialize(initializeParams, McpJsonUtilities.DefaultOptions));

    public async ValueTask<InitializeRequestParams?> AllowSessionMigrationAsync(HttpContext context, string sessionId, CancellationToken cancellationToken) =>
        await grains.GetGrain<IMcpSessionGrain>(sessionId).LoadAsync(UserOf(context)) is { } json
            ? JsonSerializer.Deserialize<InitializeRequestParams>(json, McpJsonUtilities.DefaultOptions)
            : null;

    private static string UserOf(HttpContext context) => context.User.FindFirst(AuthSetup.NameClaim)?.Value ?? "";
}

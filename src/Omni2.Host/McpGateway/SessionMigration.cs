using System.Text.Json;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using Omni2.Contracts;
using Omni2.Grains.Sessions;
using Omni2.Grains.Telemetry;
using Omni2.Host.Auth;

namespace Omni2.Host.McpGateway;

/// <summary>
/// Keeps each session's initialize parameters in its <see cref="IMcpSessionGrain"/>, so a request
/// that reaches another silo continues the same session there (no sticky sessions needed). The
/// record holds only what continuing needs (protocol version, client name and version), is renewed
/// while a silo runs the session, and is deleted when the client ends it.
/// </summary>
public sealed partial class SessionMigration(IGrainFactory grains, IOptions<McpSessionOptions> options, LoopGuard loops, ILogger<SessionMigration> logger) : ISessionMigrationHandler
{
    private const int MaxClientInfoLength = 256;

    public async ValueTask OnSessionInitializedAsync(HttpContext context, string sessionId, InitializeRequestParams initializeParams, CancellationToken cancellationToken)
    {
        var record = JsonSerializer.Serialize(Trimmed(initializeParams), McpJsonUtilities.DefaultOptions);
        if (record.Length > McpSessionOptions.MaxRecordBytes)
        {
            // Capabilities this large are not worth carrying: the session works here, it just cannot move.
            LogRecordTooLarge(record.Length, McpSessionOptions.MaxRecordBytes);
            return;
        }
        await grains.GetGrain<IMcpSessionGrain>(sessionId).SaveAsync(UserOf(context), record);
    }

    public async ValueTask<InitializeRequestParams?> AllowSessionMigrationAsync(HttpContext context, string sessionId, CancellationToken cancellationToken) =>
        await grains.GetGrain<IMcpSessionGrain>(sessionId).LoadAsync(UserOf(context)) is { } json
            ? JsonSerializer.Deserialize<InitializeRequestParams>(json, McpJsonUtilities.DefaultOptions)
            : null;

    /// <summary>Renews the session's record every half idle timeout until the session ends on this silo (a failed renewal is logged and counted: the record may expire while the session runs).</summary>
    public async Task RenewWhileRunningAsync(string? sessionId, CancellationToken closed)
    {
        if (sessionId is null)
        {
            return;
        }
        using var timer = new PeriodicTimer(options.Value.SessionIdleTimeout / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(closed))
            {
                await loops.RunAsync("mcp_session_renewal", () => grains.GetGrain<IMcpSessionGrain>(sessionId).RenewAsync(), closed);
            }
        }
        catch (OperationCanceledException) when (closed.IsCancellationRequested)
        {
        }
    }

    /// <summary>The client ended the session (DELETE): its record goes, whichever silo ran it.</summary>
    public Task EndAsync(HttpContext context, string sessionId) =>
        grains.GetGrain<IMcpSessionGrain>(sessionId).EndAsync(UserOf(context));

    private static InitializeRequestParams Trimmed(InitializeRequestParams given) => new()
    {
        ProtocolVersion = Truncated(given.ProtocolVersion),
        ClientInfo = new Implementation { Name = Truncated(given.ClientInfo.Name), Version = Truncated(given.ClientInfo.Version) },
        // The gateway sends its clients no requests (roots, sampling, elicitation): their capabilities need not move.
        Capabilities = new ClientCapabilities(),
    };

    private static string Truncated(string value) => value.Length > MaxClientInfoLength ? value[..MaxClientInfoLength] : value;

    private static string UserOf(HttpContext context) => AuthSetup.UserOf(context.User) ?? "";

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP gateway: a session's initialize record has {Bytes} bytes (most {Cap}); the session stays on this silo")]
    private partial void LogRecordTooLarge(int bytes, int cap);
}

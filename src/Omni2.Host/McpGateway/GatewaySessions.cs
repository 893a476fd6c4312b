using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.McpGateway;

/// <summary>
/// The MCP sessions running on this silo, by session id, from the moment the transport starts one
/// until it ends (DELETE, idle expiry, a failed send). When the catalog changes what a session's
/// user would see in <c>tools/list</c> (a server went down or came back, its tools changed), the
/// session gets <c>notifications/tools/list_changed</c>. Stateless requests (the 2026-07-28
/// revision) have no session and leave nothing here.
/// </summary>
public sealed partial class GatewaySessions(ServerCatalog catalog, LoopGuard loops, ILogger<GatewaySessions> logger) : IStatusEventListener
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private int _checkScheduled;

    /// <summary>The sessions tracked now.</summary>
    public int Count => _sessions.Count;

    /// <summary>
    /// Runs one session for the transport (its <c>RunSessionHandler</c>), tracking it while it runs.
    /// The baseline is what the user would see at the start; <see cref="Shown"/> moves it.
    /// </summary>
    public async Task RunAsync(HttpContext context, McpServer server, CancellationToken closed)
    {
        if (server.SessionId is not { } id)
        {
            await server.RunAsync(closed);
            return;
        }
        var roles = Roles.Of(context.User);
        var session = new Session(server, roles, ToolsFingerprint(catalog.Current, roles));
        _sessions[id] = session;
        try
        {
            await server.RunAsync(closed);
        }
        finally
        {
            _sessions.TryRemove(KeyValuePair.Create(id, session));
        }
    }

    /// <summary>Notes the tool list a session was just shown, as its baseline for change.</summary>
    public void Shown(McpServer server, CatalogSnapshot snapshot)
    {
        if (server.SessionId is { } id && _sessions.TryGetValue(id, out var session))
        {
            session.Fingerprint = ToolsFingerprint(snapshot, session.Roles);
        }
    }

    public void OnStatusEvent(McpStatusEvent message)
    {
        // Coalesce a burst of events into one check, shortly after.
        if (Interlocked.Exchange(ref _checkScheduled, 1) == 0)
        {
            _ = Task.Delay(TimeSpan.FromMilliseconds(100)).ContinueWith(
                _ => loops.RunAsync("mcp_tools_changed", NotifyChangedAsync, CancellationToken.None), TaskScheduler.Default).Unwrap();
        }
    }

    private async Task NotifyChangedAsync()
    {
        Volatile.Write(ref _checkScheduled, 0);
        var snapshot = catalog.Current;
        foreach (var (id, session) in _sessions)
        {
            var now = ToolsFingerprint(snapshot, session.Roles);
            if (now == session.Fingerprint)
            {
                continue;
            }
            session.Fingerprint = now;
            try
            {
                await session.Server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification);
            }
            catch (Exception ex)
            {
                _sessions.TryRemove(KeyValuePair.Create(id, session));
                LogNotifyFailed(ex.Message);
            }
        }
    }

    /// <summary>A digest of what <paramref name="roles"/> see in <c>tools/list</c>: computed once per snapshot and role set.</summary>
    private static string ToolsFingerprint(CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.Rendered("mcp-tools-fingerprint|" + string.Join(',', roles), s =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var tool in GatewayTools.VisibleTools(s, roles))
            {
                hash.AppendData(Encoding.UTF8.GetBytes(tool.Name + "\t" + tool.Description + "\t" + tool.InputSchema.GetRawText() + "\n"));
            }
            return Convert.ToHexString(hash.GetHashAndReset());
        });

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP gateway: sending tools/list_changed failed: {Error}")]
    private partial void LogNotifyFailed(string error);

    private sealed class Session(McpServer server, IReadOnlyCollection<string> roles, string fingerprint)
    {
        public McpServer Server { get; } = server;

        public IReadOnlyCollection<string> Roles { get; } = roles;

        /// <summary>The digest of the tool list the session was last shown or told about.</summary>
        public string Fingerprint { get; set; } = fingerprint;
    }
}

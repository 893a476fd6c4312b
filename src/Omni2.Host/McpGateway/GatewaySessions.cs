using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Contracts;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.McpGateway;

/// <summary>
/// The MCP sessions on this silo. When the catalog changes what a session's user would see
/// in <c>tools/list</c> (a server went down or came back, its tools changed), the session gets
/// <c>notifications/tools/list_changed</c>.
/// </summary>
public sealed partial class GatewaySessions(ServerCatalog catalog, ILogger<GatewaySessions> logger) : IStatusEventListener
{
    private readonly ConcurrentDictionary<McpServer, Session> _sessions = new();
    private int _checkScheduled;

    /// <summary>Sets the tool list a session was last shown, as a baseline for change.</summary>
    public void Remember(McpServer server, IReadOnlyCollection<string> roles) =>
        _sessions[server] = new Session(roles, Fingerprint(roles));

    public void OnStatusEvent(McpStatusEvent message)
    {
        // Coalesce a burst of events into one check, shortly after.
        if (Interlocked.Exchange(ref _checkScheduled, 1) == 0)
        {
            _ = Task.Delay(TimeSpan.FromMilliseconds(100)).ContinueWith(_ => NotifyChangedAsync(), TaskScheduler.Default).Unwrap();
        }
    }

    private async Task NotifyChangedAsync()
    {
        Volatile.Write(ref _checkScheduled, 0);
        foreach (var (server, session) in _sessions)
        {
            var now = Fingerprint(session.Roles);
            if (now == session.ToolsFingerprint)
            {
                continue;
            }
            _sessions[server] = session with { ToolsFingerprint = now };
            try
            {
                await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification);
            }
            catch (Exception ex)
            {
                _sessions.TryRemove(server, out _);
                LogNotifyFailed(ex.Message);
            }
        }
    }

    private string Fingerprint(IReadOnlyCollection<string> roles) =>
        string.Join('\n', GatewayTools.VisibleTools(catalog.Current, roles).Select(t => t.Name + "\t" + t.Description + "\t" + t.InputSchema.GetRawText()));

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP gateway: sending tools/list_changed failed: {Error}")]
    private partial void LogNotifyFailed(string error);

    private sealed record Session(IReadOnlyCollection<string> Roles, string ToolsFingerprint);
}

using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using ModelContextProtocol;
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
/// user would see in <c>tools/list</c>, <c>prompts/list</c> or <c>resources/list</c> (and its templates)
/// (a server went down or came back, its lists changed), the session gets that list's
/// <c>list_changed</c> notification. Stateless requests (the 2026-07-28 revision) have no session and
/// leave nothing here.
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
        var snapshot = catalog.Current;
        var session = new Session(server, roles, [.. Lists.Select(list => Fingerprint(snapshot, roles, list))]);
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

    /// <summary>Notes the <paramref name="list"/> a session was just shown, as its baseline for change.</summary>
    public void Shown(McpServer server, CatalogSnapshot snapshot, GatewayList list)
    {
        if (server.SessionId is { } id && _sessions.TryGetValue(id, out var session))
        {
            session.Fingerprints[(int)list] = Fingerprint(snapshot, session.Roles, list);
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
            foreach (var list in Lists)
            {
                var now = Fingerprint(snapshot, session.Roles, list);
                if (now == session.Fingerprints[(int)list])
                {
                    continue;
                }
                session.Fingerprints[(int)list] = now;
                try
                {
                    await session.Server.SendNotificationAsync(ChangedNotifications[(int)list]);
                }
                catch (Exception ex)
                {
                    _sessions.TryRemove(KeyValuePair.Create(id, session));
                    LogNotifyFailed(ex.Message);
                    break;
                }
            }
        }
    }

    private static readonly GatewayList[] Lists = Enum.GetValues<GatewayList>();

    private static readonly string[] ChangedNotifications =
    [
        NotificationMethods.ToolListChangedNotification,
        NotificationMethods.PromptListChangedNotification,
        NotificationMethods.ResourceListChangedNotification,
    ];

    /// <summary>A digest of what <paramref name="roles"/> see in <paramref name="list"/>: computed once per snapshot, role set and list.</summary>
    private static string Fingerprint(CatalogSnapshot snapshot, IReadOnlyCollection<string> roles, GatewayList list) =>
        snapshot.Rendered($"mcp-fingerprint|{list}|{string.Join(',', roles)}", s =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            void Add<T>(IReadOnlyList<T> items) => hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(items, McpJsonUtilities.DefaultOptions));
            switch (list)
            {
                case GatewayList.Tools:
                    Add(GatewayTools.VisibleTools(s, roles));
                    break;
                case GatewayList.Prompts:
                    Add(GatewayListings.Prompts(s, roles));
                    break;
                default:
                    Add(GatewayListings.Resources(s, roles));
                    Add(GatewayListings.ResourceTemplates(s, roles));
                    break;
            }
            return Convert.ToHexString(hash.GetHashAndReset());
        });

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP gateway: sending tools/list_changed failed: {Error}")]
    private partial void LogNotifyFailed(string error);

    private sealed class Session(McpServer server, IReadOnlyCollection<string> roles, string[] fingerprints)
    {
        public McpServer Server { get; } = server;

        public IReadOnlyCollection<string> Roles { get; } = roles;

        /// <summary>The digest of each list (by <see cref="GatewayList"/>) the session was last shown or told about.</summary>
        public string[] Fingerprints { get; } = fingerprints;
    }
}

/// <summary>The lists a <c>/mcp</c> session is told changed, each with its own <c>list_changed</c> notification.</summary>
public enum GatewayList
{
    Tools,
    Prompts,
    /// <summary>Resources and resource templates (one notification covers both).</summary>
    Resources,
}

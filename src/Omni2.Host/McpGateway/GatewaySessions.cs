using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Omni2.Contracts;
using Omni2.Grains.Telemetry;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.McpGateway;

/// <summary>
/// Who is told when a <c>/mcp</c> list changes: the MCP sessions running on this silo, by session id,
/// from the moment the transport starts one until it ends (DELETE, idle expiry, a failed send), and the
/// <c>subscriptions/listen</c> streams of stateless (2026-07-28) clients while their request is open.
/// When the catalog changes what a watcher's user would see in <c>tools/list</c>, <c>prompts/list</c> or
/// <c>resources/list</c> (and its templates) (a server went down or came back, its lists changed), the
/// watcher gets that list's <c>list_changed</c> notification: a session every list's, a listen stream
/// those it asked for, tagged with its subscription id. Other stateless requests leave nothing here.
/// </summary>
public sealed partial class GatewaySessions(ServerCatalog catalog, LoopGuard loops, ILogger<GatewaySessions> logger) : IStatusEventListener
{
    private readonly ConcurrentDictionary<string, Watcher> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Watcher, bool> _listens = new();
    private int _checkScheduled;

    /// <summary>The sessions tracked now.</summary>
    public int Count => _sessions.Count;

    /// <summary>The <c>subscriptions/listen</c> streams open now.</summary>
    public int Listening => _listens.Count;

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
        var session = new Watcher(roles, Baseline(catalog.Current, roles, Lists), method => server.SendNotificationAsync(method));
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

    /// <summary>
    /// Serves one <c>subscriptions/listen</c> request (2026-07-28, SEP-2575) until the client ends it: the
    /// acknowledgement first, granting the list changes asked for (tools, prompts, resources; no
    /// <c>resourceSubscriptions</c>, as the gateway relays no <c>resources/updated</c>), then each granted
    /// list's <c>list_changed</c> when it changes, all over the request's own response stream, which is how
    /// a stateless client is told.
    /// </summary>
    public async ValueTask<EmptyResult> ListenAsync(RequestContext<SubscriptionsListenRequestParams> context, CancellationToken cancellationToken)
    {
        var requested = context.Params?.Notifications ?? new SubscriptionsListenNotifications();
        GatewayList[] granted = [.. Lists.Where(list => list switch
        {
            GatewayList.Tools => requested.ToolsListChanged == true,
            GatewayList.Prompts => requested.PromptsListChanged == true,
            _ => requested.ResourcesListChanged == true,
        })];
        var server = context.Server;
        var subscription = SubscriptionId(context.JsonRpcRequest.Id);
        var roles = Roles.Of(context.User!);
        var snapshot = catalog.Current;
        var listen = new Watcher(roles, Baseline(snapshot, roles, granted), method => server.SendMessageAsync(Tagged(method, null, subscription)));
        var acknowledged = JsonSerializer.SerializeToNode(new SubscriptionsAcknowledgedNotificationParams
        {
            Notifications = new SubscriptionsListenNotifications
            {
                ToolsListChanged = granted.Contains(GatewayList.Tools) ? true : null,
                PromptsListChanged = granted.Contains(GatewayList.Prompts) ? true : null,
                ResourcesListChanged = granted.Contains(GatewayList.Resources) ? true : null,
            },
        }, McpJsonUtilities.DefaultOptions)!.AsObject();
        await server.SendMessageAsync(Tagged(NotificationMethods.SubscriptionsAcknowledgedNotification, acknowledged, subscription), cancellationToken);
        _listens[listen] = true;
        try
        {
            // What changed between the baseline and the registration is told now; later changes by the feed.
            await NotifyAsync(listen, catalog.Current);
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client closed the stream: the listen is over.
        }
        finally
        {
            _listens.TryRemove(listen, out _);
        }
        return new EmptyResult();
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
            if (!await NotifyAsync(session, snapshot))
            {
                _sessions.TryRemove(KeyValuePair.Create(id, session));
            }
        }
        foreach (var listen in _listens.Keys)
        {
            await NotifyAsync(listen, snapshot); // a listen that cannot be sent to ends with its request
        }
    }

    /// <summary>Sends <paramref name="watcher"/> the <c>list_changed</c> of each of its lists that changed; false if a send failed.</summary>
    private async Task<bool> NotifyAsync(Watcher watcher, CatalogSnapshot snapshot)
    {
        foreach (var list in Lists)
        {
            if (watcher.Fingerprints[(int)list] is not { } was)
            {
                continue; // not watched
            }
            var now = Fingerprint(snapshot, watcher.Roles, list);
            if (now == was)
            {
                continue;
            }
            watcher.Fingerprints[(int)list] = now;
            try
            {
                await watcher.Send(ChangedNotifications[(int)list]);
            }
            catch (Exception ex)
            {
                LogNotifyFailed(ChangedNotifications[(int)list], ex.Message);
                return false;
            }
        }
        return true;
    }

    private static readonly GatewayList[] Lists = Enum.GetValues<GatewayList>();

    private static readonly string[] ChangedNotifications =
    [
        NotificationMethods.ToolListChangedNotification,
        NotificationMethods.PromptListChangedNotification,
        NotificationMethods.ResourceListChangedNotification,
    ];

    /// <summary>The digest of each of <paramref name="watched"/> now, by <see cref="GatewayList"/>; null for a list not watched.</summary>
    private static string?[] Baseline(CatalogSnapshot snapshot, IReadOnlyCollection<string> roles, IReadOnlyCollection<GatewayList> watched) =>
        [.. Lists.Select(list => watched.Contains(list) ? Fingerprint(snapshot, roles, list) : null)];

    /// <summary>The listen request's id as SEP-2575's subscription id (a JSON-RPC id is a string or an integer).</summary>
    private static JsonNode? SubscriptionId(RequestId id) => id.Id switch
    {
        string text => JsonValue.Create(text),
        long number => JsonValue.Create(number),
        _ => null,
    };

    /// <summary>A notification carrying the subscription's id in <c>_meta</c>, so a client can tell which listen it belongs to.</summary>
    private static JsonRpcNotification Tagged(string method, JsonObject? parameters, JsonNode? subscription)
    {
        parameters ??= [];
        parameters["_meta"] = new JsonObject { [MetaKeys.SubscriptionId] = subscription?.DeepClone() };
        return new JsonRpcNotification { Method = method, Params = parameters };
    }

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

    [LoggerMessage(Level = LogLevel.Debug, Message = "MCP gateway: sending {Notification} failed: {Error}")]
    private partial void LogNotifyFailed(string notification, string error);

    /// <summary>A session or a listen stream: whose lists it watches and how it is told.</summary>
    private sealed class Watcher(IReadOnlyCollection<string> roles, string?[] fingerprints, Func<string, Task> send)
    {
        public IReadOnlyCollection<string> Roles { get; } = roles;

        /// <summary>The digest of each list (by <see cref="GatewayList"/>) the watcher was last shown or told about; null for a list it does not watch.</summary>
        public string?[] Fingerprints { get; } = fingerprints;

        public Func<string, Task> Send { get; } = send;
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

using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Host.Auth;
using Omni2.Host.Catalog;

namespace Omni2.Host.Realtime;

/// <summary>
/// Decides what each audience hears of the feed: puts every event and check in the outboxes of the
/// audiences that may see its server, and tells those that may no longer see one that it is gone.
/// Used by <see cref="RealtimeDispatcher"/>'s loop only, so it needs no lock.
/// </summary>
internal sealed class AudienceRouter(ServerCatalog catalog, TimeProvider time)
{
    // The status version last routed per server: feed deliveries may overtake each other, and an
    // older status routed after a newer one would replace it in a coalescing outbox.
    private readonly Dictionary<string, long> _routedVersions = new(StringComparer.Ordinal);

    /// <summary>
    /// Each audience gets a server's event if it may see the server (the event says who may), unless a
    /// newer status of the server was routed already. One that
    /// knew the server and may no longer see it, or whose server was deleted, gets a <c>server_removed</c>
    /// instead, and nothing it was still to receive about that server.
    /// </summary>
    public void Route(McpStatusEvent message, IReadOnlyCollection<Audience> audiences)
    {
        if (message.Type == StatusMessageTypes.CriticalAlert)
        {
            RouteAlert(message, audiences);
            return;
        }
        if (message.Type == StatusMessageTypes.ListingsChanged)
        {
            return; // prompts and resources are /mcp's and REST's; the hub shows none
        }
        if (message.Type == StatusMessageTypes.ToolDefinitionChanged)
        {
            audiences.Where(a => Roles.MayApproveTools(a.Roles)).ToList().ForEach(a => a.Outbox.Add(RealtimeMessage.ToolDefinitionChanged(message)));
            return;
        }
        var now = time.GetUtcNow();
        var name = message.McpName;
        if (message.Type == StatusMessageTypes.ServerRemoved)
        {
            _routedVersions.Remove(name);
        }
        else if (message.Status is { } status)
        {
            if (_routedVersions.TryGetValue(name, out var routed) && status.Version < routed)
            {
                return; // overtaken: a newer status of this server went out already
            }
            _routedVersions[name] = status.Version;
        }
        var known = catalog.Current.Servers.GetValueOrDefault(name);
        var server = message.Type == StatusMessageTypes.ServerRemoved ? null : message.Server ?? known?.Server;
        var tools = message.Tools ?? known?.Tools ?? [];
        foreach (var audience in audiences)
        {
            if (server is not null && Roles.MayUse(audience.Roles, server.AllowedRoles))
            {
                audience.Known.Add(name);
                audience.Outbox.Add(RealtimeMessage.From(message, server, tools, audience.Roles, now));
            }
            else if (audience.Known.Remove(name))
            {
                audience.Outbox.Forget(name);
                audience.Outbox.Add(message.Type == StatusMessageTypes.ServerRemoved
                    ? RealtimeMessage.From(message, null, [], audience.Roles, now)
                    : RealtimeMessage.NoLongerVisible(name, now));
            }
        }
    }

    /// <summary>Each audience gets the alert worded from the failing servers it may see, if any: never a hidden name or count.</summary>
    private void RouteAlert(McpStatusEvent message, IReadOnlyCollection<Audience> audiences)
    {
        var snapshot = catalog.Current;
        foreach (var audience in audiences)
        {
            var visible = (message.AffectedServers ?? []).Where(name => snapshot.Find(name, audience.Roles) is not null).ToList();
            if (visible.Count > 0)
            {
                audience.Outbox.Add(RealtimeMessage.CriticalAlert(message.Timestamp, visible, message.AlertWindow));
            }
        }
    }

    /// <summary>Each audience gets the checks of the servers it may see, if any.</summary>
    public void RouteChecks(ImmutableArray<ServerCheck> checks, IReadOnlyCollection<Audience> audiences)
    {
        var now = time.GetUtcNow();
        var servers = catalog.Current.Servers;
        foreach (var audience in audiences)
        {
            var visible = checks
                .Where(c => servers.TryGetValue(c.Name, out var e) && Roles.MayUse(audience.Roles, e.Server.AllowedRoles))
                .Select(c => new CheckView(c.Name, c.At))
                .ToList();
            if (visible.Count > 0)
            {
                audience.Outbox.Add(new RealtimeMessage(RealtimeMessage.HealthChecksType, now, Checks: visible));
            }
        }
    }
}

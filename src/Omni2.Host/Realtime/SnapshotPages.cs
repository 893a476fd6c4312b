using Omni2.Grains.Persistence;
using Omni2.Host.Catalog;

namespace Omni2.Host.Realtime;

/// <summary>
/// One connection's snapshot, sent as <c>snapshot</c> messages of at most <c>pageSize</c> servers each
/// (<c>page</c> 1 to <c>pages</c>, in order), so that a fleet of 100,000 is never one message of tens of
/// megabytes. The pages split the names its recipient could see at connect; each page is built when it is
/// sent, from the catalog as it is then, so it never shows a server its recipient may no longer see, and a
/// server that went meanwhile is left out (a page may hold fewer, or none). Whatever changes after a page
/// went out reaches the client as an event after the last page (<see cref="RealtimeDispatcher"/> holds the
/// user's events until then); the client replaces its fleet with the pages together.
/// </summary>
public sealed class SnapshotPages(ServerCatalog catalog, IReadOnlyCollection<string> roles, int pageSize, TimeProvider time)
{
    private readonly string[] _names = [.. catalog.Current.VisibleTo(roles).Select(e => e.Server.Name)];
    private int _sent;

    /// <summary>How many pages this snapshot has: at least one, so an empty fleet is a snapshot too.</summary>
    public int Pages => Math.Max(1, (_names.Length + pageSize - 1) / pageSize);

    public bool Done => _sent >= Pages;

    /// <summary>The next page; every server in it is added to <paramref name="known"/>. Null once all were taken.</summary>
    public RealtimeMessage? Next(ISet<string> known)
    {
        if (Done)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var snapshot = catalog.Current;
        var start = _sent * pageSize;
        var servers = new ArraySegment<string>(_names, start, Math.Min(pageSize, _names.Length - start))
            .Select(name => snapshot.Find(name, roles))
            .OfType<CatalogEntry>()
            .Select(e => ServerView.From(e.Server, e.Status, e.Tools, now, roles))
            .ToList();
        known.UnionWith(servers.Select(s => s.Name));
        _sent++;
        return new RealtimeMessage(RealtimeMessage.SnapshotType, now, Snapshot: servers, Page: _sent, Pages: Pages);
    }
}

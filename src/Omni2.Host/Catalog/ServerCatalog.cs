using System.Collections.Immutable;
using Omni2.Contracts;
using Omni2.Grains.Mcp;
using Omni2.Grains.Persistence;

namespace Omni2.Host.Catalog;

/// <summary>
/// The silo's in-memory catalog (every read is served from it): fed by the status feed, replaced by
/// periodic resyncs from the database. Readers take <see cref="Current"/> and never wait; one
/// writer at a time builds the next snapshot. Statuses are versioned by their grain, so a late or
/// replayed event never overwrites a newer state. A server's public configuration (who may see it,
/// whether it is enabled) travels with the status and carries its version: the grain bumps the
/// version when its configuration changes, so an event or a database row older than what this silo
/// holds changes neither, and a just-restricted server is never shown again by a late message.
/// </summary>
public sealed class ServerCatalog
{
    private readonly Lock _write = new();
    private readonly Dictionary<string, long> _addedAt = new(StringComparer.Ordinal);
    private volatile CatalogSnapshot _current = CatalogSnapshot.Empty;
    private long _changes;

    public CatalogSnapshot Current => _current;

    /// <summary>Whether the catalog has been loaded from the database at least once (readiness).</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>Raised (outside the write lock) when an event names a server this silo does not know yet.</summary>
    public event Action? UnknownServerSeen;

    public void Apply(McpStatusEvent message)
    {
        if (message.Type is StatusMessageTypes.CriticalAlert or StatusMessageTypes.ToolDefinitionChanged)
        {
            return; // About the fleet, or a tool's approval (its served tools come as tools_changed): not a server's state.
        }
        bool unknown;
        lock (_write)
        {
            var servers = _current.Servers;
            servers.TryGetValue(message.McpName, out var entry);
            unknown = entry is null && message.Server is null && message.Type != StatusMessageTypes.ServerRemoved;
            var next = message.Type == StatusMessageTypes.ServerRemoved
                ? servers.Remove(message.McpName)
                : Merge(servers, entry, message);
            if (entry is null && next.ContainsKey(message.McpName))
            {
                _addedAt[message.McpName] = Interlocked.Increment(ref _changes);
            }
            if (!ReferenceEquals(next, servers))
            {
                _current = new CatalogSnapshot(next);
            }
        }
        if (unknown)
        {
            UnknownServerSeen?.Invoke();
        }
    }

    /// <summary>
    /// Moves each named server's last check forward (never back), with the silo that made it (a
    /// grain that moved to a survivor and reconnected without a transition says so here); nothing else changes.
    /// </summary>
    public void ApplyChecks(IReadOnlyList<ServerCheck> checks)
    {
        lock (_write)
        {
            var servers = _current.Servers;
            var builder = servers.ToBuilder();
            var changed = false;
            foreach (var check in checks)
            {
                if (servers.TryGetValue(check.Name, out var entry) && !(entry.Status.LastCheckAt >= check.At))
                {
                    builder[check.Name] = entry with { Status = entry.Status with { LastCheckAt = check.At, Silo = check.Silo ?? entry.Status.Silo } };
                    changed = true;
                }
            }
            if (changed)
            {
                _current = new CatalogSnapshot(builder.ToImmutable());
            }
        }
    }

    /// <summary>A mark to pass to <see cref="Resync"/>: take it before loading from the database.</summary>
    public long ChangeMark => Interlocked.Read(ref _changes);

    /// <summary>What a resync may be spared: each server's digest of its tools and listings, where they came from the database.</summary>
    public IReadOnlyDictionary<string, Guid> ListsHeld() =>
        _current.Servers.Where(e => e.Value.ListsDigest is not null).ToDictionary(e => e.Key, e => e.Value.ListsDigest!.Value, StringComparer.Ordinal);

    /// <summary>
    /// Takes the database's view, keeping any server this silo already has in a newer version. A
    /// <paramref name="complete"/> view (every row) also drops the servers it lacks, but for any added here
    /// since <paramref name="loadedAfter"/> (the load could not have seen it); a view of the changed rows
    /// drops nothing. A row without its lists (see <see cref="ICatalogSource.LoadCatalogAsync"/>) keeps the ones
    /// held. The snapshot is swapped only if something changed, so its renderings live on. Costs one lookup per
    /// row read, and a complete view one more pass over the servers held.
    /// </summary>
    public void Resync(IReadOnlyList<CatalogEntry> rows, long loadedAfter = long.MaxValue, bool complete = true)
    {
        lock (_write)
        {
            var servers = _current.Servers;
            var builder = servers.ToBuilder();
            var changed = false;
            var listed = new HashSet<string>(rows.Count, StringComparer.Ordinal);
            foreach (var row in rows)
            {
                var name = row.Server.Name;
                listed.Add(name);
                servers.TryGetValue(name, out var known);
                if (ResyncedEntry(known, row) is var entry && !ReferenceEquals(entry, known))
                {
                    builder[name] = entry;
                    changed = true;
                }
            }
            foreach (var name in complete ? servers.Keys.Where(name => !listed.Contains(name)) : [])
            {
                if (!(_addedAt.TryGetValue(name, out var added) && added > loadedAfter))
                {
                    builder.Remove(name);
                    changed = true;
                }
            }
            if (changed)
            {
                _current = new CatalogSnapshot(builder.ToImmutable());
            }
            IsLoaded |= complete;
            foreach (var seen in complete ? _addedAt.Where(p => p.Value <= loadedAfter).Select(p => p.Key).ToList() : [])
            {
                _addedAt.Remove(seen); // the database had it: nothing left to protect
            }
        }
    }

    /// <summary>
    /// One server after a resync: the row, unless the feed brought a newer version (read before the
    /// change reached the database, the row changes nothing); the known entry itself when the row says what it says.
    /// </summary>
    private static CatalogEntry ResyncedEntry(CatalogEntry? known, CatalogEntry row)
    {
        if (known is not null && known.Status.Version > row.Status.Version)
        {
            return known;
        }
        // Tools and listings left out are the ones this silo held under that digest, unless it has since dropped
        // or replaced them (between naming them and this resync): then the entry keeps what it has, and no digest,
        // so that the next resync brings the database's lists.
        var omitted = row.Tools.IsDefault;
        var tools = omitted ? known?.Tools ?? [] : SharedToolLists.Share(row.Tools);
        var listings = omitted ? known?.Listings ?? McpServerListings.Empty : row.Listings;
        var digest = omitted && known?.ListsDigest != row.ListsDigest ? null : row.ListsDigest;
        var lastCheck = Later(row.Status.LastCheckAt, known?.Status.LastCheckAt);
        if (known is not null && known.Status.Version == row.Status.Version && known.Server.SameAs(row.Server)
            && (omitted || known.Tools.SequenceEqual(row.Tools) && known.Listings.SameAs(row.Listings)) && known.Status.LastCheckAt == lastCheck)
        {
            return known.ListsDigest == digest ? known : known with { ListsDigest = digest };
        }
        // The database holds no silo: the one the feed named stays until a check or an event names another.
        var silo = row.Status.Silo ?? known?.Status.Silo;
        return new CatalogEntry(row.Server, row.Status with { LastCheckAt = lastCheck, Silo = silo }, tools)
        {
            Listings = listings,
            ListsDigest = digest,
        };
    }

    /// <summary>This silo's own admin change, visible here at once (other silos get it from the status feed or a resync).</summary>
    public void Upsert(McpServerInfo server)
    {
        lock (_write)
        {
            var servers = _current.Servers;
            var entry = servers.TryGetValue(server.Name, out var known)
                ? known with { Server = server }
                : new CatalogEntry(server, new McpServerStatus { Name = server.Name }, []);
            if (known is null)
            {
                _addedAt[server.Name] = Interlocked.Increment(ref _changes);
            }
            _current = new CatalogSnapshot(servers.SetItem(server.Name, entry));
        }
    }

    public void Remove(string name)
    {
        lock (_write)
        {
            _current = new CatalogSnapshot(_current.Servers.Remove(name));
        }
    }

    private static ImmutableSortedDictionary<string, CatalogEntry> Merge(
        ImmutableSortedDictionary<string, CatalogEntry> servers, CatalogEntry? entry, McpStatusEvent message)
    {
        var info = message.Server ?? entry?.Server;
        if (info is null)
        {
            return servers; // Unknown server: the resync this triggers brings its configuration.
        }
        var current = entry ?? new CatalogEntry(info, new McpServerStatus { Name = info.Name }, []);
        var fresher = message.Status is { } status && status.Version >= current.Status.Version;
        var updated = current with
        {
            // The configuration an event carries is as old as its status: an overtaken event keeps neither.
            Server = fresher || entry is null ? info : current.Server,
            Status = fresher ? message.Status! with { LastCheckAt = Later(message.Status!.LastCheckAt, current.Status.LastCheckAt) } : current.Status,
            Tools = fresher && message.Tools is { } tools ? SharedToolLists.Share(tools) : current.Tools,
            // Lists the feed brought are not the ones the database's digest names (until a resync brings them).
            ListsDigest = fresher && (message.Tools is not null || message.Listings is not null) ? null : current.ListsDigest,
            Listings = fresher && message.Listings is { } listings ? listings : current.Listings,
        };
        return updated == current ? servers : servers.SetItem(info.Name, updated);
    }

    /// <summary>The live last check only moves forward: batches of checks and status events may arrive in either order.</summary>
    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}

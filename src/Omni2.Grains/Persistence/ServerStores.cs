using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>Where server configuration is read from: <c>omni2.mcp_servers</c>, or configuration in the embedded default.</summary>
public interface IServerConfigSource
{
    Task<IReadOnlyList<McpServerConfig>> LoadAllAsync(CancellationToken cancellationToken = default);

    Task<McpServerConfig?> LoadAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where a server's grain projects its status, tools and health log. Called only by that grain:
/// one writer per row.
/// </summary>
public interface IStatusProjection
{
    /// <summary>
    /// Writes the status columns, tools and listings and appends the entries, atomically. Entries already
    /// written (same <see cref="HealthLogEntry.EventId"/>) are skipped; an older status never overwrites a newer one.
    /// </summary>
    Task WriteAsync(McpServerStatus status, ImmutableArray<McpToolInfo> tools, McpServerListings listings, IReadOnlyList<HealthLogEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>Moves <c>last_check_at</c> forward for each server, in one statement; never back.</summary>
    Task WriteLastChecksAsync(IReadOnlyList<ServerCheck> checks, CancellationToken cancellationToken = default);
}

/// <summary>Reads the health log, newest first, a page at a time.</summary>
public interface IHealthLogReader
{
    /// <summary>Up to <paramref name="limit"/> rows older than event <paramref name="beforeId"/>, written at or after <paramref name="since"/>.</summary>
    Task<IReadOnlyList<HealthLogRecord>> ReadAsync(string serverName, int limit, long? beforeId = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// How the <paramref name="servers"/> moved between statuses from <paramref name="since"/> on, in time
    /// buckets of <paramref name="bucket"/> counted from the Unix epoch: per server and bucket with rows, the
    /// status before its first row and after its last (when they differ), counted per bucket and pair. At most
    /// buckets × 20 rows, whatever the number of servers or rows.
    /// </summary>
    Task<IReadOnlyList<StatusMoves>> ReadMovesAsync(IReadOnlyCollection<string> servers, DateTimeOffset since, TimeSpan bucket, CancellationToken cancellationToken = default);
}

/// <summary>Deletes health-log rows past their retention (<see cref="HealthLogOptions.Retention"/>).</summary>
public interface IHealthLogRetention
{
    /// <summary>Deletes the rows written before <paramref name="cutoff"/>; returns how many.</summary>
    Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}

/// <summary>Every server as last projected: what a silo's catalog starts from and resyncs with.</summary>
public interface ICatalogSource
{
    /// <summary>
    /// Every server, or with <paramref name="changedAfter"/> (a <see cref="CatalogRead.Mark"/>) only those changed
    /// since, other than by their last check. A server named in <paramref name="listsHeld"/> whose tools and
    /// listings still have that <see cref="CatalogEntry.ListsDigest"/>, or, reading changes, whose lists did not
    /// change since the mark, comes without them (<see cref="CatalogEntry.Tools"/> is default,
    /// <see cref="CatalogEntry.Listings"/> empty): the caller has them, and a resync then moves only statuses.
    /// </summary>
    Task<CatalogRead> LoadCatalogAsync(IReadOnlyDictionary<string, Guid>? listsHeld = null, long changedAfter = 0, CancellationToken cancellationToken = default);
}

/// <summary>One read of the catalog's source.</summary>
/// <param name="Rows">The servers read.</param>
/// <param name="Complete">Whether <paramref name="Rows"/> are every server (a server missing from them is gone).</param>
/// <param name="Count">How many servers there are in all: a reader of changes holding another number missed a deletion.</param>
/// <param name="Mark">What to pass as <c>changedAfter</c> to read what changes from this read on.</param>
public sealed record CatalogRead(IReadOnlyList<CatalogEntry> Rows, bool Complete, int Count, long Mark);

/// <summary>The admin's writes to server configuration; the single writer of configuration rows.</summary>
public interface IServerAdminStore
{
    /// <summary>Adds the server; false when the name is taken.</summary>
    Task<bool> CreateAsync(McpServerConfig config, CancellationToken cancellationToken = default);

    /// <summary>Replaces the server's configuration; false when there is no such server.</summary>
    Task<bool> UpdateAsync(McpServerConfig config, CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    Task<bool> SetEnabledAsync(string name, bool enabled, CancellationToken cancellationToken = default);
}

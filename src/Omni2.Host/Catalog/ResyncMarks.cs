using Omni2.Grains.Persistence;

namespace Omni2.Host.Catalog;

/// <summary>
/// What the catalog's next resync reads: every row, or the rows changed after a mark. Every row at first,
/// once every <c>fullInterval</c>, and right after a read of changes that cannot be trusted: the database
/// counted another number of servers than the catalog then held (a deletion whose feed message was lost), or
/// a changed row new to the catalog came without its lists. A read of changes asks for what changed after the
/// mark of the read before it, not its own: a version taken before that read whose transaction committed after
/// it is read the next time.
/// </summary>
public sealed class ResyncMarks(TimeProvider time, TimeSpan fullInterval)
{
    private DateTimeOffset? _lastComplete;
    private long _changedAfter;
    private long _lastMark;
    private bool _distrusted;

    /// <summary>The mark to read changes after, or null for every row.</summary>
    public long? NextChangedAfter =>
        _distrusted || _lastComplete is not { } complete || time.GetUtcNow() - complete >= fullInterval ? null : _changedAfter;

    /// <summary>
    /// Takes a read and what the catalog held after applying it; true when every row must be read at once.
    /// </summary>
    /// <param name="held">How many servers the catalog held once the read was applied.</param>
    /// <param name="listsMissing">Whether a row new to the catalog came without its lists.</param>
    public bool Read(CatalogRead read, int held, bool listsMissing)
    {
        if (read.Complete)
        {
            (_lastComplete, _distrusted) = (time.GetUtcNow(), false);
            (_changedAfter, _lastMark) = (read.Mark, read.Mark);
            return false;
        }
        (_changedAfter, _lastMark) = (_lastMark, read.Mark);
        _distrusted = listsMissing || held != read.Count;
        return _distrusted;
    }
}

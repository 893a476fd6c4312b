namespace Omni2.Grains.Mcp;

/// <summary>
/// The caps every paginated list a server sends is read within: at most
/// <see cref="UpstreamOptions.MaxToolListPages"/> pages and <see cref="UpstreamOptions.MaxTools"/> items.
/// One per list read; throws <see cref="UpstreamLimitExceededException"/> at the first page or item over.
/// </summary>
internal sealed class ListPageCounter(string what, string items, UpstreamOptions limits)
{
    private int _pages;
    private int _items;

    /// <summary>Before asking for a page: one more page must be within the cap.</summary>
    public void NextPage()
    {
        if (++_pages > limits.MaxToolListPages)
        {
            throw UpstreamLimitExceededException.Over(what, $"{_pages} pages", limits.MaxToolListPages, nameof(UpstreamOptions.MaxToolListPages));
        }
    }

    /// <summary>A page brought <paramref name="count"/> items: all of them so far must be within the cap.</summary>
    public void Listed(int count)
    {
        _items += count;
        if (_items > limits.MaxTools)
        {
            throw UpstreamLimitExceededException.Over(what, $"{_items} {items}", limits.MaxTools, nameof(UpstreamOptions.MaxTools));
        }
    }
}

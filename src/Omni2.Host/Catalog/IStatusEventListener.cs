using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Host.Catalog;

/// <summary>Something else on this silo that reacts to the status feed (after the catalog has).</summary>
public interface IStatusEventListener
{
    /// <summary>Called on the feed's delivery thread, one event at a time: return quickly.</summary>
    void OnStatusEvent(McpStatusEvent message);

    /// <summary>Successful checks (no status change); called like <see cref="OnStatusEvent"/>.</summary>
    void OnChecks(ImmutableArray<ServerCheck> checks)
    {
    }
}

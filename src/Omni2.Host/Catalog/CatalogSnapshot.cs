using System.Collections.Concurrent;
using System.Collections.Immutable;
using Omni2.Grains.Persistence;

namespace Omni2.Host.Catalog;

/// <summary>
/// An immutable picture of every server, swapped whole on each change. Renderings that depend
/// only on the snapshot (per role set) are cached on it, so they die with it.
/// </summary>
public sealed class CatalogSnapshot(ImmutableSortedDictionary<string, CatalogEntry> servers)
{
    private readonly ConcurrentDictionary<string, object> _renderings = new(StringComparer.Ordinal);

    public static CatalogSnapshot Empty { get; } = new(ImmutableSortedDictionary.Create<string, CatalogEntry>(StringComparer.Ordinal));

    public ImmutableSortedDictionary<string, CatalogEntry> Servers { get; } = servers;

    /// <summary>Computes once per snapshot and key (e.g. a role set), then serves the cached value.</summary>
    public T Rendered<T>(string key, Func<CatalogSnapshot, T> render) where T : class =>
        (T)_renderings.GetOrAdd(key, static (_, state) => state.render(state.snapshot), (render, snapshot: this));
}

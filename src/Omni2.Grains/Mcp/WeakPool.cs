namespace Omni2.Grains.Mcp;

/// <summary>
/// One instance per silo of each distinct value, held weakly: equal values share the first instance
/// seen, and one that nobody holds any more is collected. A fleet runs the same server many times (per
/// team, tenant or environment), so what each of its servers lists or pins is mostly the same text.
/// </summary>
public sealed class WeakPool<T>(IEqualityComparer<T> comparer) where T : class
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, List<WeakReference<T>>> _values = [];
    private int _addedSinceSweep;

    /// <summary>The pool's instance equal to <paramref name="value"/>, or <paramref name="value"/> itself, which becomes it.</summary>
    public T Share(T value)
    {
        var hash = comparer.GetHashCode(value);
        lock (_gate)
        {
            if (!_values.TryGetValue(hash, out var candidates))
            {
                _values[hash] = candidates = [];
            }
            foreach (var candidate in candidates)
            {
                if (candidate.TryGetTarget(out var known) && comparer.Equals(known, value))
                {
                    return known;
                }
            }
            candidates.Add(new WeakReference<T>(value));
            if (++_addedSinceSweep > Math.Max(1_024, _values.Count))
            {
                Sweep();
            }
        }
        return value;
    }

    /// <summary>Forgets collected values; runs after as many additions as there are hashes, so it costs O(1) per addition.</summary>
    private void Sweep()
    {
        _addedSinceSweep = 0;
        foreach (var (hash, candidates) in _values.ToList())
        {
            candidates.RemoveAll(c => !c.TryGetTarget(out _));
            if (candidates.Count == 0)
            {
                _values.Remove(hash);
            }
        }
    }
}

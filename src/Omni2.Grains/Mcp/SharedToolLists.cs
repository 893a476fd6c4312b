using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>
/// One copy per silo of each distinct tool list. A fleet runs the same server many times (per team,
/// tenant or environment), and each server's list was held twice (its grain's state and the catalog),
/// each a copy of its own: at 10,000 such servers that was most of the silo's strings. Lists are held
/// weakly, so a list nobody uses any more is collected.
/// </summary>
public static class SharedToolLists
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, List<WeakReference<McpToolInfo[]>>> Lists = [];
    private static int _addedSinceSweep;

    /// <summary>The silo's copy of a list equal to <paramref name="tools"/> (compared by content), or <paramref name="tools"/> itself, which becomes it.</summary>
    public static ImmutableArray<McpToolInfo> Share(ImmutableArray<McpToolInfo> tools)
    {
        if (tools.IsDefaultOrEmpty)
        {
            return tools;
        }
        var hash = Hash(tools);
        lock (Gate)
        {
            if (!Lists.TryGetValue(hash, out var candidates))
            {
                Lists[hash] = candidates = [];
            }
            foreach (var candidate in candidates)
            {
                if (candidate.TryGetTarget(out var known) && known.AsSpan().SequenceEqual(tools.AsSpan()))
                {
                    return ImmutableCollectionsMarshal.AsImmutableArray(known);
                }
            }
            candidates.Add(new WeakReference<McpToolInfo[]>(ImmutableCollectionsMarshal.AsArray(tools)!));
            if (++_addedSinceSweep > Math.Max(1_024, Lists.Count))
            {
                Sweep();
            }
        }
        return tools;
    }

    /// <summary>Forgets collected lists; runs after as many additions as there are lists, so it costs O(1) per addition.</summary>
    private static void Sweep()
    {
        _addedSinceSweep = 0;
        foreach (var (hash, candidates) in Lists.ToList())
        {
            candidates.RemoveAll(c => !c.TryGetTarget(out _));
            if (candidates.Count == 0)
            {
                Lists.Remove(hash);
            }
        }
    }

    private static int Hash(ImmutableArray<McpToolInfo> tools)
    {
        var hash = new HashCode();
        foreach (var tool in tools)
        {
            hash.Add(tool);
        }
        return hash.ToHashCode();
    }
}

using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Omni2.Contracts;

namespace Omni2.Grains.Mcp;

/// <summary>
/// One copy per silo of each distinct tool list. A fleet runs the same server many times (per team,
/// tenant or environment), and each server's list was held three times (its grain's state, its tool
/// pins and the catalog), each a copy of its own: at 10,000 such servers that was most of the silo's
/// strings. Lists are held weakly (<see cref="WeakPool{T}"/>), so a list nobody uses any more is collected.
/// </summary>
public static class SharedToolLists
{
    private static readonly WeakPool<McpToolInfo[]> Lists = new(new ByContent());

    /// <summary>The silo's copy of a list equal to <paramref name="tools"/> (compared by content), or <paramref name="tools"/> itself, which becomes it.</summary>
    public static ImmutableArray<McpToolInfo> Share(ImmutableArray<McpToolInfo> tools) =>
        tools.IsDefaultOrEmpty ? tools : ImmutableCollectionsMarshal.AsImmutableArray(Lists.Share(ImmutableCollectionsMarshal.AsArray(tools)!));

    private sealed class ByContent : IEqualityComparer<McpToolInfo[]>
    {
        public bool Equals(McpToolInfo[]? x, McpToolInfo[]? y) => x.AsSpan().SequenceEqual(y.AsSpan());

        public int GetHashCode(McpToolInfo[] tools)
        {
            var hash = new HashCode();
            foreach (var tool in tools)
            {
                hash.Add(tool);
            }
            return hash.ToHashCode();
        }
    }
}

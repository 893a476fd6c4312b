using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Omni2.Contracts;
using Omni2.Grains.Mcp;

namespace Omni2.UnitTests.Mcp;

public sealed class SharedToolListsTests
{
    // Names unique to each test: the pool is the silo's, shared by every test in this process.
    private static ImmutableArray<McpToolInfo> List(string name, string description = "Echoes.") =>
        [new McpToolInfo { Name = name, Description = description, InputSchemaJson = """{"type":"object"}""" }, new McpToolInfo { Name = name + "_2", InputSchemaJson = "{}" }];

    [Fact]
    public void Equal_lists_become_one_copy()
    {
        var name = $"echo_{Guid.NewGuid():N}";
        var first = SharedToolLists.Share(List(name));

        var second = SharedToolLists.Share(List(name));

        Assert.True(first == second, "the second list should be the first one's array");
    }

    [Fact]
    public void A_list_that_differs_in_one_description_stays_its_own()
    {
        var name = $"echo_{Guid.NewGuid():N}";
        var first = SharedToolLists.Share(List(name));
        var other = List(name, "Echoes, differently.");

        var shared = SharedToolLists.Share(other);

        Assert.True(shared == other);
        Assert.False(shared == first);
    }

    [Fact]
    public void A_list_nobody_holds_is_not_kept_alive()
    {
        var name = $"echo_{Guid.NewGuid():N}";
        var dropped = ShareAndDrop(name);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var fresh = List(name);
        var shared = SharedToolLists.Share(fresh);

        Assert.False(dropped.TryGetTarget(out _));
        Assert.True(shared == fresh, "a collected list must not come back");
    }

    [Fact]
    public void An_empty_list_is_returned_as_it_is()
    {
        Assert.True(SharedToolLists.Share([]).IsEmpty);
        Assert.True(SharedToolLists.Share(default).IsDefault);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<McpToolInfo[]> ShareAndDrop(string name)
    {
        var list = SharedToolLists.Share(List(name));
        return new WeakReference<McpToolInfo[]>(System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsArray(list)!);
    }
}

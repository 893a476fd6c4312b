using System.Collections.Immutable;

namespace Omni2.Contracts;

/// <summary>One prompt, resource or resource template a server listed: its key (name, URI or URI template) and the protocol object verbatim.</summary>
[GenerateSerializer, Immutable, Alias("omni2.McpListedItem")]
public sealed record McpListedItem(
    [property: Id(0)] string Key,
    [property: Id(1)] string Json);

/// <summary>What a server listed besides its tools: its prompts, resources and resource templates (empty for what it does not offer).</summary>
[GenerateSerializer, Immutable, Alias("omni2.McpServerListings")]
public sealed record McpServerListings(
    [property: Id(0)] ImmutableArray<McpListedItem> Prompts,
    [property: Id(1)] ImmutableArray<McpListedItem> Resources,
    [property: Id(2)] ImmutableArray<McpListedItem> ResourceTemplates)
{
    public static McpServerListings Empty { get; } = new([], [], []);

    /// <summary>Whether both list the same items (record equality compares the arrays by reference).</summary>
    public bool SameAs(McpServerListings other) =>
        Prompts.SequenceEqual(other.Prompts) && Resources.SequenceEqual(other.Resources) && ResourceTemplates.SequenceEqual(other.ResourceTemplates);
}

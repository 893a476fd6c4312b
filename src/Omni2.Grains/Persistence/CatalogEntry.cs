using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>One server as a silo's catalog knows it: loaded from the database or brought by the status feed.</summary>
public sealed record CatalogEntry(McpServerInfo Server, McpServerStatus Status, ImmutableArray<McpToolInfo> Tools)
{
    /// <summary>Its prompts, resources and templates, as the status feed last brought them (the database keeps none).</summary>
    public McpServerListings Listings { get; init; } = McpServerListings.Empty;
}

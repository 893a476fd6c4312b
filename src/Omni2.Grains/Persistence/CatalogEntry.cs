using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>One server as a silo's catalog knows it: loaded from the database or brought by the status feed.</summary>
/// <param name="Tools">Default in a row left without them because its reader already held them (see <see cref="ICatalogSource.LoadCatalogAsync"/>).</param>
public sealed record CatalogEntry(McpServerInfo Server, McpServerStatus Status, ImmutableArray<McpToolInfo> Tools)
{
    /// <summary>Its prompts, resources and templates, as the status feed last brought them (the database keeps none).</summary>
    public McpServerListings Listings { get; init; } = McpServerListings.Empty;

    /// <summary>
    /// The database's digest of <see cref="Tools"/> when they came from it (null once the feed brought
    /// others, or where the store keeps none): a resync names it to be spared tools it holds.
    /// </summary>
    public Guid? ToolsDigest { get; init; }
}

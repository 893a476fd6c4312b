using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>One server as a silo's catalog knows it: loaded from the database or brought by the status feed.</summary>
/// <param name="Tools">Default in a row left without its lists because its reader already held them (see <see cref="ICatalogSource.LoadCatalogAsync"/>).</param>
public sealed record CatalogEntry(McpServerInfo Server, McpServerStatus Status, ImmutableArray<McpToolInfo> Tools)
{
    /// <summary>Its prompts, resources and templates, from the database or as the status feed last brought them (empty in a row left without its lists).</summary>
    public McpServerListings Listings { get; init; } = McpServerListings.Empty;

    /// <summary>
    /// The database's digest of <see cref="Tools"/> and <see cref="Listings"/> together when they came from it
    /// (null once the feed brought others, or where the store keeps none): a resync names it to be spared the lists it holds.
    /// </summary>
    public Guid? ListsDigest { get; init; }
}

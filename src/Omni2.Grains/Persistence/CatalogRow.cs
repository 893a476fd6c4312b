using System.Collections.Immutable;
using Omni2.Contracts;

namespace Omni2.Grains.Persistence;

/// <summary>One server as the database last saw it.</summary>
public sealed record CatalogRow(McpServerInfo Server, McpServerStatus Status, ImmutableArray<McpToolInfo> Tools);

using Omni2.Contracts;
using Omni2.Grains.Persistence;
using Omni2.Host.Auth;

namespace Omni2.Host.Catalog;

/// <summary>What a user may see of a catalog snapshot.</summary>
public static class Visibility
{
    public static IEnumerable<CatalogEntry> VisibleTo(this CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.Servers.Values.Where(e => Roles.MayUse(roles, e.Server.AllowedRoles));

    /// <summary>The servers a user may see that are healthy: what <c>/mcp</c> and the capabilities offer.</summary>
    public static IEnumerable<CatalogEntry> UsableBy(this CatalogSnapshot snapshot, IReadOnlyCollection<string> roles) =>
        snapshot.VisibleTo(roles).Where(e => e.Status.Status == HealthStatus.Healthy);

    public static CatalogEntry? Find(this CatalogSnapshot snapshot, string name, IReadOnlyCollection<string> roles) =>
        snapshot.Servers.TryGetValue(name, out var entry) && Roles.MayUse(roles, entry.Server.AllowedRoles) ? entry : null;

    /// <summary>The tools of a server the user may see that the user may also use (its <c>tool_roles</c>).</summary>
    public static IEnumerable<McpToolInfo> VisibleTools(this CatalogEntry entry, IReadOnlyCollection<string> roles) =>
        entry.Tools.Where(t => Roles.MayUse(roles, entry.Server, t.Name));
}

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

    /// <summary>
    /// <see cref="UsableBy(CatalogSnapshot, IReadOnlyCollection{string})"/>, or with <paramref name="server"/> only
    /// that server if usable: a lookup, not a pass over the fleet (a listing of one server is rendered anew after
    /// every swap of the snapshot, and a fleet of 100,000 swaps many times a second in a mass failure).
    /// </summary>
    public static IEnumerable<CatalogEntry> UsableBy(this CatalogSnapshot snapshot, IReadOnlyCollection<string> roles, string? server) =>
        server is null ? snapshot.UsableBy(roles)
        : snapshot.Find(server, roles) is { Status.Status: HealthStatus.Healthy } entry ? [entry] : [];

    public static CatalogEntry? Find(this CatalogSnapshot snapshot, string name, IReadOnlyCollection<string> roles) =>
        snapshot.Servers.TryGetValue(name, out var entry) && Roles.MayUse(roles, entry.Server.AllowedRoles) ? entry : null;

    /// <summary>The tools of a server the user may see that the user may also use (its <c>tool_roles</c>).</summary>
    public static IEnumerable<McpToolInfo> VisibleTools(this CatalogEntry entry, IReadOnlyCollection<string> roles) =>
        entry.Tools.Where(t => Roles.MayUse(roles, entry.Server, t.Name));
}

using System.Collections.Immutable;
using System.Security.Claims;
using Omni2.Contracts;

namespace Omni2.Host.Auth;

/// <summary>
/// The three roles, from the token's <c>role</c> claim. They are ordered, viewer &lt; operator &lt; admin,
/// and each includes the ones before it: in the policies (an operator reads, an admin calls tools) and in
/// a server's <c>allowed_roles</c>, which names the lowest role that may see and use the server.
/// </summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly ImmutableArray<string> All = [Viewer, Operator, Admin];

    public static bool IsKnown(string role) => All.Contains(role);

    // Every subset of the known roles, distinct and in ordinal order, built once: each request resolves
    // its caller's roles, and building the set per request cost a LINQ pipeline's allocations.
    private static readonly IReadOnlyCollection<string>[] Subsets =
    [
        .. Enumerable.Range(0, 1 << All.Length).Select(mask =>
            (IReadOnlyCollection<string>)All.Where((_, i) => (mask & (1 << i)) != 0).Order(StringComparer.Ordinal).ToImmutableArray()),
    ];

    /// <summary>The caller's known roles from its <c>role</c> claims (type matched ignoring case, like <see cref="ClaimsPrincipal.FindAll(string)"/>).</summary>
    public static IReadOnlyCollection<string> Of(ClaimsPrincipal user)
    {
        var mask = 0;
        foreach (var claim in user.Claims)
        {
            if (string.Equals(claim.Type, AuthSetup.RoleClaim, StringComparison.OrdinalIgnoreCase) && All.IndexOf(claim.Value) is var index and >= 0)
            {
                mask |= 1 << index;
            }
        }
        return Subsets[mask];
    }

    /// <summary>
    /// Whether a user with <paramref name="roles"/> may see and use a server limited to
    /// <paramref name="allowedRoles"/>: empty, everyone; otherwise the lowest role named and every
    /// role above it (<c>["operator"]</c>: operators and admins). Admins manage every server, so they see all.
    /// Every view applies this one rule: the REST API, the hub, <c>/mcp</c> (and so the dashboard).
    /// </summary>
    public static bool MayUse(IReadOnlyCollection<string> roles, ImmutableArray<string> allowedRoles) =>
        allowedRoles.IsDefaultOrEmpty || Rank(roles) >= Lowest(allowedRoles);

    /// <summary>
    /// Whether a user with <paramref name="roles"/> may see and call <paramref name="server"/>'s
    /// <paramref name="tool"/>: the server's rule, and for a tool its <c>tool_roles</c> name, the same rule
    /// over the roles named there (so an entry only narrows: a tool is never shown on a server its user
    /// may not see). A tool not named follows the server. Listings, calls, counts and notifications apply it.
    /// </summary>
    public static bool MayUse(IReadOnlyCollection<string> roles, McpServerInfo server, string tool) =>
        MayUse(roles, server.AllowedRoles)
        && (server.ToolRoles is not { } toolRoles || !toolRoles.TryGetValue(tool, out var allowed) || MayUse(roles, allowed));

    /// <summary>Who may call tools: operators and admins, in the <see cref="Policies.CallTools"/> policy and on <c>/mcp</c>.</summary>
    public static readonly ImmutableArray<string> ToolCallers = [Operator, Admin];

    public static bool MayCallTools(IReadOnlyCollection<string> roles) => roles.Any(ToolCallers.Contains);

    /// <summary>Whether a user hears of changed tool definitions and may approve them: admins only.</summary>
    public static bool MayApproveTools(IReadOnlyCollection<string> roles) => roles.Contains(Admin);

    /// <summary>Whether a user may see internal addresses (the silo that owns a server): admins only.</summary>
    public static bool MaySeeSilos(IReadOnlyCollection<string> roles) => roles.Contains(Admin);

    /// <summary>The user's highest role (-1 without one).</summary>
    private static int Rank(IReadOnlyCollection<string> roles)
    {
        var rank = -1;
        foreach (var role in roles)
        {
            rank = Math.Max(rank, All.IndexOf(role));
        }
        return rank;
    }

    /// <summary>The lowest known role named; only admins (its rank) when none is known (a hand-edited row).</summary>
    private static int Lowest(ImmutableArray<string> allowedRoles)
    {
        var lowest = All.Length - 1;
        foreach (var role in allowedRoles)
        {
            if (All.IndexOf(role) is var index and >= 0)
            {
                lowest = Math.Min(lowest, index);
            }
        }
        return lowest;
    }
}

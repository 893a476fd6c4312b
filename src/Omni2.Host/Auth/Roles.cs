using System.Collections.Immutable;
using System.Security.Claims;

namespace Omni2.Host.Auth;

/// <summary>The three roles, from the token's <c>role</c> claim: each includes the ones before it.</summary>
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
    /// <paramref name="allowedRoles"/> (empty: everyone). Admins manage every server, so they see all.
    /// </summary>
    public static bool MayUse(IReadOnlyCollection<string> roles, ImmutableArray<string> allowedRoles) =>
        allowedRoles.IsDefaultOrEmpty || roles.Contains(Admin) || allowedRoles.Any(roles.Contains);
}

/// <summary>Authorization policies by what an endpoint does.</summary>
public static class Policies
{
    public const string Read = "read";
    public const string CallTools = "call-tools";
    public const string Administer = "administer";
}

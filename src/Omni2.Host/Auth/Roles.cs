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

    public static IReadOnlyCollection<string> Of(ClaimsPrincipal user) =>
        [.. user.FindAll(AuthSetup.RoleClaim).Select(c => c.Value).Where(IsKnown).Distinct().Order(StringComparer.Ordinal)];

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

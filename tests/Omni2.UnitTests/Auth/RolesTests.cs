using System.Security.Claims;
using Omni2.Host.Auth;

namespace Omni2.UnitTests.Auth;

public sealed class RolesTests
{
    private static ClaimsPrincipal User(params ClaimsIdentity[] identities) => new(identities);

    private static ClaimsIdentity Identity(params (string Type, string Value)[] claims) =>
        new(claims.Select(c => new Claim(c.Type, c.Value)), "test");

    [Fact]
    public void No_role_claim_gives_no_roles() =>
        Assert.Empty(Roles.Of(User(Identity(("sub", "ana")))));

    [Fact]
    public void Roles_are_known_distinct_and_in_ordinal_order()
    {
        var user = User(Identity(("role", "viewer"), ("role", "superuser"), ("role", "admin"), ("role", "viewer"), ("role", "Admin")));

        Assert.Equal(["admin", "viewer"], Roles.Of(user));
    }

    [Fact]
    public void Claims_of_every_identity_count_and_the_claim_type_ignores_case()
    {
        var user = User(Identity(("ROLE", "operator")), Identity(("role", "viewer"), ("roles", "admin")));

        Assert.Equal(["operator", "viewer"], Roles.Of(user));
    }

    [Fact]
    public void Every_combination_matches_the_claims()
    {
        var subsets = Enumerable.Range(0, 1 << Roles.All.Length)
            .Select(mask => Roles.All.Where((_, i) => (mask & (1 << i)) != 0).ToArray());
        foreach (var roles in subsets)
        {
            var user = User(Identity([.. roles.Reverse().Select(r => ("role", r))]));

            Assert.Equal(roles.Order(StringComparer.Ordinal), Roles.Of(user));
        }
    }
}

using System.Collections.Immutable;
using System.Security.Claims;
using Omni2.Contracts;
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

    public static TheoryData<string, string, bool> Visibility()
    {
        // allowed_roles names the lowest role that may see the server; every higher role sees it too.
        var data = new TheoryData<string, string, bool>();
        string[] allowed = ["", "viewer", "operator", "admin", "operator,admin", "admin,viewer", "unknown"];
        foreach (var user in Roles.All)
        {
            foreach (var servers in allowed)
            {
                var lowest = servers.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(r => Roles.All.IndexOf(r)).Where(i => i >= 0).DefaultIfEmpty(servers.Length == 0 ? 0 : 2).Min();
                data.Add(user, servers, Roles.All.IndexOf(user) >= lowest);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Visibility))]
    public void Allowed_roles_name_the_lowest_role_that_sees_the_server(string user, string allowedRoles, bool visible) =>
        Assert.Equal(visible, Roles.MayUse([user], [.. allowedRoles.Split(',', StringSplitOptions.RemoveEmptyEntries)]));

    [Fact]
    public void A_viewer_sees_a_server_limited_to_viewers_and_so_does_an_operator()
    {
        Assert.True(Roles.MayUse([Roles.Viewer], [Roles.Viewer]));
        Assert.True(Roles.MayUse([Roles.Operator], [Roles.Viewer]));
        Assert.False(Roles.MayUse([Roles.Viewer], [Roles.Operator]));
    }

    [Fact]
    public void A_user_without_a_known_role_sees_only_unrestricted_servers()
    {
        Assert.True(Roles.MayUse([], []));
        Assert.False(Roles.MayUse([], [Roles.Viewer]));
    }

    private static McpServerInfo Server(string[] allowedRoles, params (string Tool, string[] Roles)[] toolRoles) =>
        new("alpha", McpTransport.StreamableHttp, true, [.. allowedRoles],
            toolRoles.ToImmutableDictionary(t => t.Tool, t => t.Roles.ToImmutableArray()));

    [Theory]
    [InlineData("viewer", false)]
    [InlineData("operator", true)]
    [InlineData("admin", true)]
    public void A_tool_in_tool_roles_needs_the_lowest_role_named_there(string user, bool usable) =>
        Assert.Equal(usable, Roles.MayUse([user], Server([], ("echo", ["admin", "operator"])), "echo"));

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    public void A_tool_not_in_tool_roles_follows_the_server(string user)
    {
        var server = Server([Roles.Operator], ("echo", [Roles.Admin]));

        Assert.Equal(Roles.MayUse([user], server.AllowedRoles), Roles.MayUse([user], server, "add"));
    }

    [Fact]
    public void A_tool_entry_never_shows_a_tool_on_a_server_its_user_may_not_see() =>
        Assert.False(Roles.MayUse([Roles.Viewer], Server([Roles.Operator], ("echo", [Roles.Viewer])), "echo"));

    [Fact]
    public void An_admin_may_use_every_tool() =>
        Assert.True(Roles.MayUse([Roles.Admin], Server([Roles.Admin], ("echo", [Roles.Admin]), ("add", ["unknown"])), "add"));

    [Fact]
    public void A_server_without_tool_roles_from_an_earlier_silo_follows_its_allowed_roles() =>
        Assert.True(Roles.MayUse([Roles.Viewer], new McpServerInfo("alpha", McpTransport.Sse, true, []), "echo"));

    [Fact]
    public void Only_admins_see_silo_addresses()
    {
        Assert.True(Roles.MaySeeSilos([Roles.Admin]));
        Assert.False(Roles.MaySeeSilos([Roles.Operator, Roles.Viewer]));
    }
}

using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Omni2.Host.Auth;

namespace Omni2.UnitTests.Auth;

public sealed class TokenIssuerTests
{
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes(new string('k', 48)));

    [Fact]
    public void Every_token_carries_its_own_jti()
    {
        var issuer = new TokenIssuer(new AuthOptions(), Key);

        var first = new JsonWebToken(issuer.Issue("ana", Roles.Viewer, TimeSpan.FromMinutes(5), out var jti));
        var second = new JsonWebToken(issuer.Issue("ana", Roles.Viewer, TimeSpan.FromMinutes(5)));

        Assert.Equal(jti, first.Id);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public void A_lifetime_beyond_the_configured_maximum_is_refused()
    {
        var issuer = new TokenIssuer(new AuthOptions { MaxTokenLifetime = TimeSpan.FromHours(2) }, Key);

        Assert.NotNull(issuer.Issue("ana", Roles.Admin, TimeSpan.FromHours(2)));
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => issuer.Issue("ana", Roles.Admin, TimeSpan.FromHours(2.5)));
        Assert.Contains("Auth:MaxTokenLifetime", refused.Message);
    }

    [Fact]
    public void The_maximum_lifetime_is_eight_hours_unless_configured() =>
        Assert.Equal(TimeSpan.FromHours(8), new TokenIssuer(new AuthOptions(), Key).MaxLifetime);
}

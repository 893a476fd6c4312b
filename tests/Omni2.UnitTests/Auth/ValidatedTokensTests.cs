using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Omni2.Host.Auth;

namespace Omni2.UnitTests.Auth;

public sealed class ValidatedTokensTests
{
    private static readonly SymmetricSecurityKey Key = new(Encoding.UTF8.GetBytes("unit-tests-signing-key-0123456789-abcdefghij"));
    private static readonly SymmetricSecurityKey OtherKey = new(Encoding.UTF8.GetBytes("another-signing-key-0123456789-abcdefghijkl"));

    private static TokenValidationParameters Parameters(TimeSpan? skew = null) => new()
    {
        IssuerSigningKey = Key,
        ValidateIssuerSigningKey = true,
        ValidateIssuer = false,
        ValidateAudience = false,
        ValidateLifetime = true,
        ClockSkew = skew ?? TimeSpan.FromSeconds(30),
        RoleClaimType = AuthSetup.RoleClaim,
        NameClaimType = AuthSetup.NameClaim,
    };

    private static string Token(SymmetricSecurityKey key, TimeSpan lifetime, string role = Roles.Viewer) =>
        new TokenIssuer(new AuthOptions(), key).Issue("ana", role, lifetime);

    private static ValidatedTokens Handler() => new() { MapInboundClaims = false };

    [Fact]
    public async Task A_repeated_token_gets_an_equal_identity_of_its_own()
    {
        var handler = Handler();
        var token = Token(Key, TimeSpan.FromMinutes(5));

        var first = await handler.ValidateTokenAsync(token, Parameters());
        var second = await handler.ValidateTokenAsync(token, Parameters());

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Equal(first.ClaimsIdentity.GetType(), second.ClaimsIdentity.GetType());
        Assert.Equal(first.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value)), second.ClaimsIdentity.Claims.Select(c => (c.Type, c.Value)));
        Assert.True(second.ClaimsIdentity.IsAuthenticated);
        Assert.Equal("ana", second.ClaimsIdentity.Name);
        Assert.True(new ClaimsPrincipal(second.ClaimsIdentity).IsInRole(Roles.Viewer));
        Assert.Same(first.SecurityToken, second.SecurityToken);
    }

    [Fact]
    public async Task A_change_to_one_request_identity_does_not_reach_the_next()
    {
        var handler = Handler();
        var token = Token(Key, TimeSpan.FromMinutes(5));

        (await handler.ValidateTokenAsync(token, Parameters())).ClaimsIdentity.AddClaim(new Claim(AuthSetup.RoleClaim, Roles.Admin));
        var next = await handler.ValidateTokenAsync(token, Parameters());

        Assert.False(new ClaimsPrincipal(next.ClaimsIdentity).IsInRole(Roles.Admin));
    }

    [Fact]
    public async Task A_cached_token_is_refused_once_it_expires()
    {
        var handler = Handler();
        var token = Token(Key, TimeSpan.FromSeconds(1));
        var parameters = Parameters(skew: TimeSpan.Zero);
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        // Expiry has whole-second precision: wait past it for sure.
        await Task.Delay(TimeSpan.FromSeconds(2.2));
        var late = await handler.ValidateTokenAsync(token, parameters);

        Assert.False(late.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(late.Exception);
    }

    [Fact]
    public async Task Tokens_that_fail_are_not_remembered_and_keep_failing()
    {
        var handler = Handler();
        var foreign = Token(OtherKey, TimeSpan.FromMinutes(5));
        var valid = Token(Key, TimeSpan.FromMinutes(5));
        var tampered = valid[..^2] + (valid[^2] == 'A' ? "BB" : "AA");
        Assert.True((await handler.ValidateTokenAsync(valid, Parameters())).IsValid);

        foreach (var token in new[] { foreign, foreign, tampered, tampered, "not-a-token", "not-a-token" })
        {
            Assert.False((await handler.ValidateTokenAsync(token, Parameters())).IsValid);
        }
    }

    [Fact]
    public async Task A_full_cache_starts_over_and_still_validates()
    {
        var handler = Handler();
        var tokens = Enumerable.Range(0, ValidatedTokens.Capacity + 10).Select(i => Token(Key, TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(i))).ToList();

        foreach (var token in tokens.Concat(tokens))
        {
            Assert.True((await handler.ValidateTokenAsync(token, Parameters())).IsValid);
        }
    }
}
